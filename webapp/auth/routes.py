"""Register, confirm an address, log in, log out, where you're signed in, and a forgotten password."""
from collections.abc import Callable
from email.message import EmailMessage
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..accounts import confirmation_asked
from ..extensions import csrf, db, limiter
from ..forms import commit_or_report_taken
from ..htmx import client_redirect, form_succeeded, render, render_form
from ..mail import compose, send
from ..models import CONFIRM_EMAIL, EMAIL_MAX_LENGTH, RESET_PASSWORD, AccountToken, User, UserSession, new_token
from ..passwords import hash_password, needs_rehash, spend_verification_time, verify_password
from ..security import configured_limit, safe_next, signed_in_user_key
from .forms import LoginForm, RegistrationForm, ResetPasswordForm, ResetRequestForm
from .login import sign_in, sign_out

# What anyone who asks for a reset link is told, whether or not the address has an account.
RESET_SENT = ("A mail is on its way to that address, with a link to choose a new password if an account "
              "uses it. The link works once, within an hour.")
MAIL_NOT_SENT = "We could not send the mail just now. Please try again in a few minutes."

bp = Blueprint("auth", __name__, url_prefix="/auth")


def signed_in_goes_on(home: Callable[[], str]):
    """For the register and login forms: someone signed in already (another tab signed in, a
    stale tab) goes on to `home()` whatever they post, since nothing changes, rather than meet a
    CSRF error for a token their sign-in replaced; everyone else's POST is checked as everywhere."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if current_user.is_authenticated:
                return redirect(home(), 303)
            if current_app.config["WTF_CSRF_ENABLED"]:
                csrf.protect()  # what CSRFProtect does before every other view
            return view(*args, **kwargs)
        return csrf.exempt(guarded)
    return decorate


def next_page() -> str:
    """Where to go once signed in: a safe `next`, else home."""
    return safe_next(request.args.get("next")) or url_for("posts.index")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(configured_limit("REGISTER_RATE_LIMIT"), methods=["POST"])
@signed_in_goes_on(lambda: url_for("posts.index"))
def register():
    """Create an account and sign the new person in; their address waits for its confirmation
    link (the same answer whether or not it is another account's: accounts.confirmation_asked)."""
    form = RegistrationForm()
    if form.validate_on_submit():
        user = User(username=form.username.data, email=User.unconfirmed_email(),
                    password_hash=hash_password(form.password.data))
        db.session.add(user)
        if commit_or_report_taken(form):
            sign_in(user, remember=False)
            return confirmation_asked(user, form.email.data, f"Welcome aboard! To confirm your e-mail address, "
                                      f"follow the link we sent to {form.email.data}.", url_for("posts.index"))
    return render_form(form, "auth/register.html")


@bp.get("/verify/<token>")
def confirm_email(token):
    """Make the address a confirmation link was sent to its person's; a used, expired or forged
    link (or an address another account confirmed first) says so and says how to get a new one."""
    link = AccountToken.live(token, CONFIRM_EMAIL)
    if link is None or not link.confirm_email():
        return render("auth/confirm_failed.html", status=400)
    flash(f"Thank you: {link.email} is confirmed.", "success")
    return redirect(url_for("users.edit_profile" if current_user.is_authenticated else "auth.login"), 303)


@bp.post("/verify/resend")
@login_required
@limiter.limit(configured_limit("CONFIRM_RATE_LIMIT"), key_func=signed_in_user_key)
def resend_confirmation():
    """Send the confirmation link of the address waiting again (a new link: the old one dies)."""
    address = AccountToken.address_waiting(current_user)
    if address is None:
        return form_succeeded("There is no address waiting for confirmation.", url_for("users.edit_profile"))
    return confirmation_asked(current_user, address, f"We sent the link to {address} again.",
                              url_for("users.edit_profile"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT"), methods=["POST"])
@signed_in_goes_on(next_page)
def login():
    """Sign in; one message for an unknown name and a wrong password alike."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user:
            sign_in(user, remember=form.remember_me.data)
            return redirect(next_page(), 303)
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
    """Sign out here and on the server (POST only, CSRF-protected, so no link or image can do it)."""
    sign_out()
    flash("You have been logged out.", "info")
    if request.htmx:
        return client_redirect(url_for("auth.login"))
    return redirect(url_for("auth.login"), 303)


@bp.get("/sessions")
@login_required
def sessions():
    """Where you're signed in: each session's browser, start and last use, with a way to end it."""
    return render_sessions()


@bp.post("/sessions/<int:session_id>/end")
@login_required
def end_session(session_id):
    """Sign out one session; ending this very one is logging out."""
    if session_id == current_user.current_session.id:
        return logout()
    if not UserSession.end_for(current_user, session_id):
        abort(404, "That session has already ended.")
    return render_sessions(notice="That session is signed out.")


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions():
    """Sign out every session but this one."""
    ended = UserSession.end_others(current_user)
    return render_sessions(notice=f"Signed out {ended} other session{'' if ended == 1 else 's'}.")


def render_sessions(notice: str | None = None):
    """The sessions page (or for htmx its list); after a change without htmx, Post/Redirect/Get."""
    if request.method == "POST" and not request.htmx.wants_fragment:
        return form_succeeded(notice, url_for("auth.sessions"))
    return render("auth/sessions.html", "auth/_sessions.html", sessions=UserSession.list_for(current_user),
                  current=current_user.current_session, notice=notice)


def reset_address_key() -> str:
    """What the per-address limit on reset links counts: the address asked for, as the form reads it."""
    return "reset:" + request.form.get("email", "").strip().lower()[:EMAIL_MAX_LENGTH]


def mail_went(response) -> bool:
    """Whether a form that mails counts against its limit: only once its mail went (or is on its
    way), so a person who meets a mail server that is down can try again."""
    return response.status_code < 400


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(configured_limit("RESET_RATE_LIMIT"), methods=["POST"], deduct_when=mail_went)
@limiter.limit(configured_limit("RESET_RATE_LIMIT"), methods=["POST"], key_func=reset_address_key,
               deduct_when=mail_went)
def reset_password_request():
    """Mail the address asked for: its reset link when an account uses it, else a note that none
    does. The answer is the same, and so is the work (one mail made and sent by the same steps),
    so neither the page nor its time tells anyone which addresses have an account. A mail that
    could not be sent is said on the form, which keeps the address to try again."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_form(form, "auth/reset_request.html")
    address, token = form.email.data, new_token()
    links = {"url": url_for("auth.reset_password", token=token, _external=True),
             "reset_url": url_for("auth.reset_password_request", _external=True),
             "register_url": url_for("auth.register", _external=True)}
    if send(lambda: reset_mail(address, token, **links)) is False:
        form.form_errors.append(MAIL_NOT_SENT)
        return render_form(form, "auth/reset_request.html")
    return form_succeeded(RESET_SENT, url_for("auth.login"))


def reset_mail(address: str, token: str, url: str, reset_url: str, register_url: str) -> EmailMessage:
    """The mail to `address`: for the account that uses it, its reset link (the token stored now);
    otherwise a note that no account uses the address, which tells a person who typed another of
    their addresses what to try next. Both take the same steps (see issue_to_address)."""
    owner_id, user = AccountToken.issue_to_address(address, RESET_PASSWORD, token), User.by_email(address)
    if user is None or user.id != owner_id:  # no account (or its address changed meanwhile)
        return compose(address, "No Microblog account uses this address", "no_account",
                       reset_url=reset_url, register_url=register_url)
    return compose(address, "Choose a new password", "reset_password", user=user, url=url,
                   minutes=current_app.config["ACCOUNT_TOKEN_SECONDS"] // 60)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password through a live link: every session of the account ends, the link
    dies, and this browser is signed in. A used, expired or forged link says so and offers a new one."""
    user = AccountToken.holder(token, RESET_PASSWORD)
    if user is None:
        return render("auth/reset_request.html", status=400, form=ResetRequestForm(formdata=None), invalid_link=True)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        UserSession.reset_password(user, hash_password(form.password.data))
        sign_in(user, remember=False)
        return form_succeeded("Your new password is set, and you are signed in.", url_for("posts.index"))
    return render_form(form, "auth/reset_password.html")
