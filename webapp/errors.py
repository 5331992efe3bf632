"""Error pages and fragments: a clear message for people, never a stack trace."""
from flask import Flask, make_response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from .htmx import reswap, retarget, vary_on_htmx

TITLES = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Not allowed", 413: "Too large",
          429: "Slow down", 500: "Server error"}
MESSAGES = {
    400: "The request could not be understood. Please reload the page and try again.",
    403: "You are not allowed to do that.",
    404: "There is nothing here: the address may be mistyped, or what it named is gone.",
    405: "That address does not accept this kind of request.",
    413: "That request was too large.",
    429: "Too many attempts in a short time. Please wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you sent was lost; please try again.",
}


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


def handle_csrf_error(error: CSRFError):
    """A missing or stale CSRF token: explain, and store nothing."""
    return error_response(400, "This form has expired or was not sent from this site. "
                               "Please reload the page and try again.")


def handle_internal_error(error: Exception):
    """Roll back whatever the failed request had begun, then apologise."""
    db.session.rollback()
    return error_response(500, MESSAGES[500])


def init_app(app: Flask) -> None:
    """Route every error through the page-or-fragment error renderer."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limit)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_internal_error)
