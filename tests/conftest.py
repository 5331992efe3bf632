"""Fixtures in flaskr's style: a fresh database per test, a client, and an auth helper.

The suite runs on a fresh SQLite file per test by default, and on PostgreSQL when
TEST_DATABASE_URL is set (the tables are then emptied between tests).
"""
import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event, func, select, text

from config import TestConfig
from webapp import create_app
from webapp.extensions import db
from webapp.mail import wait_until_sent
from webapp.models import Message, Post, User
from webapp.passwords import hash_password

PASSWORD = "correct horse battery"
HTMX = {"HX-Request": "true"}


def database_url_for(tmp_path) -> str:
    """PostgreSQL from TEST_DATABASE_URL, else a new SQLite file for this test."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite'}"


# Whether this test session has built PostgreSQL's schema afresh: a database kept from an earlier
# run may hold the tables of older models, which create_all would leave as they were.
_fresh_postgresql_schema = False


def reset_database() -> None:
    """Give the test an empty schema: recreate SQLite's, empty PostgreSQL's tables (rebuilt from
    the models once per test session)."""
    global _fresh_postgresql_schema
    if db.engine.dialect.name == "postgresql":
        if not _fresh_postgresql_schema:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            _fresh_postgresql_schema = True
        db.create_all()
        tables = ", ".join(table.name for table in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
    else:
        db.drop_all()
        db.create_all()


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """Build apps on this test's one fresh database, TestConfig plus `overrides`; all are closed
    at the end. The database is emptied once, when the first app is made. Their instance folder
    (where mail is kept by default) is the test's own."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    apps = []

    def make(**overrides):
        app = create_app(TestConfig, **{"SQLALCHEMY_DATABASE_URI": database_url_for(tmp_path), **overrides})
        if not apps:
            with app.app_context():
                reset_database()
        apps.append(app)
        return app

    yield make
    for app in apps:
        wait_until_sent(app)  # a mail being made may still use the database
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """The app with CSRF off for brevity (tests/test_security.py checks it on)."""
    return make_app(WTF_CSRF_ENABLED=False)


@pytest.fixture
def client(app):
    return app.test_client()


# Seed helpers: rows stored straight in the database, for the fixtures below and the browser tests.

def seed_user(app, username: str, password: str = PASSWORD, about_me: str = "") -> int:
    """Create a user; returns its id."""
    with app.app_context():
        user = User(username=username, email=f"{username.lower()}@example.org",
                    password_hash=hash_password(password), about_me=about_me)
        db.session.add(user)
        db.session.commit()
        return user.id


def seed_message(app, sender: str, recipient: str, body: str = "hello", timestamp=None) -> int:
    """Store a message between two usernames, optionally at a given moment; returns its id."""
    with app.app_context():
        message = Message.deliver(User.by_username(sender), User.by_username(recipient), body, timestamp=timestamp)
        return message.id


def post_counts(app) -> dict[str, tuple[int, int]]:
    """Each user's stored post count beside the number of their posts, by username."""
    with app.app_context():
        counted = select(func.count(Post.id)).where(Post.user_id == User.id).scalar_subquery()
        return {name: (stored, actual) for name, stored, actual
                in db.session.execute(select(User.username, User.post_count, counted))}


def seed_post(app, author: str, body: str = "a post", timestamp=None) -> int:
    """Store a post by a username, optionally at a given moment; returns its id."""
    with app.app_context():
        return Post.publish(User.by_username(author), body, timestamp=timestamp).id


def seed_follow(app, follower: str, followed: str) -> None:
    """One username follows another, as the Follow button would do it."""
    from webapp.models import Follow

    with app.app_context():
        Follow.start(User.by_username(follower), User.by_username(followed))


@pytest.fixture
def make_user(app):
    """seed_user bound to this test's app."""
    return lambda username, password=PASSWORD, about_me="": seed_user(app, username, password, about_me)


@pytest.fixture
def add_message(app):
    """seed_message bound to this test's app."""
    return lambda sender, recipient, body="hello", timestamp=None: seed_message(app, sender, recipient, body, timestamp)


@pytest.fixture
def add_post(app):
    """seed_post bound to this test's app."""
    return lambda author, body="a post", timestamp=None: seed_post(app, author, body, timestamp)


class AuthActions:
    """Log in and out through the real routes, as flaskr's tests do."""

    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = PASSWORD, **extra):
        return self._client.post("/auth/login", data={"username": username, "password": password, **extra})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def alice(make_user, auth):
    """A signed-in user, alice, and another user, bob, to talk to."""
    make_user("alice")
    make_user("bob")
    auth.login("alice")
    return "alice"


def soup(response) -> BeautifulSoup:
    """Parse a response body for selector assertions."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def is_fragment(response) -> bool:
    """A fragment has no document around it."""
    page = soup(response)
    return page.find("html") is None and page.find("body") is None


@pytest.fixture
def sql_statements(app):
    """Record the SQL statements run inside a `with sql_statements() as statements:` block."""

    @contextmanager
    def record():
        statements: list[str] = []

        def before_execute(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before_execute)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before_execute)

    return record


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A Redis server of the test's own, on a free port of 127.0.0.1, that the test can stop and start."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=5)


@pytest.fixture
def own_redis():
    """A Redis of the test's own (it may stop and start it); required in CI, where Redis is installed."""
    if not shutil.which("redis-server"):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()
