"""Flask-Login's wiring: sessions that live on the server, and what a signed-out visitor gets."""
from datetime import timedelta

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import login_manager
from ..htmx import client_redirect
from ..models import User, UserSession


def init_app(app: Flask) -> None:
    """Bind Flask-Login to server-side sessions and to our unauthorized answer."""
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(seconds=app.config["SESSION_LIFETIME_SECONDS"]))
    # Templates get the lazy proxy itself rather than Flask-Login's context processor, which loads
    # the user for every render: a fragment that never names the user (the badge) costs no query.
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    login_manager.user_loader(UserSession.user_for)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.session_protection = "basic"


def sign_in(user: User, remember: bool) -> None:
    """Start a new server-side session for `user` under a new identifier (no session fixation)."""
    session.clear()  # nothing from before the login carries over into the signed-in session
    UserSession.start(user, request.user_agent.string)
    login_user(user, remember=remember)


def sign_out() -> None:
    """End this session on the server, so a copy of either cookie is worthless, then forget it here."""
    if current_user.is_authenticated and current_user.current_session is not None:
        current_user.current_session.end()
    logout_user()


def unauthorized():
    """Send a signed-out visitor to the login page; htmx gets 401 and HX-Redirect, never a swap."""
    if request.accept_mimetypes.best == "text/event-stream":
        # An EventSource follows no redirect to a page and has no page to return to.
        return client_redirect(url_for("auth.login"), status=401)
    login_url = url_for("auth.login", next=current_page_path())
    if request.htmx:
        return client_redirect(login_url, status=401)
    flash("Please log in to see this page.", "info")
    return redirect(login_url, 303)


def current_page_path() -> str | None:
    """The page the user is on: htmx's HX-Current-URL when it is on this host, else this URL when
    it is a page; None when all we know is a fragment's URL (never a place to return to)."""
    if request.htmx.current_url_abs_path:
        return request.htmx.current_url_abs_path
    if request.htmx.wants_fragment:
        return None
    return request.full_path.rstrip("?")
