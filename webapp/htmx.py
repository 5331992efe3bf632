"""htmx in one module: what a request says (request.htmx), page or fragment, and response helpers.

In the spirit of django-htmx: views read `request.htmx` and answer through the named helpers
below; no view writes an HX-* header by hand.
"""
from collections.abc import Callable
from functools import cached_property
from urllib.parse import unquote, urlsplit

from flask import Response, flash, make_response, redirect, render_template, request
from flask_wtf import FlaskForm

from .security import safe_next

# The request headers that decide page or fragment: every answer that can be either varies on them.
DECIDING_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


class HtmxDetails:
    """What htmx says about a request, read from its headers (`request.htmx`)."""

    def __init__(self, headers):
        self._headers = headers

    def _header(self, name: str) -> str | None:
        """A header's value, decoded when htmx sent it URI-encoded (non-ASCII URLs)."""
        value = self._headers.get(name)
        if value is not None and self._headers.get(f"{name}-URI-AutoEncoded") == "true":
            value = unquote(value)
        return value

    def __bool__(self) -> bool:
        """Whether htmx sent this request at all (fragment or not)."""
        return self._headers.get("HX-Request") == "true"

    @property
    def boosted(self) -> bool:
        return self._headers.get("HX-Boosted") == "true"

    @property
    def history_restore_request(self) -> bool:
        return self._headers.get("HX-History-Restore-Request") == "true"

    @property
    def wants_fragment(self) -> bool:
        """A fragment when htmx asks, unless it is a boosted navigation or a history restore."""
        return bool(self) and not self.boosted and not self.history_restore_request

    @cached_property
    def current_url_abs_path(self) -> str | None:
        """The path and query of the page the user is on, when htmx names one on this host."""
        current = self._header("HX-Current-URL")
        if not current:
            return None
        try:
            parts = urlsplit(current)
        except ValueError:  # an unreadable URL is no place to return to
            return None
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return path if parts.netloc == request.host and safe_next(path) else None


def render(page_template: str, fragment_template: str | None = None, /, status: int = 200,
           page_context: Callable[[], dict] | None = None, **context) -> Response:
    """The page, or only its fragment for htmx (a page without one is always whole).
    `page_context` adds what only the page shows, computed only when the page is rendered."""
    if fragment_template is not None and request.htmx.wants_fragment:
        return render_fragment(fragment_template, status, **context)
    if page_context is not None:
        context.update(page_context())
    return vary_on_htmx(make_response(render_template(page_template, **context), status))


def render_fragment(fragment_template: str, /, status: int = 200, **context) -> Response:
    """A fragment on its own (the badge, an answer to a form), with the same Vary as a page."""
    return vary_on_htmx(make_response(render_template(fragment_template, **context), status))


def render_form(form: FlaskForm, page_template: str, fragment_template: str | None = None, /,
                **context) -> Response:
    """A form shown (200) or sent back with its errors (422): the page, or for htmx the fragment."""
    status = 422 if form.is_submitted() else 200
    return render(page_template, fragment_template, status, form=form, **context)


def form_succeeded(notice: str, location: str, fragment: Callable[[], Response] | None = None,
                   category: str = "success") -> Response:
    """The end of a form that worked: htmx gets `fragment()` in place, a plain browser a flash
    (of `category`: "warning" when part of it could not be done) and Post/Redirect/Get (303) to
    `location`. Without a fragment, htmx is sent to `location` too, with HX-Redirect (never a
    3xx, which it would follow and swap in)."""
    if fragment is not None and request.htmx.wants_fragment:
        return fragment()
    flash(notice, category)
    if request.htmx:
        return client_redirect(location)
    return redirect(location, 303)


def vary_on_htmx(response: Response) -> Response:
    """Mark an answer as depending on the htmx headers that decide page or fragment."""
    response.vary.update(DECIDING_HEADERS)
    return response


def retarget(response: Response, target: str) -> Response:
    """Swap this answer into another element than the one that asked (HX-Retarget)."""
    response.headers["HX-Retarget"] = target
    return response


def reswap(response: Response, swap: str) -> Response:
    """Swap this answer with another strategy than the element asked for (HX-Reswap)."""
    response.headers["HX-Reswap"] = swap
    return response


def client_redirect(location: str, status: int = 200) -> Response:
    """Send htmx to another page with a full navigation (htmx never gets a 3xx)."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = location
    return response


def stop_polling() -> Response:
    """Tell a polling element to stop (htmx's status 286)."""
    return make_response("", 286)
