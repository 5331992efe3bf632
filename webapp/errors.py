"""Error pages and fragments: a clear message for people, never a stack trace."""
import logging

from flask import Flask, g, make_response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from .activity import is_passive_request
from .extensions import db, login_manager
from .htmx import reswap, retarget, vary_on_htmx

log = logging.getLogger(__name__)

TITLES = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Not allowed", 413: "Too large",
          415: "Not a form", 429: "Slow down", 500: "Server error", 503: "Try again in a moment"}
MESSAGES = {
    400: "The request could not be understood. Please reload the page and try again.",
    403: "You are not allowed to do that.",
    404: "There is nothing here: the address may be mistyped, or what it named is gone.",
    405: "That address does not accept this kind of request.",
    413: "That was more than this site accepts in one request. Please send something shorter.",
    429: "Too many attempts in a short time. Please wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you sent was lost; please try again.",
    503: "We cannot reach our database just now. Nothing you sent was stored; please try again in a moment.",
}
# How long a client should wait before asking again while the database is unreachable.
RETRY_AFTER_SECONDS = 5


def error_response(status: int, message: str):
    """The error as a full page, or for htmx as an alert fragment swapped into #alerts."""
    if request.htmx.wants_fragment:
        response = make_response(render_template("errors/_alert.html", message=message), status)
        # Into the page's alert region, never into the badge or form that asked: static/app.js
        # swaps an error answer only where HX-Retarget or HX-Reswap puts it.
        reswap(retarget(response, "#alerts"), "innerHTML")
    else:
        title = TITLES.get(status, "Error")
        response = make_response(render_template("errors/error.html", title=title, message=message), status)
    return vary_on_htmx(response)


def handle_http_error(error: HTTPException):
    """Render any HTTP error with a message made for people: the app's own, or ours for the status."""
    status = error.code or 500
    if error.description != type(error).description:
        return error_response(status, error.description)  # raised by the app with its own words
    return error_response(status, MESSAGES.get(status, MESSAGES[400]))


def handle_rate_limit(error: RateLimitExceeded):
    """Too many attempts: say so plainly (the limiter's own text is "3 per 1 minute")."""
    return error_response(429, MESSAGES[429])


def handle_untrusted_host(error: SecurityError):
    """A Host this app does not answer to (TRUSTED_HOSTS): a plain-text 400 (no page: without a
    trusted host no URL can be built), and a line in the log for whoever deploys the app under a
    name they forgot to list."""
    log.warning("a request for a host not in TRUSTED_HOSTS: %s", error.description)
    return make_response(("This site does not answer to that address.\n", 400, {"Content-Type": "text/plain"}))


def handle_csrf_error(error: CSRFError):
    """A missing or stale CSRF token: explain, and store nothing."""
    return error_response(400, "This form has expired or was not sent from this site. "
                               "Please reload the page and try again.")


def handle_internal_error(error: Exception):
    """Roll back whatever the failed request had begun, then apologise."""
    db.session.rollback()
    return error_response(500, MESSAGES[500])


def handle_database_unavailable(error: SQLAlchemyError):
    """The database is down, restarting or silent: the app's own "try again" answer (503), never a
    bare 500. A background poll gets an empty 503, so the badge stays as it is and backs off."""
    if not is_unreachable(error):
        return handle_internal_error(error)
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass  # the connection is gone; the pool replaces it
    # Render as nobody in particular: asking the database who is signed in would fail again.
    # (Flask-Login keeps the request's user in g._login_user; its template context reads it.)
    g._login_user = login_manager.anonymous_user()
    if is_passive_request():  # a poll or a hover: nobody is waiting to read an error
        response = make_response("", 503)
    else:
        response = error_response(503, MESSAGES[503])
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def is_unreachable(error: SQLAlchemyError) -> bool:
    """Whether an error means the database could not be reached (rather than a bug in a query)."""
    if isinstance(error, PoolTimeoutError):
        return True
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def init_app(app: Flask) -> None:
    """Route every error through the page-or-fragment error renderer."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(RateLimitExceeded, handle_rate_limit)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_internal_error)
    app.register_error_handler(SQLAlchemyError, handle_database_unavailable)
