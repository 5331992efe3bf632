"""Accounts a person can recover: a password reset link by e-mail, through a real SMTP server
(aiosmtpd, started by a fixture) and through the console backend of the embedded default."""
import email
import logging
import re
import threading
import time
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import update

from webapp.extensions import db
from webapp.mail import compose, send, wait_until_sent
from webapp.models import AccountToken, User, utcnow
from webapp.security import redact_link_tokens

from .conftest import PASSWORD, free_port, seed_user, soup

NEW_PASSWORD = "a brand new password"
LINK = re.compile(r"http://localhost/auth/reset-password/([A-Za-z0-9_-]{43})")


class Inbox:
    """What the SMTP server received: each message parsed, with its envelope's recipients."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def wait(self, count: int, seconds: float = 3.0) -> list:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp():
    """A real SMTP server on a free port of 127.0.0.1, for this test."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    for thread in threading.enumerate():  # mail still being sent (webapp.mail) ends before its server
        if thread.name == "mail":
            thread.join(10)
    controller.stop()


@pytest.fixture
def mail_app(make_app, smtp):
    """The app sending through the test's SMTP server; alice exists."""
    app = make_app(WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    seed_user(app, "alice")
    return app


def ask_for_a_link(client, address):
    """POST the reset form (the answer comes once its mail is sent)."""
    return client.post("/auth/reset-password", data={"email": address})


def link_in(message) -> str:
    """The reset link of a mail: the same one in its plain-text and HTML parts."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    links = LINK.findall(text)
    assert len(links) == 1 and LINK.findall(html) == links
    return f"/auth/reset-password/{links[0]}"


def signed_in(client) -> bool:
    return client.get("/edit-profile").status_code == 200


def test_a_known_address_gets_a_link_that_works_once(mail_app, smtp):
    client = mail_app.test_client()
    response = ask_for_a_link(client, "  Alice@Example.org ")
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    [(recipients, message)] = smtp.wait(1)
    assert recipients == ["alice@example.org"] and message["To"] == "alice@example.org"
    assert message["Subject"] == "Choose a new password"
    link = link_in(message)

    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert signed_in(client)  # this browser is signed in
    page = soup(client.get(link))  # used: it says so and offers a new one
    assert "does not work any more" in page.select_one("h1").get_text()
    assert page.select_one("form input[name=email]") is not None
    assert client.post(link, data={"password": "another one!", "password2": "another one!"}).status_code == 400

    other = mail_app.test_client()
    assert other.post("/auth/login", data={"username": "alice", "password": PASSWORD}).status_code == 422
    assert other.post("/auth/login", data={"username": "alice", "password": NEW_PASSWORD}).status_code == 303


def assert_no_account_note(message) -> None:
    """The mail to an address no account uses: it says so and carries no reset link, only the way
    to ask again with another address or to register with this one, in both parts."""
    assert message["Subject"] == "No Microblog account uses this address"
    for part in (message.get_body(("plain",)), message.get_body(("html",))):
        text = part.get_content()
        assert "no account uses it" in text and not LINK.search(text)
        assert "http://localhost/auth/reset-password" in text and "http://localhost/auth/register" in text


def test_an_unknown_address_gets_the_same_answer_and_a_note_without_a_link(mail_app, smtp):
    known, unknown = mail_app.test_client(), mail_app.test_client()
    first = ask_for_a_link(known, "alice@example.org")
    second = ask_for_a_link(unknown, "Nobody@Example.org")
    assert (first.status_code, first.headers["Location"]) == (second.status_code, second.headers["Location"])
    notice = [soup(client.get("/auth/login")).select_one("#alerts").get_text() for client in (known, unknown)]
    assert notice[0] == notice[1] and "on its way" in notice[0]
    mails = dict((tuple(recipients), message) for recipients, message in smtp.wait(2))
    assert set(mails) == {("alice@example.org",), ("nobody@example.org",)}
    assert_no_account_note(mails["nobody@example.org",])
    with mail_app.app_context():  # a link is stored for alice only
        assert db.session.query(AccountToken).count() == 1


def test_a_known_and_an_unknown_address_run_the_same_statements(app, make_user, sql_statements):
    """The deterministic half of "as fast for any address": the request and its mail run the same
    SQL for both (the times under load are bench/run.py's "reset request")."""
    make_user("alice")
    client, statements_of = app.test_client(), {}
    for address in ("alice@example.org", "nobody@example.org"):
        with sql_statements() as statements:
            ask_for_a_link(client, address)
            wait_until_sent(app)
        statements_of[address] = statements
    assert statements_of["alice@example.org"] == statements_of["nobody@example.org"]
    assert any(statement.startswith("INSERT INTO account_tokens") for statement in statements_of["nobody@example.org"])
    with app.app_context():
        assert [token.user_id for token in db.session.query(AccountToken)] == [User.by_username("alice").id]


def test_a_reset_ends_every_session_of_the_account(mail_app, smtp):
    phone = mail_app.test_client()
    phone.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert signed_in(phone)
    client = mail_app.test_client()
    ask_for_a_link(client, "alice@example.org")
    link = link_in(smtp.wait(1)[0][1])
    client.post(link, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not signed_in(phone)


@pytest.mark.parametrize("token", ["x", "a" * 43, "a" * 44, "%00", "..%2F..%2Fetc"])
def test_a_forged_or_truncated_link_is_a_clear_page(mail_app, token):
    response = mail_app.test_client().get(f"/auth/reset-password/{token}")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "does not work any more" in soup(response).select_one("h1").get_text()


def test_a_link_expires_within_the_hour(mail_app, smtp):
    client = mail_app.test_client()
    ask_for_a_link(client, "alice@example.org")
    link = link_in(smtp.wait(1)[0][1])
    with mail_app.app_context():
        db.session.execute(update(AccountToken).values(created_at=utcnow() - timedelta(minutes=61)))
        db.session.commit()
    assert client.get(link).status_code == 400


def test_a_truncated_link_of_a_real_token_does_not_work(mail_app, smtp):
    client = mail_app.test_client()
    ask_for_a_link(client, "alice@example.org")
    link = link_in(smtp.wait(1)[0][1])
    assert client.get(link[:-1]).status_code == 400


def test_changing_the_password_voids_the_links_sent(mail_app, smtp):
    client = mail_app.test_client()
    ask_for_a_link(client, "alice@example.org")
    link = link_in(smtp.wait(1)[0][1])
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    client.post("/edit-profile/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert mail_app.test_client().get(link).status_code == 400


def test_only_a_digest_of_the_link_is_stored(mail_app, smtp):
    ask_for_a_link(mail_app.test_client(), "alice@example.org")
    token = link_in(smtp.wait(1)[0][1]).rsplit("/", 1)[1]
    with mail_app.app_context():
        stored = db.session.scalar(db.select(AccountToken.token_hash))
    assert token not in stored and len(stored) == 64


def test_a_bad_address_is_an_error_beside_the_field(mail_app, smtp):
    response = ask_for_a_link(mail_app.test_client(), "not an address")
    assert response.status_code == 422
    assert "valid e-mail address" in soup(response).select_one("#email-errors").get_text()
    assert smtp.wait(1, seconds=0.3) == []


def test_asking_is_rate_limited_per_address_and_per_client(make_app, smtp):
    app = make_app(WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port,
                   RATELIMIT_ENABLED=True, RESET_RATE_LIMIT="2 per hour")
    seed_user(app, "alice")
    client = app.test_client()
    assert [ask_for_a_link(client, "alice@example.org").status_code for _ in range(3)] == [303, 303, 429]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # another client
    assert ask_for_a_link(other, "alice@example.org").status_code == 429  # the address has had its two
    assert ask_for_a_link(other, "someone@example.org").status_code == 303


def test_a_mail_server_that_is_down_is_said_on_the_form_and_logged_without_the_address_or_link(make_app, caplog):
    app = make_app(WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT_SECONDS=2,
                   RATELIMIT_ENABLED=True, RESET_RATE_LIMIT="1 per hour")
    seed_user(app, "alice")
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="webapp.mail"):
        responses = [ask_for_a_link(client, "alice@example.org") for _ in range(2)]
    assert [response.status_code for response in responses] == [422, 422]  # a try that failed is not counted
    page = soup(responses[0])  # the form again, its address kept, to try once more
    assert "could not send the mail just now" in page.select_one(".alert-danger[role=alert]").get_text()
    assert page.select_one("input[name=email]")["value"] == "alice@example.org"
    # Neither the address, nor the link, nor which mail it was (a reset link or the note).
    assert [record.getMessage() for record in caplog.records if record.name == "webapp.mail"] == [
        "a mail could not be sent: ConnectionRefusedError"] * 2


def test_registering_while_the_mail_server_is_down_signs_in_and_says_to_send_the_link_again(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    client = app.test_client()
    response = register(client, "carol", "carol@example.org")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    notice = soup(client.get("/")).select_one("#alerts .alert-warning").get_text()
    assert "could not send the confirmation link to carol@example.org" in notice and "again" in notice
    settings = soup(client.get("/edit-profile"))  # where it can be sent again
    assert settings.find("form", action="/auth/verify/resend") is not None


def test_a_page_waits_for_a_mail_at_most_its_timeout_and_the_mail_goes_on(make_app, smtp):
    app = make_app(WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_TIMEOUT_SECONDS=0.3)

    def slow_to_make():
        time.sleep(1)
        return compose("alice@example.org", "Slow", "no_account", reset_url="r", register_url="g")

    with app.test_request_context():
        started = time.monotonic()
        assert send(slow_to_make) is None  # still going: not said as failed
        assert time.monotonic() - started < 0.9
    wait_until_sent(app)
    assert [message["Subject"] for _, message in smtp.wait(1)] == ["Slow"]


def test_the_embedded_default_prints_the_mail_and_keeps_it_under_instance(make_app, capsys):
    app = make_app(WTF_CSRF_ENABLED=False)
    seed_user(app, "alice")
    ask_for_a_link(app.test_client(), "alice@example.org")
    wait_until_sent(app)
    printed = capsys.readouterr().out
    assert "mail to alice@example.org: Choose a new password" in printed and LINK.search(printed)
    [kept] = list((Path(app.instance_path) / "mail").glob("*.eml"))
    message = email.message_from_bytes(kept.read_bytes(), policy=policy.default)
    assert message["To"] == "alice@example.org" and link_in(message)


def test_a_reset_link_never_reaches_the_request_log():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s',
                               ("127.0.0.1", "GET /auth/reset-password/" + "a" * 43 + " HTTP/1.1", "200"), None)
    assert redact_link_tokens(record)
    assert record.getMessage() == '127.0.0.1 - - "GET /auth/reset-password/[redacted] HTTP/1.1" 200'


def test_the_login_page_offers_the_way_back_in(client):
    link = soup(client.get("/auth/login")).find("a", string="Forgot your password?")
    assert link["href"] == "/auth/reset-password"


# ---- Registering signs in; an address counts once confirmed ------------------------------------

CONFIRM_LINK = re.compile(r"http://localhost(/auth/verify/[A-Za-z0-9_-]{43})")


def post_form(client, path, data):
    """POST a form."""
    return client.post(path, data=data)


def register(client, username, address):
    return post_form(client, "/auth/register", {"username": username, "email": address,
                                                  "password": PASSWORD, "password2": PASSWORD})


def confirm_link_in(message) -> str:
    text, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    links = CONFIRM_LINK.findall(text)
    assert len(links) == 1 and CONFIRM_LINK.findall(html) == links
    return links[0]


def addresses(app, username):
    """The person's confirmed address and the one waiting for confirmation."""
    with app.app_context():
        user = User.by_username(username)
        return user.confirmed_email, AccountToken.address_waiting(user)


def test_registering_signs_in_and_the_link_confirms_the_address(mail_app, smtp):
    client = mail_app.test_client()
    response = register(client, "carol", "Carol@Example.org")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert signed_in(client)
    assert addresses(mail_app, "carol") == (None, "carol@example.org")
    page = soup(client.get("/edit-profile"))
    assert "carol@example.org is waiting for confirmation" in " ".join(page.select_one("#email-heading").parent.get_text().split())
    [(recipients, message)] = smtp.wait(1)
    assert recipients == ["carol@example.org"] and message["Subject"] == "Confirm your e-mail address"
    link = confirm_link_in(message)
    response = client.get(link)
    assert response.status_code == 303 and response.headers["Location"] == "/edit-profile"
    assert addresses(mail_app, "carol") == ("carol@example.org", None)
    assert client.get(link).status_code == 400  # once
    ask_for_a_link(mail_app.test_client(), "carol@example.org")  # a confirmed address can reset
    assert smtp.wait(2)[1][1]["Subject"] == "Choose a new password"


def test_registering_with_a_taken_address_tells_its_owner_and_nobody_else(mail_app, smtp):
    taken, free = mail_app.test_client(), mail_app.test_client()
    first = register(taken, "mallory", "alice@example.org")
    second = register(free, "dave", "dave@example.org")
    assert (first.status_code, first.headers["Location"]) == (second.status_code, second.headers["Location"])
    assert addresses(mail_app, "mallory") == (None, "alice@example.org")  # the settings look alike too
    mails = {recipients[0]: message for recipients, message in smtp.wait(2)}
    assert set(mails) == {"alice@example.org", "dave@example.org"}
    warning = mails["alice@example.org"]
    assert warning["Subject"] == "Someone tried to use your address"
    assert not CONFIRM_LINK.search(warning.get_body(("plain",)).get_content())
    assert "alice" in warning.get_body(("plain",)).get_content()
    assert addresses(mail_app, "alice")[0] == "alice@example.org"  # still hers


def test_an_address_confirmed_by_another_account_first_cannot_be_confirmed(mail_app, smtp):
    one, two = mail_app.test_client(), mail_app.test_client()
    register(one, "erin", "shared@example.org")
    register(two, "frank", "shared@example.org")
    links = {message.get_body(("plain",)).get_content().split(",")[0]: confirm_link_in(message)
             for _, message in smtp.wait(2)}  # free when each asked: a link each, whichever came first
    assert one.get(links["Hello erin"]).status_code == 303
    assert two.get(links["Hello frank"]).status_code == 400  # the address is erin's now
    assert addresses(mail_app, "frank")[0] is None


def test_the_link_can_be_sent_again_and_only_the_new_one_works(mail_app, smtp):
    client = mail_app.test_client()
    register(client, "carol", "carol@example.org")
    old = confirm_link_in(smtp.wait(1)[0][1])
    response = post_form(client, "/auth/verify/resend", {})
    assert response.status_code == 303
    new = confirm_link_in(smtp.wait(2)[1][1])
    assert old != new and client.get(old).status_code == 400
    assert client.get(new).status_code == 303


def test_sending_the_link_again_is_rate_limited(make_app, smtp):
    app = make_app(WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port,
                   RATELIMIT_ENABLED=True, CONFIRM_RATE_LIMIT="1 per hour")
    client = app.test_client()
    register(client, "carol", "carol@example.org")
    assert [post_form(client, "/auth/verify/resend", {}).status_code for _ in range(2)] == [303, 429]


def test_changing_the_address_asks_the_password_and_takes_effect_once_confirmed(mail_app, smtp):
    client = mail_app.test_client()
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    wrong = post_form(client, "/edit-profile/email", {"email": "new@example.org", "password": "not it"})
    assert wrong.status_code == 422
    assert "not your password" in soup(wrong).select_one("#password-errors").get_text()
    assert smtp.wait(1, seconds=0.3) == []
    response = post_form(client, "/edit-profile/email", {"email": "new@example.org", "password": PASSWORD})
    assert response.status_code == 303
    assert addresses(mail_app, "alice") == ("alice@example.org", "new@example.org")  # not yet
    [(recipients, message)] = smtp.wait(1)
    assert recipients == ["new@example.org"]
    client.get(confirm_link_in(message))
    assert addresses(mail_app, "alice") == ("new@example.org", None)


@pytest.mark.parametrize("address", ["x@unconfirmed.invalid", "x@localhost"])
def test_a_reserved_domain_is_refused(mail_app, address):
    response = register(mail_app.test_client(), "carol", address)
    assert response.status_code == 422


def test_an_unconfirmed_address_gets_no_reset_link(mail_app, smtp):
    register(mail_app.test_client(), "carol", "carol@example.org")
    smtp.wait(1)
    ask_for_a_link(mail_app.test_client(), "carol@example.org")
    [_, (recipients, note)] = smtp.wait(2)  # the confirmation, then the note
    assert recipients == ["carol@example.org"]
    assert_no_account_note(note)


@pytest.mark.parametrize("token", ["x", "a" * 43])
def test_a_forged_confirmation_link_is_a_clear_page(client, token):
    response = client.get(f"/auth/verify/{token}")
    assert response.status_code == 400
    assert "does not work any more" in soup(response).select_one("h1").get_text()


# ---- Deleting an account ------------------------------------------------------------------------

def signed_in_as(app, username):
    client = app.test_client()
    client.post("/auth/login", data={"username": username, "password": PASSWORD})
    return client


def count(app, statement):
    with app.app_context():
        return db.session.scalar(statement)


def test_deleting_an_account_takes_everything_but_the_other_sides_conversations(app, make_user, add_message):
    from sqlalchemy import func, or_, select

    from webapp.models import Comment, Follow, Notification, NotificationGroup, Post, UserSession

    for name in ("alice", "bob", "carol"):
        make_user(name)
    alice, bob, carol = (signed_in_as(app, name) for name in ("alice", "bob", "carol"))
    alice.post("/", data={"post": "hello from alice, @carol"})
    carol.post("/", data={"post": "carol's post"})
    with app.app_context():
        alices_post = db.session.scalar(select(Post.id).where(Post.body.like("hello%")))
        carols_post = db.session.scalar(select(Post.id).where(Post.body == "carol's post"))
    bob.post(f"/post/{alices_post}", data={"comment": "nice"})
    alice.post(f"/post/{carols_post}", data={"comment": "nice too"})
    bob.post(f"/post/{carols_post}", data={"comment": "agreed"})
    alice.post("/user/carol/follow")
    bob.post("/user/alice/follow")
    carol.post("/user/bob/follow")
    add_message("bob", "alice", "hi alice")
    add_message("alice", "bob", "hi bob")
    alice_id = user_id_of(app, "alice")

    refused = alice.post("/delete-account", data={"password": "not it"})
    assert refused.status_code == 422 and count(app, select(func.count(Post.id))) == 2
    response = alice.post("/delete-account", data={"password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"

    assert count(app, select(func.count(Post.id)).where(Post.user_id == alice_id)) == 0
    assert count(app, select(func.count(Comment.id)).where(Comment.user_id == alice_id)) == 0
    assert count(app, select(func.count()).select_from(Follow).where(
        or_(Follow.follower_id == alice_id, Follow.followed_id == alice_id))) == 0
    assert count(app, select(func.count(Notification.id)).where(
        or_(Notification.actor_id == alice_id, Notification.recipient_id == alice_id))) == 0
    assert count(app, select(func.count(UserSession.id)).where(UserSession.user_id == alice_id)) == 0
    with app.app_context():
        carol_row, bob_row = User.by_username("carol"), User.by_username("bob")
        assert (carol_row.follower_count, bob_row.following_count) == (0, 0)  # alice's follows went
        assert db.session.get(Post, carols_post).comment_count == 1  # bob's comment stays
        groups = {group.group_key: group.count for group in db.session.scalars(
            select(NotificationGroup).where(NotificationGroup.recipient_id == carol_row.id))}
        assert all(not key.startswith("mentioned") for key in groups)  # alice's mention went
        assert groups and all(count_ == 1 for count_ in groups.values())  # bob's comment on carol's post
        assert User.by_username("alice") is None  # the name is free

    assert not signed_in(alice)
    tombstone = f"deleted-{alice_id}"
    inbox = soup(bob.get("/messages"))
    assert "deleted account" in inbox.select_one("li.conversation .conversation-name").get_text()
    page = bob.get(f"/messages/with/{tombstone}")
    assert page.status_code == 200
    bodies = [p.get_text() for p in soup(page).select("#thread .body-text")]
    assert bodies == ["hi alice", "hi bob"]
    assert soup(page).select_one("#reply-form") is None
    assert "deleted account" in soup(page).select_one("h1").get_text()
    assert bob.post(f"/messages/with/{tombstone}", data={"message": "still there?"}).status_code == 404
    assert bob.get(f"/send-message/{tombstone}").status_code == 404
    assert bob.get(f"/user/{tombstone}").status_code == 404
    assert bob.get(f"/user/{tombstone}/popover", headers={"HX-Request": "true"}).status_code == 404
    assert carol.get(f"/messages/with/{tombstone}").status_code == 404  # no conversation with carol

    again = app.test_client().post("/auth/register", data={
        "username": "alice", "email": "alice2@example.org", "password": PASSWORD, "password2": PASSWORD})
    assert again.status_code == 303  # the name is someone else's now
    assert app.test_client().post("/auth/register", data={
        "username": tombstone, "email": "x@example.org", "password": PASSWORD, "password2": PASSWORD}).status_code == 422


def test_deleting_asks_to_be_signed_in(client):
    response = client.get("/delete-account")
    assert response.status_code == 303 and "/auth/login" in response.headers["Location"]


def user_id_of(app, username):
    with app.app_context():
        return User.by_username(username).id
