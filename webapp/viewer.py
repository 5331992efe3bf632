"""Who is asking, for the hottest paths (the badge poll): the signed-in user's id from the session
cookie and one indexed query, without loading the user through the ORM.

Pages and forms use Flask-Login's `current_user` (a whole user, loaded with its session in one
query). A poll needs only an id, and it is the app's most frequent request.
"""
from functools import wraps
from typing import Callable

from flask import session
from flask_login import current_user

from .extensions import login_manager
from .models import UserSession

# Where Flask-Login keeps the signed-in user's identifier in the session (for us the session's
# token: User.get_id), as its login_user and logout_user write it.
FLASK_LOGIN_USER_KEY = "_user_id"


def viewer_id() -> int | None:
    """The id of the user whose live session made this request, or None. A request whose session
    cookie carries no identifier (a remember cookie alone) goes through Flask-Login, which
    restores the session from it."""
    token = session.get(FLASK_LOGIN_USER_KEY)
    if not isinstance(token, str):
        return current_user.id if current_user.is_authenticated else None
    return UserSession.live_user_id(token)


def viewer_required(view: Callable) -> Callable:
    """Like Flask-Login's login_required, for views that need only the viewer's id: they get it
    as the keyword `viewer`; a visitor without a live session gets the app's unauthorized answer."""
    @wraps(view)
    def with_viewer(*args, **kwargs):
        user_id = viewer_id()
        if user_id is None:
            return login_manager.unauthorized()
        return view(*args, viewer=user_id, **kwargs)

    return with_viewer
