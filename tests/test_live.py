"""Live updates: which doorbells each event rings (exactly the people concerned), the event stream
(its headers, keep-alive, end with its session), and the brokers, in process and through Redis."""
import os
import time

import pytest

from webapp import doorbells
from webapp.doorbells import CLOSED, EXTENSION_KEY, LocalBroker, RedisBroker, ring_after_commit
from webapp.extensions import db
from webapp.models import User

from .conftest import AuthActions, seed_follow, seed_post, seed_user, soup

STREAM = {"Accept": "text/event-stream"}
HTMX = {"HX-Request": "true"}


class RecordingBroker(LocalBroker):
    """The in-process broker, keeping what was published (who, which doorbell)."""

    def __init__(self):
        super().__init__()
        self.rung = []

    def publish(self, user_ids, doorbell):
        self.rung.append((frozenset(user_ids), doorbell))
        super().publish(user_ids, doorbell)


@pytest.fixture
def rung(app):
    """The doorbells published from here on, as (user names, doorbell) pairs."""
    broker = app.extensions[EXTENSION_KEY] = RecordingBroker()

    def names():
        with app.app_context():
            by_id = dict(db.session.execute(db.select(User.id, User.username)).all())
        return [(frozenset(by_id[user_id] for user_id in user_ids), doorbell) for user_ids, doorbell in broker.rung]

    names.clear = broker.rung.clear
    return names


def user_id(app, username):
    with app.app_context():
        return User.by_username(username).id


def people(*names):
    return frozenset(names)


# ---- Who is told of what --------------------------------------------------------------------

def test_a_message_rings_the_recipients_badge_and_both_open_conversations(app, client, alice, rung):
    client.post("/messages/with/bob", data={"message": "hi"}, headers=HTMX)
    alice_id, bob_id = user_id(app, "alice"), user_id(app, "bob")
    assert rung() == [(people("bob"), "counts"), (people("bob"), f"conversation-{alice_id}"),
                      (people("alice"), f"conversation-{bob_id}")]


def test_reading_rings_the_readers_own_counts_only(app, client, alice, add_message, rung):
    add_message("bob", "alice", "hello")
    rung.clear()
    client.get("/messages/with/bob")
    assert rung() == [(people("alice"), "counts")]
    rung.clear()
    client.get("/messages/with/bob")  # nothing new was read: nothing rings
    assert rung() == []


def test_a_follow_rings_the_bell_of_the_person_followed(app, client, alice, rung):
    client.post("/user/bob/follow", headers=HTMX)
    assert rung() == [(people("bob"), "counts")]
    rung.clear()
    client.post("/user/bob/follow", headers=HTMX)  # following twice is one follow: one notification
    assert rung() == []
    client.post("/user/bob/unfollow", headers=HTMX)  # its notification is taken back
    assert rung() == [(people("bob"), "counts")]


def test_a_post_rings_the_timelines_of_the_authors_followers_only(app, client, alice, make_user, rung):
    make_user("carol")
    make_user("dave")
    seed_follow(app, "bob", "alice")
    seed_follow(app, "carol", "alice")
    rung.clear()
    client.post("/", data={"post": "news"}, headers=HTMX)
    assert rung() == [(people("bob", "carol"), "timeline")]


def test_a_comment_and_a_mention_ring_the_bells_of_those_told(app, client, alice, make_user, rung):
    make_user("carol")
    post_id = seed_post(app, "bob", "my post")
    rung.clear()
    client.post(f"/post/{post_id}", data={"comment": "nice, @carol"}, headers=HTMX)
    assert set(rung()) == {(people("bob"), "counts"), (people("carol"), "counts")} and len(rung()) == 2


def test_a_kind_switched_off_rings_nothing(app, client, alice, make_user, rung):
    with app.app_context():
        bob = User.by_username("bob")
        bob.notify_followed = False
        db.session.commit()
    client.post("/user/bob/follow", headers=HTMX)
    assert rung() == []


