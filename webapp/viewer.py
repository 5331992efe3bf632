"""Who is asking, for the hottest paths (the badge poll, the popover card): the signed-in user's
session checked in the same query that reads what the answer shows, without loading the user
through the ORM.

Pages and forms use Flask-Login's `current_user` (a whole user, loaded with its session and
unread count in one query). A poll needs only an id and a number, and it is the app's most
frequent request.
"""
from flask import abort, session
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy.engine import Row

from .extensions import login_manager
from .models import UserSession

# Where Flask-Login keeps the signed-in user's identifier in the session (for us the session's
# token: User.get_id), as its login_user and logout_user write it.
FLASK_LOGIN_USER_KEY = "_user_id"


def live_viewer(statement: Select, **params) -> Row:
    """This request's live session and what `statement` (models.about_live_session) reads about
    it, in one query: the row, its viewer_id the signed-in user's. Without a live session, the
    app's unauthorized answer is raised, as login_required would give it."""
    token = viewer_token()
    row = UserSession.live_row(token, statement, params) if token is not None else None
    if row is None:
        abort(login_manager.unauthorized())
    return row


def viewer_token() -> str | None:
    """The identifier of this request's session (live or not: live_row tells), if it has one."""
    token = session.get(FLASK_LOGIN_USER_KEY)
    if not isinstance(token, str) and current_user.is_authenticated:
        # A remember cookie alone: Flask-Login restored the session from it (its one query).
        token = current_user.session_token
    return token if isinstance(token, str) else None
