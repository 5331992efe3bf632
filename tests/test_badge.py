"""The unread badge: correct, cheap (two queries, no writes, 204 when unchanged) and polite."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from webapp.extensions import db
from webapp.models import KEPT_COUNTS, Post, User, UserSession, unread_count_query, utcnow

from .conftest import HTMX, AuthActions, is_fragment, soup


def badge_of(response):
    return soup(response).select_one("#unread-badge")


def label(badge) -> str:
    return " ".join(badge.get_text(" ", strip=True).split())


def shown(badge) -> int:
    """The count a badge tells the navbar's poll it shows (its hidden input)."""
    return int(badge.select_one("input[type=hidden]")["value"])


def poll(client, shown=None, notifications=0, **headers):
    """The navbar's poll, sending the counts the page shows (both hidden inputs)."""
    query = {} if shown is None else {"shown": shown, "shown_notifications": notifications}
    return client.get("/notifications/badge", query_string=query, headers={**HTMX, **headers})


def test_the_navbar_badge_is_in_the_dom_but_hidden_at_zero(client, app, alice):
    badge = badge_of(client.get("/"))
    assert badge is not None
    assert "d-none" in badge["class"]
    assert badge["hx-get"] == "/notifications/badge"
    assert shown(badge) == 0
    # It asks on its interval (while the live stream is down), at the "counts" doorbell, and when
    # a hidden tab comes back ("poll").
    assert badge["hx-trigger"] == "every 10s, poll, sse:counts"
    # It sends the counts the navbar shows (its own and the bell's), and swaps nothing itself:
    # what changed comes back out of band.
    # How it syncs and times out it inherits from the stable live region around it.
    region = badge.parent
    assert region["aria-live"] == "polite"
    assert region["hx-include"] == "#unread-badge>input,#notification-badge>input" and region["hx-swap"] == "none"
    assert region["hx-sync"] == "this:drop"
    assert json.loads(region["hx-request"]) == {"timeout": app.config["POLL_TIMEOUT_MS"]}


def test_the_badge_answers_are_small(client, alice, add_message):
    """The most frequent answers of the app carry only what they need (issue: bytes on the wire)."""
    unchanged = poll(client, shown=0)
    assert unchanged.status_code == 204 and unchanged.data == b""
    assert set(unchanged.headers.keys()) <= {"Cache-Control", "Vary", "Content-Length"}, unchanged.headers
    add_message("bob", "alice")
    changed = poll(client, shown=0)
    assert changed.status_code == 200
    assert len(changed.data) < 250, changed.data
    assert "Content-Security-Policy" in changed.headers  # a body is a document: it keeps every header


def test_the_poll_interval_comes_from_the_config(client, app, alice):
    app.config["NOTIFICATION_POLL_SECONDS"] = 3
    assert badge_of(client.get("/"))["hx-trigger"] == "every 3s, poll, sse:counts"


def test_every_page_of_a_signed_in_user_has_the_badge(client, alice):
    for path in ("/", "/messages", "/messages/with/bob", "/user/bob", "/edit-profile", "/send-message/bob"):
        assert badge_of(client.get(path)) is not None, path


def test_signed_out_pages_have_no_badge(client):
    assert badge_of(client.get("/auth/login")) is None


@pytest.mark.parametrize(("count", "text"), [(1, "1 unread message"), (3, "3 unread messages")])
def test_the_badge_shows_the_unread_count_with_a_label(client, alice, add_message, count, text):
    for index in range(count):
        add_message("bob", "alice", f"m{index}")
    response = poll(client, shown=0)
    assert response.status_code == 200 and is_fragment(response)
    badge = badge_of(response)
    assert "d-none" not in badge["class"]
    assert label(badge) == f"{count} {text.split(' ', 1)[1]}"
    assert shown(badge) == count
    assert badge.select_one(".visually-hidden").get_text(strip=True) == text.split(" ", 1)[1]


