"""Profiles, the edit-profile page, the popover card and the locally drawn avatars."""
from flask import Blueprint, Response, abort, current_app, session, url_for
from flask_login import current_user, login_required, logout_user

from ..accounts import confirmation_asked
from ..activity import passive
from ..extensions import limiter
from ..forms import commit_or_report_taken
from ..htmx import form_succeeded, render, render_form, render_fragment, reswap
from ..models import (
    USERNAME_PATTERN,
    AccountToken,
    Follow,
    Post,
    User,
    UserSession,
    delete_account,
    is_tombstone_name,
    update_profile,
    viewer_and_card,
)
from ..pagination import paginate
from ..passwords import hash_password
from ..security import configured_limit
from ..viewer import live_viewer
from .avatars import avatar_svg
from .forms import ChangeEmailForm, ChangePasswordForm, DeleteAccountForm, EditProfileForm

bp = Blueprint("users", __name__)


@bp.get("/user/<username>")
@login_required
def profile(username):
    """A user's profile: avatar, about me, last seen and their posts, paginated."""
    user = User.by_username_or_404(username)
    page = paginate(Post.by_author(user), current_app.config["POSTS_PER_PAGE"])
    return render("users/profile.html", "posts/_post_list.html", user=user, page=page,
                  page_context=lambda: {"following": Follow.exists(current_user, user)})


@bp.post("/user/<username>/follow")
@login_required
def follow(username):
    """Follow someone (following twice is one follow): in place with htmx, PRG without."""
    user = followable_or_403(username)
    Follow.start(current_user, user)
    return after_follow_change(user, True, f"You now follow {user.username}.")


@bp.post("/user/<username>/unfollow")
@login_required
def unfollow(username):
    """Stop following someone (once is enough): in place with htmx, PRG without."""
    user = followable_or_403(username)
    Follow.stop(current_user, user)
    return after_follow_change(user, False, f"You no longer follow {user.username}.")


def followable_or_403(username: str) -> User:
    """The user to follow or unfollow: 404 for an unknown name, a clear refusal for oneself."""
    user = User.by_username_or_404(username)
    if user.id == current_user.id:
        abort(403, "You cannot follow yourself.")
    return user


def after_follow_change(user: User, following: bool, notice: str):
    """htmx gets the follow box (its button and the counts) anew, from the profile or the card;
    a plain browser Post/Redirect/Get to the profile."""
    return form_succeeded(notice, url_for("users.profile", username=user.username), lambda: render_fragment(
        "users/_follow_changed.html", user=user, following=following, notice=notice))


@bp.get("/user/<username>/followers")
@login_required
def followers(username):
    """The people who follow someone, the latest first, paginated."""
    user = User.by_username_or_404(username)
    page = paginate(Follow.followers_of(user), current_app.config["POSTS_PER_PAGE"])
    return render("users/people.html", "users/_people_list.html", user=user, page=page, which="followers")


@bp.get("/user/<username>/following")
@login_required
def following(username):
    """The people someone follows, the latest first, paginated."""
    user = User.by_username_or_404(username)
    page = paginate(Follow.followed_by(user), current_app.config["POSTS_PER_PAGE"])
    return render("users/people.html", "users/_people_list.html", user=user, page=page, which="following")


@bp.route("/edit-profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    """Change one's username and 'about me' (Post/Redirect/Get)."""
    form = EditProfileForm(current_user.username, obj=current_user)
    if form.validate_on_submit():
        update_profile(current_user, form.username.data, form.about_me.data)
        if commit_or_report_taken(form):
            location = url_for("users.profile", username=current_user.username)
            return form_succeeded("Your changes have been saved.", location)
    return render_settings(form=form)


@bp.post("/edit-profile/email")
@login_required
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT"))
def change_email():
    """Give a new address, with one's password: it takes effect once confirmed by the link mailed
    to it (the same answer whether or not it is another account's: accounts.confirmation_asked)."""
    email_form = ChangeEmailForm(current_user)
    if not email_form.validate_on_submit():
        return render_settings(email_form=email_form)
    address = email_form.email.data
    return confirmation_asked(current_user, address, f"To make {address} your address, follow the link we sent to it.",
                              url_for("users.edit_profile"))


@bp.post("/edit-profile/password")
@login_required
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT"))
def change_password():
    """Change one's password; every other session of this user ends, this one goes on."""
    password_form = ChangePasswordForm(current_user)
    if password_form.validate_on_submit():
        UserSession.change_password(current_user, hash_password(password_form.new_password.data))
        return form_succeeded("Your password has been changed, and every other session was signed out.",
                              url_for("users.edit_profile"))
    return render_settings(password_form=password_form)


@bp.route("/delete-account", methods=["GET", "POST"])
@login_required
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT"), methods=["POST"])
def delete_account_page():
    """Delete one's account, with one's password: everything of it goes but the messages, which
    stay in the other side's conversations under "deleted account"; this browser is signed out."""
    form = DeleteAccountForm(current_user)
    if not form.validate_on_submit():
        return render_form(form, "users/delete_account.html")
    delete_account(current_user)
    logout_user()
    session.clear()
    return form_succeeded("Your account is deleted. Goodbye, and thank you for the notes.", url_for("auth.login"))


def render_settings(form=None, email_form=None, password_form=None):
    """The settings page with its three forms, the one that was sent (with its errors: 422) and
    the others empty; the address confirmed and the one waiting for confirmation."""
    sent = form or email_form or password_form
    status = 422 if sent is not None and sent.is_submitted() else 200
    return render("users/edit_profile.html", status=status,
                  form=form or EditProfileForm(current_user.username, obj=current_user, formdata=None),
                  email_form=email_form or ChangeEmailForm(current_user, formdata=None),
                  password_form=password_form or ChangePasswordForm(current_user, formdata=None),
                  address_waiting=AccountToken.address_waiting(current_user))


@bp.get("/user/<username>/popover")
@passive
def popover(username):
    """The hover card: avatar, about me, last seen, post count and the next action. One query (the
    live session and the card, both indexed) and no ORM object, as for the badge (viewer.py)."""
    card = live_viewer(viewer_and_card(), name=User.name_key(username))  # None: a name no one has
    if card.id is None or is_tombstone_name(card.username):
        # An error answer htmx should still show, in the card itself.
        response = render("users/popover.html", "users/_popover.html", 404, card=None)
        return reswap(response, "innerHTML")
    response = render("users/popover.html", "users/_popover.html", card=card, own=card.id == card.viewer_id)
    # Hovering the same name again within a minute costs no request at all.
    response.headers["Cache-Control"] = f"private, max-age={current_app.config['POPOVER_CACHE_SECONDS']}"
    return response


@bp.get("/user/<username>/avatar.svg")
@passive
def avatar(username):
    """The avatar drawn from the name alone: no database, cacheable by anyone."""
    if not USERNAME_PATTERN.fullmatch(username):
        abort(404)  # and the drawing cache only ever holds names a user could have
    response = Response(avatar_svg(username), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
