"""Sending private messages: the send form, its validation, double submits and rate limits."""
import io

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Message

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


def test_sending_without_js_leads_into_the_conversation(client, app, alice):
    token = token_of(client.get("/send-message/bob"))
    response = client.post("/send-message/bob", data={"message": " hi bob ", "submission_token": token})
    assert response.status_code == 303
    message_id = stored_ids(app)[0]
    assert response.headers["Location"] == f"/messages/with/bob#message-{message_id}"  # the message in view
    page = soup(client.get("/messages/with/bob"))
    assert "Your message has been sent." in page.select_one("#alerts").get_text()
    assert [p.get_text() for p in page.select("#thread-items .body-text")] == ["hi bob"]
    assert page.select_one(f"#message-{message_id}") is not None
    assert stored_messages(app) == [("alice", "bob", "hi bob")]


def test_sending_with_htmx_goes_into_the_conversation(client, app, alice):
    token = token_of(client.get("/send-message/bob"))
    response = client.post("/send-message/bob", data={"message": "hi", "submission_token": token}, headers=HTMX)
    assert response.status_code == 200 and is_fragment(response)
    assert response.headers["HX-Redirect"] == f"/messages/with/bob#message-{stored_ids(app)[0]}"
    assert stored_messages(app) == [("alice", "bob", "hi")]


def stored_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Message.id).order_by(Message.id)))


def test_the_recipient_name_is_matched_without_regard_to_case(client, app, alice):
    assert client.post("/send-message/BOB", data={"message": "hey"}).status_code == 303
    assert stored_messages(app) == [("alice", "bob", "hey")]


@pytest.mark.parametrize(
    ("data", "message"),
    [({"message": ""}, "Write a message first."), ({"message": " \n "}, "Write a message first."),
     ({"message": "x" * 141}, "140 characters or fewer"), ({"message": "a\x00b"}, "control characters"),
     ({"unrelated": "x"}, "Write a message first.")],
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
    ("kwargs", "status"),
    [({"data": {"message": (io.BytesIO(b"a file"), "note.txt")}, "content_type": "multipart/form-data"}, 422),
     ({"json": {"message": 123}}, 415), ({"json": {"message": {}}}, 415), ({"json": [1, 2]}, 415),
     ({"json": "text"}, 415), ({"data": "message=hi", "content_type": "text/plain"}, 415), ({}, 415)],
    ids=["file", "number", "object", "list", "string", "text", "empty"],
)
def test_files_and_json_where_text_belongs_are_errors_not_crashes(client, app, alice, kwargs, status):
    response = client.post("/send-message/bob", headers=HTMX, **kwargs)
    assert response.status_code == status
    if status == 415:
        assert response.headers["HX-Retarget"] == "#alerts"
        assert "must be sent from its page" in response.get_data(as_text=True)
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


def test_sending_is_rate_limited_per_user(make_app):
    from webapp.extensions import limiter

    from .conftest import PASSWORD

    app = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True, SEND_RATE_LIMIT="2 per minute")
    limiter.reset()
    client = app.test_client()
    for name in ("alice", "bob"):
        app.test_client().post("/auth/register", data={"username": name, "email": f"{name}@example.org",
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
