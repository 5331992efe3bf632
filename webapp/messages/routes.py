"""Send a message, read the inbox, list what one has sent."""
from flask import Blueprint, abort, current_app, request, url_for
from flask_login import current_user, login_required

from ..extensions import limiter
from ..htmx import form_succeeded, render, render_form, render_fragment
from ..models import Message, User
from ..pagination import paginate
from ..security import configured_limit
from .forms import MessageForm

bp = Blueprint("messages", __name__)


def sender_key() -> str:
    """Rate limits on sending count per signed-in user, not per address."""
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


@bp.route("/send-message/<recipient>", methods=["GET", "POST"])
@login_required
@limiter.limit(configured_limit("SEND_RATE_LIMIT"), methods=["POST"], key_func=sender_key)
def send(recipient):
    """The send form: in place with htmx, Post/Redirect/Get back to the profile without."""
    user = User.by_username_or_404(recipient)
    form = MessageForm() if request.method == "POST" else MessageForm.blank()
    # To oneself, the page explains the rule instead of offering a form; nothing is stored.
    if user.id != current_user.id and form.validate_on_submit():
        if Message.send_once(current_user, user, form.message.data, form.submission_token.data) is None:
            abort(404)  # the recipient's account was deleted meanwhile: nothing was sent
        notice = "Your message has been sent."
        return form_succeeded(notice, url_for("users.profile", username=user.username), lambda: render_fragment(
            "messages/_send_form.html", form=MessageForm.blank(), recipient=user, notice=notice))
    return render_form(form, "messages/send.html", "messages/_send_form.html", recipient=user, notice=None)


@bp.get("/messages")
@login_required
def inbox():
    """My messages, newest first; opening the inbox marks what it shows as read."""
    page = paginate(Message.received_by(current_user), current_app.config["MESSAGES_PER_PAGE"])
    read_before = current_user.last_message_read_time
    # Read up to the newest message shown, not "now": one arriving meanwhile stays unread.
    if page.items:
        current_user.mark_messages_read_up_to(page.items[0].timestamp)
    return render("messages/inbox.html", "messages/_inbox_update.html", page=page, read_before=read_before,
                  label="Received messages", empty="No messages yet.")


@bp.get("/messages/sent")
@login_required
def sent():
    """The messages I sent, newest first, with their recipients."""
    page = paginate(Message.sent_by(current_user), current_app.config["MESSAGES_PER_PAGE"])
    return render("messages/inbox.html", "messages/_message_list.html", page=page, read_before=None,
                  label="Sent messages", empty="You have not sent any messages yet.")
