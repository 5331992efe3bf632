"""'Last seen' and a session's 'last used': refreshed by what a person does, at most every few
minutes, never by polls."""
from datetime import timedelta
from typing import Callable

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy import update

from .extensions import db
from .models import User, UserSession, utcnow


def init_app(app: Flask) -> None:
    """Refresh 'last seen' before each request that a person made."""
    app.before_request(record_last_seen)


def passive(view: Callable) -> Callable:
    """Mark a view as background traffic (a poll, a hover): it never refreshes 'last seen'."""
    view.passive = True
    return view


def is_passive_request() -> bool:
    """Whether this request is background traffic or a static file."""
    if request.endpoint in (None, "static"):
        return True
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "passive", False)


def record_last_seen() -> None:
    """Refresh the signed-in user's 'last seen' and their session's 'last used' when either is
    older than the configured interval."""
    if is_passive_request() or not current_user.is_authenticated:
        return
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["LAST_SEEN_INTERVAL_SECONDS"])
    record = current_user.current_session
    updates = []
    # Single UPDATEs rather than dirty ORM objects: the view's own commit stays its own.
    if current_user.last_seen < stale:
        updates.append(update(User).where(User.id == current_user.id).values(last_seen=now))
    if record is not None and record.last_used_at < stale:
        updates.append(update(UserSession).where(UserSession.id == record.id).values(last_used_at=now))
    if updates:
        for stmt in updates:
            db.session.execute(stmt)
        db.session.commit()
