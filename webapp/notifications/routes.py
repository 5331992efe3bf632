"""Notifications: the navbar's poll (both counts, the hottest path: read-only, cheap, bounded), the
list of grouped notifications, read only when shown, and the settings of what to be told."""
from flask import Blueprint, current_app, make_response, request, url_for
from flask_login import current_user, login_required

from ..activity import passive
from ..htmx import form_succeeded, render, render_fragment
from ..models import NotificationGroup, navbar_counts, unread_count_cap, viewer_unread
from ..pagination import paginate
from ..viewer import live_viewer
from .forms import SettingsForm

bp = Blueprint("notifications", __name__)


@bp.app_template_global()
def unread_badge_count() -> int:
    """The signed-in user's unread messages, capped (the badge shows "99+" past the cap)."""
    return navbar_counts(current_user)["messages"]


@bp.app_template_global()
def notification_badge_count() -> int:
    """The signed-in user's unread notifications, capped (the bell shows "99+" past the cap)."""
    return navbar_counts(current_user)["notifications"]


@bp.get("/notifications/badge")
@passive
def badge():
    """The navbar's poll: the badge and the bell that changed, out of band; an empty 204 and no
    render when both counts are those the page shows. One query (the live session and its user's
    two counts, each an indexed, capped sum) and no ORM object: viewer.py (a remember cookie alone
    first has Flask-Login restore the session, as on any page)."""
    cap = unread_count_cap()
    row = live_viewer(viewer_unread(), cap=cap)
    messages, notifications = min(cap, row.unread), min(cap, row.notifications)
    changed_messages = request.args.get("shown", type=int) != messages
    changed_notifications = request.args.get("shown_notifications", type=int) != notifications
    if not (changed_messages or changed_notifications):
        response = make_response("", 204)
    else:
        response = render_fragment("notifications/_counts.html", messages=messages if changed_messages else None,
                                   notifications=notifications if changed_notifications else None)
    # Every answer is fresh: a cached one would show a stale count.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/notifications")
@login_required
def index():
    """My notifications in groups, the latest first; what a page shows counts as read (an older
    page stays unread until it is shown). htmx's pager asks for the list alone."""
    page = paginate(NotificationGroup.of(current_user), current_app.config["NOTIFICATIONS_PER_PAGE"])
    NotificationGroup.mark_shown(current_user, page.items)
    return render("notifications/index.html", "notifications/_page.html", page=page)


@bp.post("/notifications/read-all")
@login_required
def read_all():
    """Mark every notification read: in place with htmx (the list and the bell), PRG without."""
    NotificationGroup.mark_all_read(current_user)
    return form_succeeded("Every notification is marked as read.", url_for("notifications.index"),
                          lambda: render_fragment("notifications/_page.html", page=paginate(
                              NotificationGroup.of(current_user), current_app.config["NOTIFICATIONS_PER_PAGE"])))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Which kinds of notification to be told of (a kind switched off is not stored at all)."""
    form = SettingsForm(obj=current_user)
    if form.validate_on_submit():
        form.apply_to(current_user)
        return form_succeeded("Your notification settings are saved.", url_for("notifications.settings"))
    return render("notifications/settings.html", status=422 if form.is_submitted() else 200, form=form)
