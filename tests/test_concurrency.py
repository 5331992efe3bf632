"""No message lost or miscounted when people write at the same moment (and no clock, cursor or
bookmark can make a page count as read what it did not show).

Concurrency runs through threads, each with its own test client, against the test's database:
a fresh SQLite file, or PostgreSQL under TEST_DATABASE_URL.
"""
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp import models
from webapp.extensions import db
from webapp.models import Message, Participant, User, utcnow

from .conftest import HTMX, PASSWORD, seed_user, soup


def signed_in(app, username: str):
    """A test client of its own, signed in as `username`."""
    client = app.test_client()
    client.post("/auth/login", data={"username": username, "password": PASSWORD})
    return client


def at_once(*actions, timeout: float = 60) -> list:
    """Run the actions in threads released together; their results (or exceptions), in order."""
    start = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        start.wait()
        try:
            results[index] = action()
        except Exception as error:  # reported by the caller's assertions
            results[index] = error

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results


def stored(app) -> list[tuple[str, str, str]]:
    """Every stored message as (sender, recipient, body), in the order of their ids."""
    with app.app_context():
        return [(m.sender.username, m.recipient.username, m.body)
                for m in db.session.scalars(select(Message).order_by(Message.id))]


def unread(app, username: str) -> int:
    with app.app_context():
        return Participant.unread_count_of(User.by_username(username), 10_000)


def thread_bodies(response) -> list[str]:
    return [node.get_text() for node in soup(response).select("#thread-items .body-text")]


# 1. Two first messages at once

def test_two_first_messages_at_once_are_both_stored(make_app):
    """Pairs who never wrote to each other send each other a first message at the same instant
    (one through the send form, the other through the conversation's reply form): both are stored
    in one conversation, and both senders are told so."""
    app = make_app(WTF_CSRF_ENABLED=False)
    pairs = [(f"ann{index}", f"ben{index}") for index in range(8)]
    for one, other in pairs:
        seed_user(app, one)
        seed_user(app, other)
    for one, other in pairs:
        first, second = signed_in(app, one), signed_in(app, other)
        statuses = at_once(
            lambda: first.post(f"/send-message/{other}", data={"message": f"{one} first"}).status_code,
            lambda: second.post(f"/messages/with/{one}", data={"message": f"{other} first"}).status_code)
        assert statuses == [303, 303], (one, other, statuses)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(models.Conversation)) == len(pairs)
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 2 * len(pairs)
    assert len(stored(app)) == 2 * len(pairs)


def test_a_double_submit_storm_on_a_first_message_stores_it_once_and_says_so(make_app):
    """The same first message sent four times at once (a double click, a retry): one message,
    and every answer says it was sent."""
    app = make_app(WTF_CSRF_ENABLED=False)
    for name in ("ann", "ben"):
        seed_user(app, name)
    clients = [signed_in(app, "ann") for _ in range(4)]
    data = {"message": "once", "submission_token": "ab" * 16}
    statuses = at_once(*[lambda client=client: client.post("/send-message/ben", data=data).status_code
                         for client in clients])
    assert statuses == [303] * 4
    assert stored(app) == [("ann", "ben", "once")]


def test_a_recipient_deleted_while_the_message_is_sent_is_a_clear_error(client, app, alice, monkeypatch):
    """Not a lost message that passes for a mistyped address: the answer says what happened."""
    send_once = Message.send_once.__func__

    def deleted_meanwhile(cls, sender, recipient, body, token):
        with app.app_context():  # another request, on its own connection, deletes bob first
            db.session.delete(db.session.get(User, recipient.id))
            db.session.commit()
        return send_once(cls, sender, recipient, body, token)

    monkeypatch.setattr(Message, "send_once", classmethod(deleted_meanwhile))
    response = client.post("/send-message/bob", data={"message": "still there?"}, headers=HTMX)
    assert response.status_code == 404 and response.headers["HX-Retarget"] == "#alerts"
    assert "bob's account no longer exists: your message was not sent" in soup(response).get_text()
    assert stored(app) == []


# 2. One order for a conversation, whatever the clock says

def test_a_clock_that_steps_back_changes_no_order_and_no_count(client, app, alice, add_message, monkeypatch):
    """The server's clock is set back a minute (NTP, a VM resumed) between two messages: the
    conversation still shows them in the order they were stored, the second one as new, and
    reading it leaves nothing unread."""
    add_message("bob", "alice", "before the step")
    client.get("/messages/with/bob")  # read
    earlier = utcnow() - timedelta(minutes=1)
    monkeypatch.setattr(models.conversations, "utcnow", lambda: earlier)
    add_message("bob", "alice", "after the step")
    assert unread(app, "alice") == 1
    page = client.get("/messages/with/bob")
    assert thread_bodies(page) == ["before the step", "after the step"]
    assert [n.select_one(".body-text").get_text() for n in soup(page).select("li.message-new")] == ["after the step"]
    assert unread(app, "alice") == 0


