"""Private messages: the send form, the inbox of conversations, and each conversation."""
from flask import Blueprint, abort, current_app, make_response, request, url_for
from flask_login import current_user, login_required

from ..activity import passive
from ..extensions import limiter
from ..htmx import form_succeeded, render, render_form, render_fragment
from ..models import Message, Participant, User
from ..pagination import Cursor, Page, paginate
from ..security import configured_limit
from .forms import MessageForm

bp = Blueprint("messages", __name__)


def sender_key() -> str:
    """Rate limits on sending count per signed-in user, not per address."""
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


send_limit = limiter.limit(configured_limit("SEND_RATE_LIMIT"), methods=["POST"], key_func=sender_key)


def partner_or_404(username: str) -> tuple[User, Participant | None]:
    """The other person of a conversation and my side of it (None before its first message), in
    one query: 404 for an unknown name, a clear refusal for oneself."""
    other, side = Participant.partner_and_side(current_user, username)
    if other is None:
        abort(404)
    if other.id == current_user.id:
        abort(403, "A conversation needs two people: you cannot write to yourself.")
    return other, side


def conversation_or_404(username: str) -> tuple[User, Participant]:
    """The other person and my side of our conversation: 404 when we have none."""
    other, side = partner_or_404(username)
    if side is None:
        abort(404)
    return other, side


def store(form: MessageForm, recipient: User) -> Message:
    """Send the form's message once (a double submit is one message); a clear 404 if the
    recipient's account was deleted meanwhile (nothing was sent)."""
    recipient_id, name = recipient.id, recipient.username  # the recipient object dies with its row
    message = Message.send_once(current_user, recipient, form.message.data, form.submission_token.data)
    if message is None:
        current_app.logger.warning("A message from user %s was not stored: user %s no longer exists",
                                   current_user.id, recipient_id)
        abort(404, f"{name}'s account no longer exists: your message was not sent.")
    return message


@bp.route("/send-message/<recipient>", methods=["GET", "POST"])
@login_required
@send_limit
def send(recipient):
    """The send form: in place with htmx; without, Post/Redirect/Get into the conversation."""
    user = User.by_username_or_404(recipient)
    form = MessageForm() if request.method == "POST" else MessageForm.blank()
    # To oneself, the page explains the rule instead of offering a form; nothing is stored.
    if user.id != current_user.id and form.validate_on_submit():
        store(form, user)
        notice = "Your message has been sent."
        return form_succeeded(notice, url_for("messages.conversation", username=user.username), lambda: render_fragment(
            "messages/_send_form.html", form=MessageForm.blank(), recipient=user, notice=notice))
    return render_form(form, "messages/send.html", "messages/_send_form.html", recipient=user, notice=None)


@bp.get("/messages")
@login_required
def inbox():
    """My conversations, latest activity first, with their unread counts; reading it marks nothing read."""
    page = paginate(Participant.inbox(current_user), current_app.config["MESSAGES_PER_PAGE"])
    return render("messages/inbox.html", "messages/_conversation_list.html", page=page)


@bp.post("/messages/read-all")
@login_required
def read_all():
    """Mark every conversation read: in place with htmx (the list and the badge), PRG without."""
    Participant.mark_all_read(current_user)
    return form_succeeded("Every conversation is marked as read.", url_for("messages.inbox"), lambda: render_fragment(
        "messages/_inbox_update.html",
        page=paginate(Participant.inbox(current_user), current_app.config["MESSAGES_PER_PAGE"])))


@bp.get("/messages/with/<username>")
@login_required
def conversation(username):
    """The conversation with one person, oldest message at the top, opening at the first unread
    message; what it shows is marked read. htmx's pager asks for the thread alone."""
    other, side = partner_or_404(username)
    return render("messages/conversation.html", "messages/_thread_page.html", other=other,
                  form=MessageForm.blank(), **thread(side))


