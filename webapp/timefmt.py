"""Server-side rendering of times: a readable relative text for a <time> element."""
from datetime import datetime, timezone

from markupsafe import Markup

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


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Both built field by field: strftime costs twice as much, and every row of a list shows a time.
def iso_utc(moment: datetime) -> str:
    """The machine-readable form for the datetime attribute, e.g. 2026-11-24T08:00:00Z."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def full_utc(moment: datetime) -> str:
    """The exact time for a tooltip, e.g. 24 Nov 2026, 08:00 UTC (month names in English, whatever the locale)."""
    utc = moment.astimezone(timezone.utc)
    return f"{utc.day:02} {MONTHS[utc.month - 1]} {utc.year}, {utc.hour:02}:{utc.minute:02} UTC"


def time_tag(moment: datetime) -> Markup:
    """A <time> element: the relative time to read, the exact time as its tooltip and machine value.
    Every row of a list has one, so it is built here rather than in a macro; its three texts are
    made of digits, month names and units only, so there is nothing to escape. static/app.js keeps
    the relative text current and puts the reader's own time zone in the tooltip."""
    return Markup(f'<time class="relative" datetime="{iso_utc(moment)}" title="{full_utc(moment)}">'
                  f'{relative_time(moment)}</time>')


def clock_tag(moment: datetime) -> Markup:
    """A message's <time>: its clock time, 14:05 (UTC here; static/app.js shows the reader's own)."""
    utc = moment.astimezone(timezone.utc)
    return Markup(f'<time class="clock" datetime="{iso_utc(moment)}" title="{full_utc(moment)}">'
                  f'{utc.hour:02}:{utc.minute:02}</time>')


def utc_day(moment: datetime) -> str:
    """The UTC day of a moment, 2026-12-01: what groups messages without JavaScript."""
    return moment.astimezone(timezone.utc).date().isoformat()


def day_tag(moment: datetime) -> Markup:
    """A day separator's <time>: 1 Dec 2026 (UTC) (static/app.js shows "Today", "Yesterday"... in
    the reader's zone, and regroups the messages by it)."""
    utc = moment.astimezone(timezone.utc)
    return Markup(f'<time class="day" datetime="{utc_day(moment)}">{utc.day} {MONTHS[utc.month - 1]} {utc.year}'
                  f'<span class="utc-note"> (UTC)</span></time>')
