"""The one place that decides between a full page and an htmx fragment."""
from urllib.parse import urlsplit

from flask import Response, make_response, render_template, request, url_for


def wants_fragment() -> bool:
    """A fragment when htmx asks, unless it is a boosted navigation or a history restore."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def is_htmx() -> bool:
    """Whether htmx sent this request at all (fragment or not)."""
    return request.headers.get("HX-Request") == "true"


def render(page_template: str, fragment_template: str, /, status: int = 200, **context) -> Response:
    """Render the page, or only its fragment for htmx; either way the answer varies on HX-Request."""
    template = fragment_template if wants_fragment() else page_template
    return vary_on_htmx(make_response(render_template(template, **context), status))


def render_fragment(fragment_template: str, /, status: int = 200, **context) -> Response:
    """Render a fragment that has no page of its own (the badge), with the same Vary."""
    return vary_on_htmx(make_response(render_template(fragment_template, **context), status))


def vary_on_htmx(response: Response) -> Response:
    """Mark an answer as depending on the htmx headers that decide page or fragment."""
    response.vary.update(("HX-Request", "HX-History-Restore-Request"))
    return response


def htmx_redirect(location: str, status: int = 200) -> Response:
    """Send htmx to another page with a full navigation (htmx never gets a 3xx)."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = location
    return response


def safe_next(target: str | None) -> str | None:
    """The target if it is a path on this site, else None (no open redirect)."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith("//"):
        return None
    return target


def current_page_path() -> str | None:
    """The path of the page the user is on: htmx's HX-Current-URL when on this host, else this
    URL when it is a page; None when all we know is a fragment's URL (never a place to return to)."""
    current = request.headers.get("HX-Current-URL")
    if current:
        parts = urlsplit(current)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc == request.host and safe_next(path):
            return path
    if wants_fragment():
        return None
    return request.full_path.rstrip("?")


def login_url_for_current_page() -> str:
    """The login page, with a safe `next` that brings the user back where they were."""
    return url_for("auth.login", next=current_page_path())
