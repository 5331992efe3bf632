"""Private messages: the send form, the inbox with its pager, read state, and privacy."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Message, User, utcnow

from .conftest import HTMX, is_fragment, soup


def stored_messages(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(Message).order_by(Message.id))
        return [(m.sender.username, m.recipient.username, m.body) for m in rows]


def token_of(response) -> str:
    return soup(response).select_one("input[name=submission_token]")["value"]


def test_send_page_is_a_full_page_with_the_form(client, alice):
    response = client.get("/send-message/bob")
    page = soup(response)
    assert not is_fragment(response)
    form = page.select_one("form[action='/send-message/bob']")
    assert form["hx-post"] == "/send-message/bob"
    assert form.select_one("textarea[name=message]") is not None
    assert len(token_of(response)) == 32
    assert "HX-Request" in response.headers["Vary"]


def test_send_form_is_a_fragment_for_htmx(client, alice):
    response = client.get("/send-message/bob", headers=HTMX)
    assert is_fragment(response)
    assert soup(response).select_one("form textarea[name=message]") is not None


def test_sending_without_js_redirects_to_the_profile_with_a_flash(client, app, alice):
    token = token_of(client.get("/send-message/bob"))
    response = client.post("/send-message/bob", data={"message": " hi bob ", "submission_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/user/bob"
    assert "Your message has been sent." in soup(client.get("/user/bob")).select_one("#alerts").get_text()
    assert stored_messages(app) == [("alice", "bob", "hi bob")]


def test_sending_with_htmx_returns_a_fresh_focused_form(client, app, alice):
    token = token_of(client.get("/send-message/bob"))
    response = client.post("/send-message/bob", data={"message": "hi", "submission_token": token}, headers=HTMX)
    assert response.status_code == 200 and is_fragment(response)
    page = soup(response)
    assert "Your message has been sent." in page.select_one("[role=status]").get_text()
    textarea = page.select_one("textarea[name=message]")
    assert textarea.get_text().strip() == "" and textarea.has_attr("autofocus")
    assert token_of(response) != token
    assert stored_messages(app) == [("alice", "bob", "hi")]


def test_the_recipient_name_is_matched_without_regard_to_case(client, app, alice):
    assert client.post("/send-message/BOB", data={"message": "hey"}).status_code == 303
    assert stored_messages(app) == [("alice", "bob", "hey")]


@pytest.mark.parametrize(
    ("data", "message"),
    [({"message": ""}, "Write a message first."), ({"message": " \n "}, "Write a message first."),
     ({"message": "x" * 141}, "140 characters or fewer"), ({"message": "a\x00b"}, "control characters"),
     ({}, "Write a message first.")],
    ids=["empty", "whitespace", "141", "nul", "missing"],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_bad_messages_get_422_beside_the_field_and_store_nothing(client, app, alice, data, message, headers):
    response = client.post("/send-message/bob", data=data, headers=headers)
    assert response.status_code == 422
    assert message in soup(response).select_one("#message-errors").get_text()
    assert is_fragment(response) == bool(headers)
    assert stored_messages(app) == []


def test_140_emoji_fit_in_a_message(client, app, alice):
    body = "\N{PARTY POPPER}" * 140
    assert client.post("/send-message/bob", data={"message": body}).status_code == 303
    assert stored_messages(app) == [("alice", "bob", body)]


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [(b"--x\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\n\xff\xfe\r\n--x--\r\n",
      "multipart/form-data; boundary=x"),
     (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
     (b"--x\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi", "multipart/form-data; boundary=x"),
     (b"not a form", "multipart/form-data")],
    ids=["invalid-utf8", "binary", "truncated-multipart", "no-boundary"],
)
def test_invalid_form_encodings_get_an_error_and_store_nothing(client, app, alice, payload, content_type):
    response = client.post("/send-message/bob", data=payload, content_type=content_type, headers=HTMX)
    assert response.status_code in (400, 422)
    assert stored_messages(app) == []


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_form_body_that_is_not_utf8_is_refused(client, app, alice, headers):
    # Werkzeug would keep "%FF%FE" as literal text; the app answers 400 with a clear message.
    response = client.post("/send-message/bob", data=b"message=hi+%FF%FE", headers=headers,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)
    assert stored_messages(app) == []


def test_percent_signs_typed_by_people_are_text(client, app, alice):
    assert client.post("/send-message/bob", data={"message": "100% sure, %FF"}).status_code == 303
    assert stored_messages(app) == [("alice", "bob", "100% sure, %FF")]


@pytest.mark.parametrize(
    ("kwargs"),
    [{"data": {"message": (io.BytesIO(b"a file"), "note.txt")}, "content_type": "multipart/form-data"},
     {"json": {"message": 123}}, {"json": {"message": {}}}, {"json": [1, 2]}, {"json": "text"}],
    ids=["file", "number", "object", "list", "string"],
)
def test_files_and_json_where_text_belongs_are_errors_not_crashes(client, app, alice, kwargs):
    response = client.post("/send-message/bob", headers=HTMX, **kwargs)
    assert response.status_code == 422
    assert stored_messages(app) == []


def test_unknown_recipient_is_404(client, app, alice):
    assert client.get("/send-message/nobody").status_code == 404
    response = client.post("/send-message/nobody", data={"message": "hi"}, headers=HTMX)
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#alerts"
    assert stored_messages(app) == []


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_one_cannot_message_oneself(client, app, alice, headers):
    page = soup(client.get("/send-message/alice"))
    assert "cannot send a private message to yourself" in page.get_text()
    assert page.select_one("textarea[name=message]") is None
    response = client.post("/send-message/ALICE", data={"message": "hi me"}, headers=headers)
    assert response.status_code == 422
    assert "cannot send a private message to yourself" in soup(response).get_text()
    assert stored_messages(app) == []


def test_a_double_submit_stores_one_message(client, app, alice):
    data = {"message": "only once", "submission_token": token_of(client.get("/send-message/bob"))}
    assert client.post("/send-message/bob", data=data).status_code == 303
    assert client.post("/send-message/bob", data=data).status_code == 303
    assert client.post("/send-message/bob", data=data, headers=HTMX).status_code == 200
    assert stored_messages(app) == [("alice", "bob", "only once")]


def test_storing_a_message_sends_the_message_sent_signal_once(client, app, alice):
    from webapp.signals import message_sent

    received = []

    def subscriber(sender, message):
        received.append((sender, message.body, message.id is not None))

    data = {"message": "signalled", "submission_token": token_of(client.get("/send-message/bob"))}
    with message_sent.connected_to(subscriber, sender=app):
        client.post("/send-message/bob", data=data)
        client.post("/send-message/bob", data=data)  # the double submit stores nothing new
    assert received == [(app, "signalled", True)]


def test_an_old_form_with_new_text_is_a_new_message(client, app, alice):
    token = token_of(client.get("/send-message/bob"))
    client.post("/send-message/bob", data={"message": "first", "submission_token": token})
    client.post("/send-message/bob", data={"message": "second", "submission_token": token})
    assert [body for _, _, body in stored_messages(app)] == ["first", "second"]


def test_a_malformed_submission_token_is_refused(client, app, alice):
    response = client.post("/send-message/bob", data={"message": "hi", "submission_token": "x" * 500})
    assert response.status_code == 422
    assert stored_messages(app) == []


def inbox_bodies(page):
    return [node.get_text() for node in page.select("#message-list li.message .body-text")]


def test_inbox_lists_messages_newest_first_with_sender_and_time(client, alice, add_message, make_user):
    make_user("carol")
    now = utcnow()
    add_message("bob", "alice", "older", timestamp=now - timedelta(minutes=5))
    add_message("carol", "alice", "newer", timestamp=now - timedelta(minutes=1))
    add_message("alice", "bob", "mine, sent")
    page = soup(client.get("/messages"))
    assert inbox_bodies(page) == ["newer", "older"]
    first = page.select_one("#message-list li.message")
    assert first.select_one("a.user-link")["href"] == "/user/carol"
    assert first.select_one("img.avatar")["src"] == "/user/carol/avatar.svg"
    assert first.select_one("time")["datetime"]


def test_the_navbar_messages_link_goes_to_the_inbox(client, alice):
    links = soup(client.get("/")).select("nav a.nav-link")
    assert any(link.get_text() == "Messages" and link["href"] == "/messages" for link in links)


def test_opening_the_inbox_marks_messages_read_and_shows_them_as_new_once(client, app, alice, add_message):
    add_message("bob", "alice", "one")
    add_message("bob", "alice", "two")
    first = soup(client.get("/messages"))
    assert len(first.select("li.message-new")) == 2
    assert first.select_one("li.message-new .badge").get_text() == "New"
    add_message("bob", "alice", "three")
    second = soup(client.get("/messages"))
    assert [n.get_text() for n in second.select("li.message-new .body-text")] == ["three"]
    assert soup(client.get("/messages")).select("li.message-new") == []


def test_a_message_arriving_while_the_inbox_is_built_stays_unread(client, app, alice, add_message):
    shown_at = utcnow() - timedelta(seconds=30)
    add_message("bob", "alice", "shown", timestamp=shown_at)
    client.get("/messages")
    # Sent before the inbox finished, but not part of the page that was shown.
    add_message("bob", "alice", "not shown", timestamp=shown_at + timedelta(seconds=1))
    with app.app_context():
        user = User.by_username("alice")
        assert user.last_message_read_time == shown_at
        assert user.unread_message_count(100) == 1


def test_the_read_marker_never_moves_back_even_from_a_stale_tab(app, alice):
    later, earlier = utcnow(), utcnow() - timedelta(minutes=5)
    with app.app_context():
        stale = User.by_username("alice")  # this tab loaded the user before the other tab read
        db.session.execute(User.__table__.update().values(last_message_read_time=later))
        db.session.commit()
        stale.mark_messages_read_up_to(earlier)
    with app.app_context():
        assert User.by_username("alice").last_message_read_time == later


def test_the_inbox_pager_swaps_in_place_and_pushes_the_url(client, alice, add_message, app):
    app.config["MESSAGES_PER_PAGE"] = 3
    start = utcnow() - timedelta(hours=1)
    for index in range(7):
        add_message("bob", "alice", f"m{index}", timestamp=start + timedelta(minutes=index))
    first = soup(client.get("/messages"))
    assert inbox_bodies(first) == ["m6", "m5", "m4"]
    older = first.select_one("#message-list a[rel=next]")
    assert (older["hx-target"], older["hx-push-url"], older["hx-get"]) == ("#message-list", "true", older["href"])
    second = client.get(older["href"], headers=HTMX)
    assert is_fragment(second) and "HX-Request" in second.headers["Vary"]
    second = soup(second)
    assert inbox_bodies(second) == ["m3", "m2", "m1"]
    third = soup(client.get(second.select_one("a[rel=next]")["href"]))
    assert inbox_bodies(third) == ["m0"]
    newer = soup(client.get(third.select_one("a[rel=prev]")["href"]))
    assert inbox_bodies(newer) == ["m3", "m2", "m1"]
    # A reload of a pushed URL, without htmx, is the full page.
    assert not is_fragment(client.get(older["href"]))


@pytest.mark.parametrize("query", ["before=zzz", "after=1_x", "before=", "after=999999999999999999_9",
                                   "before=99999999999999999_999999999999999999", "after=1_2147483647",
                                   "before=1_2147483648", "before=%D9%A1%D9%A2_%D9%A3"])
def test_garbage_inbox_cursors_give_a_sensible_page(client, alice, add_message, query):
    add_message("bob", "alice", "hi")
    response = client.get(f"/messages?{query}")
    assert response.status_code == 200
    # Garbage means no cursor: the first page, with the message on it.
    assert [p.get_text() for p in soup(response).select("#message-list .body-text")] == ["hi"]


def test_the_inbox_costs_the_same_queries_for_1_and_50_messages(client, alice, add_message, sql_statements):
    add_message("bob", "alice", "first")
    client.get("/messages")
    add_message("bob", "alice", "second")
    with sql_statements() as one:
        client.get("/messages")
    for index in range(50):
        add_message("bob", "alice", f"m{index}")
    with sql_statements() as fifty:
        client.get("/messages")
    assert len(one) == len(fifty)
    # user, page, read-marker update, badge count (plus the transaction's own statements)
    assert len([s for s in fifty if s.lstrip().upper().startswith(("SELECT", "UPDATE"))]) <= 4


def test_a_user_sees_only_their_own_messages(client, alice, add_message, make_user):
    make_user("carol")
    add_message("bob", "carol", "for carol only")
    add_message("carol", "bob", "for bob only")
    for path in ("/messages", "/messages/sent", "/messages?before=99999999999999999_999"):
        assert "only" not in client.get(path).get_data(as_text=True)


def test_message_bodies_are_escaped(client, alice, add_message):
    hostile = '<img src=x onerror=alert(1)> <div hx-get="/auth/logout" hx-trigger="load">"\'</div>'
    add_message("bob", "alice", hostile)
    body = soup(client.get("/messages")).select_one("li.message .body-text")
    assert body.get_text() == hostile
    assert body.find("img") is None and body.find("div") is None


def test_sent_lists_my_messages_with_their_recipients(client, alice, add_message):
    add_message("alice", "bob", "to bob")
    add_message("bob", "alice", "to alice")
    page = soup(client.get("/messages/sent"))
    assert inbox_bodies(page) == ["to bob"]
    assert page.select_one("li.message a.user-link")["href"] == "/user/bob"
    assert "To" in page.select_one("li.message").get_text()
    assert page.select_one("li.message-new") is None


def test_sending_is_rate_limited_per_user(make_app):
    from webapp.extensions import limiter

    from .conftest import PASSWORD

    app = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True, SEND_RATE_LIMIT="2 per minute")
    limiter.reset()
    client = app.test_client()
    for name in ("alice", "bob"):
        client.post("/auth/register", data={"username": name, "email": f"{name}@example.org",
                                            "password": PASSWORD, "password2": PASSWORD})
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    statuses = [client.post("/send-message/bob", data={"message": f"m{i}"}, headers=HTMX).status_code
                for i in range(3)]
    assert statuses == [200, 200, 429]
    response = client.post("/send-message/bob", data={"message": "again"}, headers=HTMX)
    assert "Too many attempts" in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#alerts"
    # Another user from the same address has their own allowance.
    other = app.test_client()
    other.post("/auth/login", data={"username": "bob", "password": PASSWORD})
    assert other.post("/send-message/alice", data={"message": "hi"}, headers=HTMX).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id))) == 3
    limiter.reset()
