"""Avatars drawn locally as SVG from the username: no Gravatar, no third-party request."""
import hashlib
import re
from functools import lru_cache

from markupsafe import escape

# Deep colours: white initials on any of them keep at least 4.5:1 contrast.
PALETTE = ["#1f5fbf", "#6f42c1", "#a61e4d", "#b02a37", "#9a3412", "#146c43",
           "#0f766e", "#087990", "#495057", "#5b4b8a", "#7c4a03", "#2b6a99"]


def initials(username: str) -> str:
    """One letter, or two when the name has parts ("bob_smith" -> "BS")."""
    parts = [part for part in re.split(r"[_.\-]+", username) if part]
    letters = (parts[0][:1] + (parts[1][:1] if len(parts) > 1 else "")) if parts else username[:1]
    return letters.upper()


@lru_cache(maxsize=4096)
def avatar_svg(username: str) -> str:
    """The user's initials in white on a colour drawn from the name, stable for a given name and
    crisp at every size (vector text, no bitmap)."""
    digest = hashlib.sha256(username.lower().encode()).digest()
    color = PALETTE[digest[0] % len(PALETTE)]
    letters = escape(initials(username))
    size = 44 if len(letters) == 1 else 38
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" role="img">'
        f'<rect width="100" height="100" rx="22" fill="{color}"/>'
        f'<text x="50" y="50" dy=".35em" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" '
        f'font-size="{size}" font-weight="600" text-anchor="middle" fill="#fff">{letters}</text></svg>'
    )