def test_the_badge_caps_at_99_plus(client, app, alice, add_message):
    for index in range(150):
        add_message("bob", "alice", str(index))
    badge = badge_of(poll(client, shown=0))
    assert badge.get_text(strip=True).startswith("99+")
    assert shown(badge) == 100
    assert poll(client, shown=100).status_code == 204


def test_a_poll_without_the_shown_count_gets_the_fragment(client, alice, add_message):
    add_message("bob", "alice")
    response = poll(client)
    assert response.status_code == 200
    assert label(badge_of(response)) == "1 unread message"


def test_an_unchanged_count_is_an_empty_204_without_a_render(client, app, alice, add_message):
    from flask import template_rendered

    add_message("bob", "alice")
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        changed = poll(client, shown=0)
        assert rendered == ["notifications/_counts.html"]  # the recorder works...
        rendered.clear()
        response = poll(client, shown=1)
    assert changed.status_code == 200
    assert response.status_code == 204
    assert response.data == b""
    assert rendered == []  # ...and an unchanged count renders nothing
    assert response.headers["Cache-Control"] == "no-store"


def test_a_new_message_shows_at_the_next_poll(client, alice, add_message):
    assert poll(client, shown=0).status_code == 204
    add_message("bob", "alice", "ping")
    assert label(badge_of(poll(client, shown=0))) == "1 unread message"


