"""Register, log in, log out."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..forms import commit_or_report_taken
from ..htmx import form_succeeded, render_form
from ..models import User
from ..passwords import hash_password, needs_rehash, spend_verification_time, verify_password
from ..security import configured_limit, safe_next
from .forms import LoginForm, RegistrationForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(configured_limit("REGISTER_RATE_LIMIT"), methods=["POST"])
def register():
    """Create an account, then send the new user to the login page."""
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"), 303)
    form = RegistrationForm()
    if form.validate_on_submit():
        db.session.add(User(username=form.username.data, email=form.email.data,
                            password_hash=hash_password(form.password.data)))
        if commit_or_report_taken(form):
            return form_succeeded("Welcome aboard! You can log in now.", url_for("auth.login"))
    return render_form(form, "auth/register.html")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT"), methods=["POST"])
def login():
    """Sign in; one message for an unknown name and a wrong password alike."""
    next_page = safe_next(request.args.get("next")) or url_for("posts.index")
    if current_user.is_authenticated:
        return redirect(next_page, 303)
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user:
            login_user(user, remember=form.remember_me.data)
            return redirect(next_page, 303)
        form.form_errors.append("Invalid username or password.")
    return render_form(form, "auth/login.html")


def authenticate(username: str, password: str) -> User | None:
    """The user whose name and password these are, upgrading an outdated hash on the way."""
    user = User.by_username(username)
    if user is None:
        spend_verification_time(password)  # an unknown name fails as slowly as a wrong password
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


@bp.post("/logout")
def logout():
    """Sign out (POST only, CSRF-protected, so no link or image can do it)."""
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"), 303)
