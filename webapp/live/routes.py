"""GET /events: the signed-in person's doorbells as a Server-Sent Events stream.

The stream carries names, never content: each `data:` line names what changed ("counts",
"timeline", "conversation-7"), and the page fetches it as its poll does (static/app.js hands the
names to htmx's SSE extension). It holds no database connection while it waits: the session is
checked at connect, again when one of the person's sessions ends, and every
LIVE_SESSION_CHECK_SECONDS (an idle timeout), each time on a connection of its own.
"""
import random
import time
from collections.abc import Iterator
from functools import cache

from flask import Blueprint, Flask, Response, current_app, make_response

from ..activity import passive
from ..doorbells import CLOSED, SESSIONS, Subscription, broker
from ..models import UserSession, about_live_session
from ..viewer import live_viewer, viewer_token

bp = Blueprint("live", __name__)


@cache
def viewer_only():
    """A live session's user id, and nothing else."""
    return about_live_session()


@bp.get("/events")
@passive
def events():
    """Open the stream (401 with HX-Redirect without a live session; 503 while the broker cannot
    deliver, so the page keeps polling and tries again later)."""
    viewer_id = live_viewer(viewer_only()).viewer_id
    chosen = broker()
    if not chosen.ready():
        response = make_response("Live updates are unavailable; the page checks on its own.\n", 503)
        response.headers["Retry-After"] = "5"
        response.headers["Cache-Control"] = "no-store"
        return response
    stream = doorbell_stream(current_app._get_current_object(), chosen.subscribe(viewer_id), viewer_token())
    response = Response(stream, mimetype="text/event-stream")
    # Never cached, never buffered by a proxy (nginx reads X-Accel-Buffering), never compressed.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def doorbell_stream(app: Flask, subscription: Subscription, token: str) -> Iterator[str]:
    """The stream's lines: at once a retry hint and a comment (so the headers go out now), then a
    `data:` line per doorbell and a comment every LIVE_KEEPALIVE_SECONDS when none rang (proxies
    close silent connections); it ends when its session does or its broker lost its way."""
    config = app.config
    keepalive, check_every = config["LIVE_KEEPALIVE_SECONDS"], config["LIVE_SESSION_CHECK_SECONDS"]
    # A reconnect hint with jitter: streams dropped together (a restart) do not return together.
    retry_ms = int(config["LIVE_RETRY_MS"] * random.uniform(1.0, 1.5))
    try:
        yield f"retry: {retry_ms}\n: connected\n\n"
        next_check = time.monotonic() + check_every
        while True:
            doorbell = subscription.get(timeout=keepalive)
            if doorbell is CLOSED:
                return
            if doorbell == SESSIONS or time.monotonic() >= next_check:
                if not session_is_live(app, token):
                    return
                next_check = time.monotonic() + check_every
            if doorbell is None:
                yield ": keepalive\n\n"
            elif doorbell != SESSIONS:
                yield f"data: {doorbell}\n\n"
    finally:
        subscription.close()


def session_is_live(app: Flask, token: str) -> bool:
    """Whether the stream's session still lives (one query, on a connection returned at once)."""
    with app.app_context():
        return UserSession.live_row(token, viewer_only(), {}) is not None
