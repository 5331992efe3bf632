"""The badge poll: the hottest path of the app, so it is read-only, cheap and bounded."""
from flask import Blueprint, make_response, request
from flask_login import current_user

from ..activity import passive
from ..htmx import render_fragment
from ..models import Participant, unread_count_cap, viewer_unread
from ..viewer import live_viewer

bp = Blueprint("notifications", __name__)


@bp.app_template_global()
def unread_badge_count() -> int:
    """The signed-in user's unread count, capped (the badge shows "99+" past the cap)."""
    return Participant.unread_count_of(current_user)


@bp.get("/notifications/badge")
@passive
def badge():
    """The badge fragment; 204 and no render when the count is the one the page already shows.
    One query (the live session and its user's count, both indexed) and no ORM object: viewer.py
    (a remember cookie alone first has Flask-Login restore the session, as on any page)."""
    cap = unread_count_cap()
    count = min(cap, live_viewer(viewer_unread(), cap=cap).unread)
    if request.args.get("shown", type=int) == count:
        response = make_response("", 204)
    else:
        response = render_fragment("notifications/_badge.html", count=count)
    # Every answer is fresh: a cached badge would show a stale count.
    response.headers["Cache-Control"] = "no-store"
    return response