def test_times_follow_the_order_messages_are_stored_in(make_app):
    """On SQLite: while another writer holds the database, two messages wait; whichever gets the
    lock first is first, and its time is never later than the next one's."""
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock; PostgreSQL locks the conversation's rows (the storm test below)")
        path = db.engine.url.database
    for name in ("reader", "early", "late"):
        seed_user(app, name)
    senders = {name: signed_in(app, name) for name in ("early", "late")}
    for round_ in range(3):
        blocker = sqlite3.connect(path, timeout=10)
        blocker.execute("BEGIN IMMEDIATE")
        threads = []
        for name in ("early", "late"):
            body = f"{name} {round_}"
            threads.append(threading.Thread(target=senders[name].post, args=("/send-message/reader",),
                                            kwargs={"data": {"message": body}}))
            threads[-1].start()
            time.sleep(0.3)  # the second sender arrives later, by the clock
        blocker.rollback()
        blocker.close()
        for thread in threads:
            thread.join(30)
    with app.app_context():
        rows = db.session.execute(select(Message.id, Message.timestamp).order_by(Message.id)).all()
    assert len(rows) == 6
    times = [row.timestamp for row in rows]
    assert times == sorted(times), "a message stored later never shows an earlier time"


def test_a_storm_of_senders_and_a_polling_reader_lose_nothing_and_count_exactly(make_app):
    """Four people write to one reader while the reader's open conversations poll: every message
    stored once, shown as new at most once, and the unread counts exact at the end."""
    app = make_app(WTF_CSRF_ENABLED=False)
    senders = [f"sender{index}" for index in range(4)]
    for name in ["reader", *senders]:
        seed_user(app, name)
    per_sender = 20
    reader = signed_in(app, "reader")
    clients = {name: signed_in(app, name) for name in senders}

    def send(name):
        statuses = [clients[name].post("/send-message/reader", data={"message": f"{name}-{index}"}).status_code
                    for index in range(per_sender)]
        return statuses

    def read():
        shown = []
        for _ in range(15):
            for name in senders:
                page = soup(reader.get(f"/messages/with/{name}"))
                shown.extend(item.select_one(".body-text").get_text() for item in page.select("li.message-new"))
        return shown

    *statuses, shown_new = at_once(*[lambda name=name: send(name) for name in senders], read, timeout=180)
    assert all(codes == [303] * per_sender for codes in statuses), statuses
    bodies = [body for _, _, body in stored(app)]
    assert sorted(bodies) == sorted(f"{name}-{index}" for name in senders for index in range(per_sender))
    assert len(shown_new) == len(set(shown_new)), "no message is shown as new twice"
    with app.app_context():
        ordered = db.session.execute(select(Message.conversation_id, Message.id, Message.timestamp)
                                     .order_by(Message.conversation_id, Message.id)).all()
    for previous, following in zip(ordered, ordered[1:]):
        if previous.conversation_id == following.conversation_id:
            assert previous.timestamp <= following.timestamp, "times follow the order of storing"
    assert len(shown_new) + unread(app, "reader") == len(bodies), "shown as new once, or still unread"


# 3. A page or poll counts as read only what it showed, contiguous with what was read

@pytest.fixture
def twelve_unread(app, alice, add_message):
    """Twelve messages from bob to alice, none read, pages of five; their ids, oldest first."""
    app.config["MESSAGES_PER_PAGE"] = 5
    start = utcnow() - timedelta(hours=1)
    return [add_message("bob", "alice", f"m{index}", timestamp=start + timedelta(minutes=index))
            for index in range(12)]


def cursor_of(app, message_id: int) -> str:
    """The cursor a thread's pager would put in a URL for this message."""
    with app.app_context():
        row = db.session.execute(select(Message.id, Message.timestamp).where(Message.id == message_id)).one()
        return models.thread_keyset().cursor_of(row).encode()


def test_a_poll_after_a_cursor_past_the_marker_counts_nothing(client, app, twelve_unread):
    ids = twelve_unread
    response = client.get(f"/messages/with/bob/updates?after={cursor_of(app, ids[9])}", headers=HTMX)
    assert thread_bodies_of_update(response) == ["m10", "m11"]
    assert unread(app, "alice") == 12, "m0 to m9 were never shown"


def thread_bodies_of_update(response) -> list[str]:
    return [node.get_text() for node in soup(response).select(".thread-message .body-text")]


def test_a_page_after_a_cursor_past_the_marker_shows_but_counts_nothing(client, app, twelve_unread):
    ids = twelve_unread
    page = client.get(f"/messages/with/bob?after={cursor_of(app, ids[2])}")
    assert thread_bodies(page) == ["m3", "m4", "m5", "m6", "m7"]
    assert unread(app, "alice") == 12
    # Opened at the marker: the first five; then the page right after them counts too.
    first = soup(client.get("/messages/with/bob"))
    assert unread(app, "alice") == 7
    client.get(first.select_one("#thread a[rel=prev]")["href"])
    assert unread(app, "alice") == 2


def test_an_older_page_past_the_marker_counts_nothing(client, app, twelve_unread):
    ids = twelve_unread
    page = client.get(f"/messages/with/bob?before={cursor_of(app, ids[11])}")
    assert thread_bodies(page) == ["m6", "m7", "m8", "m9", "m10"]
    assert unread(app, "alice") == 12, "m0 to m5 were never shown"
    page = client.get(f"/messages/with/bob?before={cursor_of(app, ids[5])}")
    assert thread_bodies(page) == ["m0", "m1", "m2", "m3", "m4"]
    assert unread(app, "alice") == 7, "the first page of the conversation reaches back to its start"


def test_a_page_that_reaches_back_to_the_marker_counts(client, app, twelve_unread):
    ids = twelve_unread
    client.get("/messages/with/bob")  # m0-m4 read
    page = client.get(f"/messages/with/bob?before={cursor_of(app, ids[10])}")
    assert thread_bodies(page) == ["m5", "m6", "m7", "m8", "m9"]
    assert unread(app, "alice") == 2
