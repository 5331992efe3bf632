"""Send a message, read the inbox, list what one has sent."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db, limiter
from ..htmx import render, wants_fragment
from ..models import Message, User
from ..pagination import paginate
from ..users import user_or_404
from .forms import MessageForm

bp = Blueprint("messages", __name__)


def send_limit() -> str:
    """The configured rate limit for sending messages."""
    return current_app.config["SEND_RATE_LIMIT"]


def sender_key() -> str:
    """Rate limits on sending count per signed-in user, not per address."""
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


@bp.route("/send-message/<recipient>", methods=["GET", "POST"])
@login_required
@limiter.limit(send_limit, methods=["POST"], key_func=sender_key)
def send(recipient):
    """The send form: in place with htmx, Post/Redirect/Get back to the profile without."""
    user = user_or_404(recipient)
    form = MessageForm() if request.method == "POST" else MessageForm.blank()
    if user.id == current_user.id:
        # The page explains the rule instead of offering a form; nothing is stored.
        return render_send(user, form, status=422 if form.is_submitted() else 200)
    if form.validate_on_submit():
        store_message(user, form.message.data, form.submission_token.data)
        if wants_fragment():
            return render_send(user, MessageForm.blank(), notice="Your message has been sent.")
        flash("Your message has been sent.", "success")
        return redirect(url_for("users.profile", username=user.username), 303)
    return render_send(user, form, status=422 if form.is_submitted() else 200)


def render_send(recipient: User, form: MessageForm, status: int = 200, notice: str | None = None):
    """The send page, or for htmx only its form."""
    return render("messages/send.html", "messages/_send_form.html", status,
                  form=form, recipient=recipient, notice=notice)


def store_message(recipient: User, body: str, token: str | None) -> None:
    """Store a message once: the same form submitted twice with the same text is one message."""
    if token:
        earlier = sent_with_token(token)
        if earlier is not None:
            if earlier.body == body:
                return
            token = None  # an old form brought back (say by Back) with new text: a new message
    db.session.add(Message(sender=current_user, recipient=recipient, body=body, submission_token=token))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if token and sent_with_token(token) is not None:
            return  # the twin submission won the race and stored this very message
        abort(404)  # the recipient's account was deleted meanwhile: nothing was sent


def sent_with_token(token: str) -> Message | None:
    """The message I already sent from the form that carried this token, if any."""
    return db.session.scalar(
        select(Message).where(Message.sender_id == current_user.id, Message.submission_token == token)
    )


@bp.get("/messages")
@login_required
def inbox():
    """My messages, newest first; opening the inbox marks what it shows as read."""
    stmt = select(Message).where(Message.recipient_id == current_user.id).options(joinedload(Message.sender))
    page = paginate(stmt, Message, current_app.config["MESSAGES_PER_PAGE"])
    read_before = current_user.last_message_read_time
    # Read up to the newest message shown, not "now": one arriving meanwhile stays unread.
    if page.items:
        current_user.mark_messages_read_up_to(page.items[0].timestamp)
    return render("messages/inbox.html", "messages/_inbox_update.html",
                  page=page, box="inbox", read_before=read_before)


@bp.get("/messages/sent")
@login_required
def sent():
    """The messages I sent, newest first, with their recipients."""
    stmt = select(Message).where(Message.sender_id == current_user.id).options(joinedload(Message.recipient))
    page = paginate(stmt, Message, current_app.config["MESSAGES_PER_PAGE"])
    return render("messages/inbox.html", "messages/_message_list.html", page=page, box="sent", read_before=None)
