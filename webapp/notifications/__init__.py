"""The unread-messages badge and its polling endpoint."""
from flask import current_app
from flask_login import current_user


def unread_badge_count() -> int:
    """The signed-in user's unread count, capped (the badge shows "99+" past 99)."""
    return current_user.unread_message_count(current_app.config["UNREAD_COUNT_CAP"])
