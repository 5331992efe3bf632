"""Private messages: the send form, the inbox of conversations, and each conversation."""
from flask import Blueprint, abort, current_app, make_response, request, url_for
from flask_login import current_user, login_required

from ..activity import passive
from ..extensions import limiter
from ..htmx import form_succeeded, render, render_form, render_fragment
from ..models import Message, Participant, User
from ..pagination import Cursor, Page, paginate
from ..security import configured_limit, signed_in_user_key
from .forms import MessageForm, ReadMarkerForm

bp = Blueprint("messages", __name__)


send_limit = limiter.limit(configured_limit("SEND_RATE_LIMIT"), methods=["POST"], key_func=signed_in_user_key)
# What the people search reads of `q`: a name is at most 32 characters, so anything longer is
# someone else's input, cut before it is looked at.
PEOPLE_QUERY_MAX_LENGTH = 64


def partner_or_404(username: str) -> tuple[User, Participant | None]:
    """The other person of a conversation and my side of it (None before its first message), in
    one query: 404 for an unknown name, a clear refusal for oneself."""
    other, side = Participant.partner_and_side(current_user, username)
    if other is None or (other.is_deleted and side is None):  # a deleted account: only a conversation stays
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
    """The send form; once sent, into the conversation with the new message in view (htmx is sent
    there with HX-Redirect, a plain browser with Post/Redirect/Get)."""
    user = User.by_username_or_404(recipient)
    form = MessageForm() if request.method == "POST" else MessageForm.blank()
    # To oneself, the page explains the rule instead of offering a form; nothing is stored.
    if user.id != current_user.id and form.validate_on_submit():
        message = store(form, user)
        location = url_for("messages.conversation", username=user.username, _anchor=f"message-{message.id}")
        return form_succeeded("Your message has been sent.", location)
    return render_form(form, "messages/send.html", "messages/_send_form.html", recipient=user)


@bp.get("/messages")
@login_required
def inbox():
    """My conversations, latest activity first, with their unread counts; reading it marks nothing read."""
    page = paginate(Participant.inbox(current_user), current_app.config["MESSAGES_PER_PAGE"])
    return render("messages/inbox.html", "messages/_conversation_list.html", page=page)


@bp.get("/messages/new")
@login_required
def new():
    """Start a conversation: the people whose name starts with `q`, each linking to our
    conversation (the results alone for htmx's active search)."""
    query = request.args.get("q", "")[:PEOPLE_QUERY_MAX_LENGTH]
    people = User.named_like(query, current_app.config["PEOPLE_SEARCH_RESULTS"], excluding=current_user)
    return render("messages/new.html", "messages/_people_results.html", query=query.strip(), people=people)



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
    message; what it shows is marked read. htmx's loaders (scrolling up or down) ask for the
    thread alone, as the Older and Newer links do without JavaScript."""
    other, side = partner_or_404(username)
    return render("messages/conversation.html", "messages/_thread_page.html", other=other,
                  form=MessageForm.blank(), **thread(side, other))


@bp.post("/messages/with/<username>")
@login_required
@send_limit
def reply(username):
    """Reply: in place with htmx (a fresh form; the reply and whatever arrived since the page's
    newest message, appended), Post/Redirect/Get without."""
    other, side = partner_or_404(username)
    if other.is_deleted:
        abort(404, "That account was deleted: your message was not sent.")
    form = MessageForm()
    if form.validate_on_submit():
        message = store(form, other)
        location = url_for("messages.conversation", username=other.username, _anchor=f"message-{message.id}")
        return form_succeeded("Your message has been sent.", location,
                              lambda: reply_sent(other, Participant.of(current_user, other), message))
    return render_form(form, "messages/conversation.html", "messages/_reply_form.html", other=other,
                       page_context=lambda: thread(side, other))


def reply_sent(other: User, side: Participant, message: Message):
    """htmx's answer to a reply: the form anew, and the messages after the page's newest one
    (the form sends it as `after`), the reply among them; only the reply when it sent none."""
    after = Cursor.decode_id(request.form.get("after"))
    messages = side.messages_after(after, current_app.config["MESSAGES_PER_PAGE"]) if after else []
    if not any(row.id == message.id for row in messages):
        after, messages = Cursor(None, message.id - 1), [message]
    return render_fragment("messages/_reply_sent.html", form=MessageForm.blank(), other=other, messages=messages,
                           new_after=side.last_read_message_id, shown_after=after.id)


def thread(side: Participant | None, other: User) -> dict:
    """One page of the conversation from my `side` of it (None: none yet), marked read as far as it
    joins what I had read: the page asked for, else the one that starts just after the read
    marker (what a person has not seen yet, topped up with what they read before it when it is
    short), whose address is then pinned (`pin`) so that Back shows it again, not a later one.
    Every page is placed by the marker itself, never by a count taken earlier, so a message
    arriving meanwhile is either on the page or after it: none is marked read unseen."""
    if side is None:
        return {"page": Page(), "new_after": 0, "side": None, "pin": None, "can_mark_unread": False}
    per_page = current_app.config["MESSAGES_PER_PAGE"]
    start, pin = side.read_cursor(), None
    if request.args.get("before") or request.args.get("after"):
        page = paginate(Message.thread(side.conversation_id), per_page)
    else:
        # Nothing after the marker when it was loaded: no need to ask.
        caught_up = side.caught_up and start.id != 0
        page = Page() if caught_up else paginate(Message.thread(side.conversation_id), per_page, start_after=start)
        page = with_context(page, side, start, per_page)
        if page.items:
            pin = url_for("messages.conversation", username=other.username, after=page.starts_after.encode())
    new_after = side.last_read_message_id
    read_through = page.items[0].id if side.mark_shown(page) else new_after
    # "Mark unread" can succeed once the newest message, one of theirs among them, is read.
    can_mark_unread = (not page.newer and bool(page.items) and read_through >= page.items[0].id
                       and any(item.sender_id == other.id for item in page.items))
    return {"page": page, "new_after": new_after, "side": side, "pin": pin, "can_mark_unread": can_mark_unread}


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
    """The open conversation's poll: the messages after its newest one (`after`), appended; they
    count as read once they have been in view (`read` below). An empty 204 when nothing is new."""
    other, side = partner_or_404(username)
    after = Cursor.decode_id(request.args.get("after"))
    if side is None or after is None:
        return make_response("", 204)
    messages = side.messages_after(after, current_app.config["MESSAGES_PER_PAGE"])
    if not messages:
        return make_response("", 204)
    return render_fragment("messages/_thread_update.html", messages=messages, other=other,
                           new_after=side.last_read_message_id, shown_after=after.id)


@bp.post("/messages/with/<username>/read")
@login_required
@passive
def read(username):
    """A message appended to the open conversation has been in view: count it read, with what
    came before it since the page (see Participant.mark_read_up_to), and bring the badge along.
    A message of another conversation, or one after a gap, changes nothing."""
    other, side = conversation_or_404(username)
    form = ReadMarkerForm()
    if not form.validate_on_submit():
        abort(400, "That read marker could not be understood. Please reload the page.")
    side.mark_read_up_to(form.through.data, shown_after=form.shown_after.data)
    return render_fragment("messages/_read.html")


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
