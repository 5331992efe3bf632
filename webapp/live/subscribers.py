"""Which doorbells each event rings, and for whom: exactly the people whose pages show what changed.

A doorbell rings once what it tells of is committed (doorbells.ring_after_commit for the signals
sent inside their transaction), so the fetch it prompts finds it.
"""
from flask import Flask

from ..doorbells import SESSIONS, ring, ring_after_commit
from ..models import Follow
from ..signals import message_sent, notifications_changed, post_published, read_moved, sessions_ended

# The names the pages listen for (templates: hx-trigger="... sse:<name>").
COUNTS = "counts"
TIMELINE = "timeline"


def conversation_with(user_id: int) -> str:
    """The doorbell of an open conversation with `user_id`."""
    return f"conversation-{user_id}"


def init_app(app: Flask) -> None:
    """Listen to this app's events."""
    message_sent.connect(on_message, sender=app)
    notifications_changed.connect(on_notifications, sender=app)
    read_moved.connect(on_read, sender=app)
    post_published.connect(on_post, sender=app)
    sessions_ended.connect(on_sessions_ended, sender=app)


def on_message(_app, message):
    """The recipient's badge and their open conversation with the sender; the sender's other tabs
    open on the conversation."""
    ring([message.recipient_id], COUNTS)
    ring([message.recipient_id], conversation_with(message.sender_id))
    ring([message.sender_id], conversation_with(message.recipient_id))


def on_notifications(_app, recipient_ids):
    """The bells of the people told (or no longer told) of something."""
    ring_after_commit(recipient_ids, COUNTS)


def on_read(_app, user_id):
    """The reader's own counts, in their other tabs."""
    ring([user_id], COUNTS)


def on_post(_app, post):
    """The home timelines of the author's followers ("N new posts")."""
    ring_after_commit(Follow.follower_ids(post.user_id), TIMELINE)


def on_sessions_ended(_app, user_id):
    """The person's streams check that their own session still lives."""
    ring([user_id], SESSIONS)
