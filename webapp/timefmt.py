"""Server-side rendering of times: a readable relative text for a <time> element."""
from datetime import datetime, timezone

from markupsafe import Markup, escape

UNITS = [(365 * 86400, "year"), (30 * 86400, "month"), (7 * 86400, "week"),
         (86400, "day"), (3600, "hour"), (60, "minute")]


def relative_time(moment: datetime, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '2 days ago'... for a UTC-aware moment."""
    now = now or datetime.now(timezone.utc)
    seconds = int((now - moment).total_seconds())
    if seconds < 45:
        return "just now"
    for size, unit in UNITS:
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "1 minute ago"


def iso_utc(moment: datetime) -> str:
    """The machine-readable form for the datetime attribute, e.g. 2026-11-24T08:00:00Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def full_utc(moment: datetime) -> str:
    """The exact time for a tooltip, e.g. 24 Nov 2026, 08:00 UTC."""
    return moment.astimezone(timezone.utc).strftime("%d %b %Y, %H:%M UTC")


def time_tag(moment: datetime) -> Markup:
    """A <time> element: the relative time to read, the exact time as its tooltip and machine value."""
    # Escaped one by one: Markup.format goes through string.Formatter, slow for a tag in every row.
    return Markup(f'<time datetime="{escape(iso_utc(moment))}" title="{escape(full_utc(moment))}">'
                  f'{escape(relative_time(moment))}</time>')
