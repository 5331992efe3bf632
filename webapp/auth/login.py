"""Flask-Login's wiring: how a session finds its user, and what a signed-out visitor gets."""
from flask import Flask, flash, redirect, request, url_for

from ..extensions import db, login_manager
from ..htmx import client_redirect
from ..models import User


def init_app(app: Flask) -> None:
    """Bind Flask-Login to the User model and to our unauthorized answer."""
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.session_protection = "basic"


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: one primary-key lookup."""
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def unauthorized():
    """Send a signed-out visitor to the login page; htmx gets 401 and HX-Redirect, never a swap."""
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