@bp.post("/messages/with/<username>")
@login_required
@send_limit
def reply(username):
    """Reply: in place with htmx (a fresh form, the thread as it opens now), PRG without."""
    other, side = partner_or_404(username)
    form = MessageForm()
    if form.validate_on_submit():
        store(form, other)
        location = url_for("messages.conversation", username=other.username)
        return form_succeeded("Your message has been sent.", location, lambda: render_fragment(
            "messages/_reply_sent.html", form=MessageForm.blank(), other=other,
            **thread(Participant.of(current_user, other))))  # the side as the message left it
    return render_form(form, "messages/conversation.html", "messages/_reply_form.html", other=other,
                       page_context=lambda: thread(side))


def thread(side: Participant | None) -> dict:
    """One page of the conversation from my `side` of it (None: none yet), marked read up to its
    newest message: the page asked for, else the one that starts just after the read marker (what
    a person has not seen yet, topped up with what they read before it when it is short). Every
    page is placed by the marker itself, never by a count taken earlier, so a message arriving
    meanwhile is either on the page or after it: none is marked read unseen."""
    if side is None:
        return {"page": Page(), "new_after": 0, "side": None}
    per_page = current_app.config["MESSAGES_PER_PAGE"]
    start = side.read_cursor()
    if request.args.get("before") or request.args.get("after"):
        page = paginate(Message.thread(side.conversation_id), per_page)
    else:
        # Nothing after the marker when it was loaded: no need to ask.
        caught_up = side.caught_up and start.id != 0
        page = Page() if caught_up else paginate(Message.thread(side.conversation_id), per_page, start_after=start)
        page = with_context(page, side, start, per_page)
    new_after = side.last_read_message_id
    side.mark_shown(page)
    return {"page": page, "new_after": new_after, "side": side}


def with_context(page: Page, side: Participant, start: Cursor, per_page: int) -> Page:
    """A short page after the marker, topped up with the messages read up to it (a chat shows
    what came before the new messages)."""
    room = per_page - len(page.items)
    if page.newer or room <= 0 or not start.id:
        return page
    before = side.messages_up_to(start, room + 1)
    items = page.items + before[:room]
    has_older = len(before) > room
    return Page(items=items, newer=None, older=Cursor(None, items[-1].id).encode() if has_older else None,
                starts_after=Cursor(None, before[room].id if has_older else 0))


@bp.get("/messages/with/<username>/updates")
@login_required
@passive
def updates(username):
    """The open conversation's poll: messages newer than its cursor, appended and counted as read;
    an empty 204 when nothing is new."""
    other, side = partner_or_404(username)
    after = Cursor.decode_id(request.args.get("after"))
    if side is None or after is None:
        return make_response("", 204)
    messages = side.messages_after(after, current_app.config["MESSAGES_PER_PAGE"])
    if not messages:
        return make_response("", 204)
    new_after = side.last_read_message_id
    side.mark_read_up_to(messages[-1].id, shown_after=after.id)
    return render_fragment("messages/_thread_update.html", messages=messages, other=other, new_after=new_after,
                           cursor=messages[-1].id)


@bp.post("/messages/with/<username>/unread")
@login_required
def mark_unread(username):
    """Mark the conversation unread again (its latest message to me), back in the inbox."""
    other, side = conversation_or_404(username)
    if not side.mark_unread():
        abort(409, "There is no message from them to mark as unread.")
    return after_inbox_change(side, f"The conversation with {other.username} is marked as unread.")


@bp.post("/messages/with/<username>/hide")
@login_required
def hide(username):
    """Hide the conversation from the inbox until its next message."""
    other, side = conversation_or_404(username)
    side.hide()
    return after_inbox_change(side, f"The conversation with {other.username} is hidden until its next message.")


def after_inbox_change(side: Participant, notice: str):
    """htmx gets the conversation's inbox row (gone when hidden) and the badge; others PRG to the inbox."""
    return form_succeeded(notice, url_for("messages.inbox"), lambda: render_fragment(
        "messages/_row_update.html", row=side.inbox_row(), notice=notice))
