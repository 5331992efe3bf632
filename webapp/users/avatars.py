"""Avatars drawn locally as SVG from the username: no Gravatar, no third-party request."""
import hashlib
from functools import lru_cache

from markupsafe import escape

PALETTE = ["#0d6efd", "#6610f2", "#6f42c1", "#d63384", "#dc3545", "#fd7e14",
           "#198754", "#20c997", "#0dcaf0", "#495057", "#b02a37", "#087990"]


@lru_cache(maxsize=4096)
def avatar_svg(username: str) -> str:
    """A 5x5 mirrored identicon with the user's initial, stable for a given name."""
    digest = hashlib.sha256(username.lower().encode()).digest()
    color = PALETTE[digest[0] % len(PALETTE)]
    cells = []
    for row in range(5):
        for col in range(3):
            if digest[1 + row * 3 + col] % 2:
                for x in {col, 4 - col}:
                    cells.append(f'<rect x="{x * 16 + 10}" y="{row * 16 + 10}" width="16" height="16"/>')
    initial = escape(username[:1].upper())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" role="img">'
        f'<rect width="100" height="100" fill="#f1f3f5"/>'
        f'<g fill="{color}" fill-opacity="0.35">{"".join(cells)}</g>'
        f'<text x="50" y="66" font-family="sans-serif" font-size="48" font-weight="bold" '
        f'text-anchor="middle" fill="{color}">{initial}</text></svg>'
    )
