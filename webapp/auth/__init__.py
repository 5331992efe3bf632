"""Accounts: registration, signing in and out, and what happens when a session has ended."""
from flask import Flask, flash, redirect
from flask_login import LoginManager

from ..extensions import db, login_manager
from ..htmx import htmx_redirect, is_htmx, login_url_for_current_page
from ..models import User


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: one primary-key lookup."""
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def unauthorized():
    """Send a signed-out visitor to the login page; htmx gets 401 and HX-Redirect, never a swap."""
    login_url = login_url_for_current_page()
    if is_htmx():
        return htmx_redirect(login_url, status=401)
    flash("Please log in to see this page.", "info")
    return redirect(login_url, 303)


def init_login(app: Flask) -> None:
    """Wire Flask-Login to the User model and to our unauthorized answer."""
    manager: LoginManager = login_manager
    manager.user_loader(load_user)
    manager.unauthorized_handler(unauthorized)
    manager.session_protection = "basic"