def test_reading_notifications_rings_the_readers_counts(app, client, alice, rung):
    seed_follow(app, "bob", "alice")
    rung.clear()
    client.get("/notifications")
    assert rung() == [(people("alice"), "counts")]


def test_a_rolled_back_transaction_rings_nothing(app, rung):
    seed_user(app, "erin")
    rung.clear()
    with app.test_request_context():
        erin = User.by_username("erin")
        erin.about_me = "changed"
        ring_after_commit([erin.id], "timeline")
        db.session.rollback()
        db.session.commit()  # a later commit does not ring what the rollback dropped
    assert rung() == []


def test_a_queued_doorbell_rings_only_once_committed(app, rung):
    seed_user(app, "erin")
    rung.clear()
    with app.test_request_context():
        erin = User.by_username("erin")
        erin.about_me = "changed"
        ring_after_commit([erin.id], "timeline")
        assert rung() == []
        db.session.commit()
    assert rung() == [(people("erin"), "timeline")]


def test_ending_a_session_rings_its_persons_streams(app, client, alice, rung):
    AuthActions(client).logout()
    assert rung() == [(people("alice"), doorbells.SESSIONS)]


# ---- The stream -----------------------------------------------------------------------------

@pytest.fixture
def live_app(make_app):
    """An app whose streams say "still here" every 0.2 s, so a test reads them without waiting."""
    return make_app(WTF_CSRF_ENABLED=False, LIVE_KEEPALIVE_SECONDS=0.2)


def open_stream(client):
    """GET /events, unbuffered: the response and an iterator over its chunks (text)."""
    response = client.get("/events", headers=STREAM, buffered=False)
    assert response.status_code == 200, response.status_code
    return response, (chunk.decode() if isinstance(chunk, bytes) else chunk for chunk in response.response)


def next_doorbell(chunks):
    """The next doorbell's name in the stream, skipping keep-alives; None when the stream ended."""
    for chunk in chunks:
        if chunk.startswith("data: "):
            return chunk[len("data: "):].strip()
    return None


def signed_in_client(app, username):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def test_the_stream_starts_at_once_and_says_still_here(live_app):
    seed_user(live_app, "alice")
    response, chunks = open_stream(signed_in_client(live_app, "alice"))
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert "Content-Encoding" not in response.headers
    first = next(chunks)
    assert first.startswith("retry: ") and ": connected\n\n" in first
    started = time.monotonic()
    assert next(chunks) == ": keepalive\n\n"
    assert time.monotonic() - started < 2
    response.close()


def test_the_stream_carries_the_persons_doorbells_and_no_one_elses(live_app):
    alice_id, bob_id = seed_user(live_app, "alice"), seed_user(live_app, "bob")
    response, chunks = open_stream(signed_in_client(live_app, "alice"))
    next(chunks)
    broker = live_app.extensions[EXTENSION_KEY]
    broker.publish([bob_id], "counts")
    broker.publish([alice_id, bob_id], "timeline")
    assert next_doorbell(chunks) == "timeline"
    response.close()
    assert broker.stream_count() == 0  # a closed stream lets go of its subscription


def test_a_message_reaches_the_recipients_stream(live_app):
    seed_user(live_app, "alice")
    alice_id = user_id(live_app, "alice")
    seed_user(live_app, "bob")
    response, chunks = open_stream(signed_in_client(live_app, "bob"))
    next(chunks)
    signed_in_client(live_app, "alice").post("/messages/with/bob", data={"message": "hi"})
    assert next_doorbell(chunks) == "counts"
    assert next_doorbell(chunks) == f"conversation-{alice_id}"
    response.close()


def test_the_stream_ends_at_logout(live_app):
    seed_user(live_app, "alice")
    client = signed_in_client(live_app, "alice")
    response, chunks = open_stream(client)
    next(chunks)
    AuthActions(client).logout()
    assert next_doorbell(chunks) is None  # the stream ended
    assert client.get("/events", headers=STREAM).status_code == 401