def test_a_poll_costs_one_query_and_writes_nothing(client, app, alice, add_message, sql_statements):
    add_message("bob", "alice")
    with app.app_context():
        # Even with a stale "last seen", a poll must not refresh it.
        db.session.execute(update(User).values(last_seen=utcnow() - timedelta(days=1)))
        db.session.commit()
    for shown in (0, 1):
        with sql_statements() as statements:
            response = poll(client, shown=shown)
        queries = [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
        # The live session and its user's count are read together (viewer.py).
        assert len(queries) == 1, queries
        assert all(q.lstrip().upper().startswith("SELECT") for q in queries), queries
        # The live session gives the user's id: no user row is loaded for a poll.
        assert not any("FROM users" in q for q in queries), queries
        assert "Set-Cookie" not in response.headers


def test_a_poll_counts_only_the_viewers_unread_messages(app, client, auth, make_user, add_message):
    for name in ("alice", "bob", "carol"):
        make_user(name)
    for _ in range(3):
        add_message("alice", "bob")  # bob has unread messages too, and a live session
    add_message("carol", "bob")
    add_message("bob", "alice")
    bobs_browser = app.test_client()
    AuthActions(bobs_browser).login("bob")
    auth.login("alice")
    assert label(badge_of(poll(client, shown=0))) == "1 unread message"
    assert label(badge_of(poll(bobs_browser, shown=0))) == "4 unread messages"


def test_a_page_reads_the_navbar_count_with_the_viewer_and_only_theirs(app, client, auth, make_user, add_message,
                                                                       sql_statements):
    for name in ("alice", "bob"):
        make_user(name)
    for _ in range(3):
        add_message("alice", "bob")  # bob's unread messages are not alice's
    add_message("bob", "alice")
    auth.login("alice")
    with sql_statements() as statements:
        page = client.get("/")
    assert shown(badge_of(page)) == 1
    # One statement reads the viewer, their session and their count: no second count.
    counting = [s for s in statements if "FROM participants" in s]
    assert len(counting) == 1 and "JOIN user_sessions" in counting[0], statements


def test_a_page_that_writes_counts_again(client, alice, add_message):
    add_message("bob", "alice")
    assert shown(badge_of(client.get("/messages"))) == 1
    # Opening the conversation marks the message read in the same request, after the viewer
    # (and the count kept with them) was loaded: the navbar shows the count after the write.
    assert shown(badge_of(client.get("/messages/with/bob"))) == 0


def test_the_kept_count_is_this_requests_even_when_requests_share_an_app_context(app, client, alice, add_message):
    with app.app_context():  # as some tests run several requests
        assert shown(badge_of(client.get("/"))) == 0
        add_message("bob", "alice")
        assert shown(badge_of(client.get("/"))) == 1


def test_any_write_of_the_request_forgets_the_kept_count(app, alice):
    with app.test_request_context():
        alice_user = User.by_username("alice")
        token = UserSession.start(alice_user, "test")
        for write in (lambda: db.session.add(Post(author=alice_user, body="x")),  # a flush
                      lambda: db.session.execute(update(User).where(User.id == alice_user.id)
                                                 .values(about_me="hi"))):  # a statement
            UserSession.user_for(token)
            assert KEPT_COUNTS in db.session.info
            write()
            db.session.flush()
            assert KEPT_COUNTS not in db.session.info
        db.session.rollback()


def test_a_poll_with_only_a_remember_cookie_is_answered(app, client, auth, make_user, add_message):
    make_user("alice")
    make_user("bob")
    auth.login("alice", remember_me="y")
    add_message("bob", "alice")
    browser = app.test_client()  # a browser restarted: its session cookie is gone, the remember cookie stays
    browser.set_cookie("remember_token", client.get_cookie("remember_token").value)
    response = poll(browser, shown=0)
    assert response.status_code == 200
    assert label(badge_of(response)) == "1 unread message"


def test_a_poll_from_an_ended_session_is_sent_to_login(app, client, auth, alice):
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    auth.logout()
    response = poll(thief, shown=0)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")


def test_the_count_is_bounded_by_a_limit(client, alice, sql_statements):
    with sql_statements() as statements:
        poll(client, shown=0)
    assert any("LIMIT" in s.upper() for s in statements)


def test_opening_the_conversation_clears_the_badge_in_the_same_response(client, alice, add_message):
    add_message("bob", "alice")
    assert "d-none" not in badge_of(client.get("/"))["class"]
    assert "d-none" not in badge_of(client.get("/messages"))["class"], "the inbox marks nothing read"
    badge = badge_of(client.get("/messages/with/bob"))
    assert "d-none" in badge["class"] and shown(badge) == 0


def test_an_expired_session_gets_401_and_hx_redirect_never_the_login_page(client, make_user):
    response = poll(client, shown=0, **{"HX-Current-URL": "http://localhost/messages?before=1_2"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login?next=/messages?before%3D1_2"
    assert response.data == b""


@pytest.mark.parametrize("current", ["https://evil.example/steal", None])
def test_without_a_usable_current_url_the_login_has_no_next(client, current):
    headers = {"HX-Current-URL": current} if current else {}
    response = poll(client, **headers)
    assert response.headers["HX-Redirect"] == "/auth/login"  # never back to a bare fragment


def test_a_thread_page_fetched_by_htmx_updates_the_navbar_badge_out_of_band(client, alice, add_message):
    add_message("bob", "alice")
    response = client.get("/messages/with/bob", headers=HTMX)
    badge = badge_of(response)
    assert badge["hx-swap-oob"] == "true"
    assert shown(badge) == 0
    assert badge_of(client.get("/")).get("hx-swap-oob") is None


def test_the_unread_count_is_served_by_the_unread_index(app, alice):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table would be scanned anyway
        alice_id = User.by_username("alice").id
        query = unread_count_query().params(user_id=alice_id, cap=100)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        plan = " ".join(str(row) for row in db.session.execute(text(prefix + str(compiled))))
        assert "ix_participants_user_id_unread_count" in plan, plan
        assert "LIMIT 100" in str(compiled)
        db.session.rollback()


def test_the_unread_count_is_part_of_the_messages_link_name(client, alice, add_message):
    add_message("bob", "alice")
    page = soup(client.get("/"))
    link = page.select_one("nav a[href='/messages']")
    names = [page.find(id=part).get_text(" ", strip=True) for part in link["aria-labelledby"].split()]
    assert " ".join(names) == "Messages 1 unread message"
