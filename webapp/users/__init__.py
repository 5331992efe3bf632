"""Profiles, avatars and the popover card."""
from flask import abort

from ..models import User


def user_or_404(username: str) -> User:
    """The user with this name (any case), or a 404 page."""
    user = User.by_username(username)
    if user is None:
        abort(404)
    return user
