"""Live updates across hosts: two app servers (gunicorn with gevent workers, as in production) on
two ports, sharing the test database and a Redis of the test's own. A message sent through one
server reaches a stream held by the other within a second; with Redis stopped, the streams end,
the pages' polls still see everything, and push resumes by itself once Redis is back. Also: under
gevent, the database driver waits cooperatively (checked, not assumed)."""
import http.client
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import PASSWORD, database_url_for, free_port, seed_user

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def gunicorn() -> list[str]:
    script = Path(sys.executable).parent / "gunicorn"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]


class AppServer:
    """gunicorn with one gevent worker on a free port, serving create_app() with `env`."""

    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            gunicorn() + ["--worker-class", "gevent", "--workers", "1", "--bind", f"{HOST}:{self.port}",
                          "--graceful-timeout", "1", "--no-control-socket", "--error-logfile", str(log),
                          "webapp:create_app()"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log.read_text()
            try:
                if Person(self).get("/auth/login").status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


class Person:
    """A browser of one person on one server: cookies kept, the CSRF token read off pages."""

    def __init__(self, server: AppServer):
        self.server, self.cookies, self.csrf = server, {}, None

    def request(self, method, path, body=None, headers=None) -> Response:
        connection = http.client.HTTPConnection(HOST, self.server.port, timeout=10)
        try:
            headers = dict(headers or {})
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            self.keep_cookies(raw.headers.get_all("Set-Cookie") or [])
            text = raw.read().decode()
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
            if token:
                self.csrf = token.group(1)
            return Response(raw.status, raw.headers, text)
        finally:
            connection.close()

    def keep_cookies(self, lines):
        for line in lines:
            name, _, rest = line.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]

    def get(self, path, **headers):
        return self.request("GET", path, headers=headers)

    def post(self, path, fields: dict):
        from urllib.parse import urlencode

        return self.request("POST", path, body=urlencode({**fields, "csrf_token": self.csrf}))

    def log_in(self, username):
        self.get("/auth/login")
        assert self.post("/auth/login", {"username": username, "password": PASSWORD}).status == 303
        return self

    def badge(self) -> str:
        return self.get("/notifications/badge?shown=-1&shown_notifications=-1", **{"HX-Request": "true"}).body

    def stream(self) -> "Stream":
        return Stream(self)


class Stream:
    """An open /events stream, read by a thread into a queue of its lines; None marks its end."""

    def __init__(self, person: Person):
        self.connection = http.client.HTTPConnection(HOST, person.server.port, timeout=60)
        cookie = "; ".join(f"{name}={value}" for name, value in person.cookies.items())
        self.connection.request("GET", "/events", headers={"Accept": "text/event-stream", "Cookie": cookie})
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.lines: queue.Queue = queue.Queue()
        if self.status == 200:
            threading.Thread(target=self.read, daemon=True).start()
        else:
            self.response.read()
            self.close()

    def read(self):
        try:
            for line in self.response:
                self.lines.put(line.decode().rstrip("\n"))
        except (OSError, AttributeError, ValueError):  # closed, by the server or by the test
            pass
        self.lines.put(None)

    def doorbells_within(self, seconds: float, count: int) -> list[str]:
        """The next `count` doorbells, waiting at most `seconds` in all."""
        found, deadline = [], time.monotonic() + seconds
        while len(found) < count:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            assert line is not None, "the stream ended"
            if line.startswith("data: "):
                found.append(line[len("data: "):])
        return found

    def ends_within(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self.lines.get(timeout=max(0.01, deadline - time.monotonic())) is None:
                    return True
            except queue.Empty:
                return False
        return False

    def close(self):
        self.connection.close()


@pytest.fixture
def two_servers(make_app, own_redis, tmp_path):
    """Server one and server two on one database and one Redis; alice and bob exist."""
    app = make_app()  # the schema, afresh
    ids = {name: seed_user(app, name) for name in ("alice", "bob")}
    env = {**os.environ, "DATABASE_URL": database_url_for(tmp_path), "SECRET_KEY": "shared-by-both-hosts",
           "REDIS_URL": own_redis.url, "RATELIMIT_ENABLED": "false", "INSTANCE_PATH": str(tmp_path)}
    servers = []
    try:
        for number in (1, 2):
            servers.append(AppServer(env, tmp_path / f"server{number}.log"))
        yield servers[0], servers[1], ids
    finally:
        for server in servers:
            server.stop()


def test_a_message_through_one_server_reaches_a_stream_on_the_other(two_servers, own_redis):
    one, two, ids = two_servers
    alice, bob = Person(one).log_in("alice"), Person(two).log_in("bob")
    alice.get("/messages/with/bob")
    stream = bob.stream()
    assert stream.status == 200
    alice.post("/messages/with/bob", {"message": "across hosts"})
    assert stream.doorbells_within(1.0, 2) == ["counts", f"conversation-{ids['alice']}"]
    assert "1<span" in bob.badge()

    own_redis.stop()  # an outage: streams end, their pages poll, nothing is lost
    assert stream.ends_within(10)
    stream.close()
    assert bob.stream().status == 503
    assert alice.post("/messages/with/bob", {"message": "while Redis was away"}).status == 303
    assert "2<span" in bob.badge()

    own_redis.start()  # push resumes by itself
    deadline = time.monotonic() + 30
    stream = bob.stream()
    while stream.status != 200 and time.monotonic() < deadline:  # the worker resubscribes, with backoff
        time.sleep(0.5)
        stream = bob.stream()
    assert stream.status == 200
    alice.post("/messages/with/bob", {"message": "and back"})
    assert stream.doorbells_within(1.0, 2) == ["counts", f"conversation-{ids['alice']}"]
    stream.close()


COOPERATIVE_QUERIES = """
from gevent import monkey
monkey.patch_all()
import sys, time, gevent
from sqlalchemy import text
from config import TestConfig
from webapp import create_app
from webapp.extensions import db

app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=sys.argv[1])

def sleep_in_the_database():
    with app.app_context():
        db.session.execute(text("SELECT pg_sleep(0.5)"))

started = time.monotonic()
gevent.joinall([gevent.spawn(sleep_in_the_database) for _ in range(4)], raise_error=True)
print(round(time.monotonic() - started, 2))
"""


def test_under_gevent_database_waits_let_other_requests_run():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL): SQLite has no network wait to share")
    result = subprocess.run([sys.executable, "-c", COOPERATIVE_QUERIES, url], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 1.5  # four half-second queries at once, not one after another (2 s)
