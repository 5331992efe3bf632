"""'Last seen': refreshed by what a person does, at most every few minutes, never by polls."""
from datetime import timedelta
from typing import Callable

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy import update

from .extensions import db
from .models import User, utcnow


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
    """Refresh the signed-in user's 'last seen' when it is older than the configured interval."""
    if is_passive_request() or not current_user.is_authenticated:
        return
    now = utcnow()
    interval = timedelta(seconds=current_app.config["LAST_SEEN_INTERVAL_SECONDS"])
    if now - current_user.last_seen < interval:
        return
    # A single UPDATE rather than a dirty ORM object: the view's own commit stays its own.
    db.session.execute(update(User).where(User.id == current_user.id).values(last_seen=now))
    db.session.commit()