def test_the_stream_ends_when_its_session_is_signed_out_elsewhere(live_app):
    seed_user(live_app, "alice")
    phone, laptop = signed_in_client(live_app, "alice"), signed_in_client(live_app, "alice")
    phone_stream, phone_chunks = open_stream(phone)
    laptop_stream, laptop_chunks = open_stream(laptop)
    next(phone_chunks), next(laptop_chunks)
    laptop.post("/auth/sessions/end-others")
    assert next_doorbell(phone_chunks) is None  # the phone's session ended: its stream too
    live_app.extensions[EXTENSION_KEY].publish([user_id(live_app, "alice")], "counts")
    assert next_doorbell(laptop_chunks) == "counts"  # the laptop's lives on
    laptop_stream.close()


def test_a_revoked_cookie_is_refused_at_connect(live_app):
    seed_user(live_app, "alice")
    client = signed_in_client(live_app, "alice")
    signed_in_client(live_app, "alice").post("/auth/sessions/end-others")
    response = client.get("/events", headers=STREAM)
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/auth/login"


def test_a_visitor_gets_401_with_the_way_to_log_in(client):
    response = client.get("/events", headers=STREAM)
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/auth/login"


def test_a_broker_that_cannot_deliver_refuses_streams_with_503(live_app):
    seed_user(live_app, "alice")

    class Unready(LocalBroker):
        def ready(self):
            return False

    live_app.extensions[EXTENSION_KEY] = Unready()
    response = signed_in_client(live_app, "alice").get("/events", headers=STREAM)
    assert response.status_code == 503 and response.headers["Retry-After"]


def test_pages_connect_to_the_stream_only_when_signed_in_and_live(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    seed_user(app, "alice")
    client = signed_in_client(app, "alice")
    body = soup(client.get("/")).body
    assert body["hx-ext"] == "sse" and body["sse-connect"] == "/events"
    assert "sse-connect" not in soup(app.test_client().get("/auth/login")).body.attrs
    app.config["LIVE_UPDATES"] = False
    assert "sse-connect" not in soup(client.get("/")).body.attrs


# ---- The brokers ----------------------------------------------------------------------------

def test_the_local_broker_fans_out_to_every_stream_of_a_person():
    broker = LocalBroker()
    first, second, other = broker.subscribe(1), broker.subscribe(1), broker.subscribe(2)
    broker.publish([1], "counts")
    assert first.get(0.1) == "counts" and second.get(0.1) == "counts" and other.get(0.01) is None
    first.close()
    assert broker.stream_count() == 2
    broker.close_all()
    assert second.get(0.1) is CLOSED and other.get(0.1) is CLOSED


def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to test the Redis broker")
    return url


def test_the_redis_broker_carries_doorbells_between_processes():
    url = redis_url()
    channel = f"test:doorbells:{os.getpid()}:{time.monotonic_ns()}"
    worker_one, worker_two = RedisBroker(url, channel), RedisBroker(url, channel)
    assert worker_one.ready() and worker_two.ready()
    mine, theirs = worker_two.subscribe(7), worker_two.subscribe(8)
    worker_one.publish([7], "counts")
    assert mine.get(2) == "counts"
    assert theirs.get(0.2) is None


def test_a_redis_outage_ends_the_streams_and_push_resumes_when_it_returns(own_redis):
    broker = RedisBroker(own_redis.url, "doorbells")
    assert broker.ready()
    stream = broker.subscribe(1)
    own_redis.stop()
    assert stream.get(5) is CLOSED  # its page polls until it reconnects
    assert not broker.ready()
    broker.publish([1], "counts")  # dropped at once, without waiting on a server that is away
    own_redis.start()
    deadline = time.monotonic() + 20
    while not broker.ready() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert broker.ready()
    again = broker.subscribe(1)
    RedisBroker(own_redis.url, "doorbells").publish([1], "counts")
    assert again.get(2) == "counts"
