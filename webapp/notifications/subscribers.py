"""The events the app tells people of: each signal's notification, stored in the event's own
transaction (signals.py), so it commits with the event or not at all."""
from flask import Flask

from ..models import Notification
from ..models.notifications import COMMENTED, FOLLOWED, MENTIONED
from ..signals import comment_stored, followed, mentioned, unfollowed


def init_app(app: Flask) -> None:
    """Listen to this app's events."""
    followed.connect(on_followed, sender=app)
    unfollowed.connect(on_unfollowed, sender=app)
    comment_stored.connect(on_comment, sender=app)
    mentioned.connect(on_mention, sender=app)


def on_followed(_app, follower, followed):
    """Tell the person followed."""
    Notification.record([followed.id], FOLLOWED, follower)


def on_unfollowed(_app, follower, followed):
    """A follow undone: its notification goes, as what it was about did."""
    Notification.withdraw(followed.id, FOLLOWED, follower.id)


def on_comment(_app, comment, author, post_author_id):
    """Tell the post's author (not the commenter, when it is their own post)."""
    Notification.record([post_author_id], COMMENTED, author, post_id=comment.post_id, comment_id=comment.id)


def on_mention(_app, author, mentioned_ids, post=None, comment=None, post_author_id=None):
    """Tell the people mentioned; in a comment, not the post's author, whom the comment itself tells."""
    if comment is not None:
        recipients = [user_id for user_id in mentioned_ids if user_id != post_author_id]
        Notification.record(recipients, MENTIONED, author, post_id=comment.post_id, comment_id=comment.id)
    else:
        Notification.record(mentioned_ids, MENTIONED, author, post_id=post.id)
