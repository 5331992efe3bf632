"""A database that is down, restarted or silent: the app's own "try again" answer within seconds,
never a bare 500 or a hang, and recovery by itself when the database returns."""
import os
import threading
import time

import pytest
from sqlalchemy.engine import make_url

from .conftest import HTMX, PASSWORD, soup
from .tcp_proxy import TcpProxy

TRY_AGAIN = "try again in a moment"
BACKGROUND = {"/notifications/badge", "/user/bob/popover"}
# (method, path, htmx?) for each kind of route: pages, fragments, forms, the poll.
ROUTES = [
    ("GET", "/", False), ("GET", "/user/alice", False), ("GET", "/messages", False),
    ("GET", "/messages", True), ("GET", "/user/bob/popover", True), ("POST", "/send-message/bob", True),
    ("POST", "/", False), ("GET", "/notifications/badge", True),
]


def postgresql_url() -> str:
    """The PostgreSQL the suite runs on; these tests need a real server behind the proxy."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("database fault tests need PostgreSQL (set TEST_DATABASE_URL; CI does)")
    return url


@pytest.fixture
def proxy():
    url = make_url(postgresql_url())
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).up()
    yield proxy
    proxy.close()


@pytest.fixture
def sick_app(make_app, proxy):
    """An app whose database is reached through the proxy, with short deadlines."""
    make_app()  # empties the test database once, directly
    url = make_url(postgresql_url()).set(host="127.0.0.1", port=proxy.port)
    app = make_app(SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False), WTF_CSRF_ENABLED=False,
                   DATABASE_CONNECT_TIMEOUT_SECONDS=1, DATABASE_STATEMENT_TIMEOUT_SECONDS=1,
                   DATABASE_POOL_TIMEOUT_SECONDS=1)
    client = app.test_client()
    for name in ("alice", "bob"):
        app.test_client().post("/auth/register", data={"username": name, "email": f"{name}@example.org",
                                                       "password": PASSWORD, "password2": PASSWORD})
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert client.get("/").status_code == 200
    return app, client


def ask(client, method: str, path: str, htmx: bool):
    """One request as a browser (or htmx) would make it, with form data for the POSTs."""
    data = {"message": "hello", "post": "hello"} if method == "POST" else None
    return client.open(path, method=method, data=data, headers=HTMX if htmx else {})


def within(seconds: float, action):
    """Run `action` in a thread; fail (rather than hang the suite) if it takes longer than `seconds`."""
    result, errors = [], []

    def run():
        try:
            result.append(action())
        except BaseException as error:  # handed to the test's thread below
            errors.append(error)

    worker = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(seconds)
    if errors:
        raise errors[0]
    assert result, f"no answer within {seconds} s"
    return result[0], time.monotonic() - started


def assert_try_again(response, htmx: bool, path: str) -> None:
    """The app's own 503: a page, an #alerts fragment, or for background requests (the badge
    poll, a popover) an empty answer that leaves the page as it is."""
    assert response.status_code == 503, (path, response.status_code)
    assert response.headers["Retry-After"]
    if path in BACKGROUND:
        assert response.data == b"" and "HX-Retarget" not in response.headers
    elif htmx:
        assert response.headers["HX-Retarget"] == "#alerts"
        assert TRY_AGAIN in soup(response).select_one("[role=alert]").get_text()
    else:
        assert TRY_AGAIN in soup(response).select_one("main").get_text()


@pytest.mark.parametrize(("method", "path", "htmx"), ROUTES)
def test_a_down_database_gives_the_try_again_answer(sick_app, proxy, method, path, htmx):
    _, client = sick_app
    proxy.down()
    response, elapsed = within(10, lambda: ask(client, method, path, htmx))
    assert_try_again(response, htmx, path)
    assert elapsed < 5


def test_the_app_recovers_by_itself_when_the_database_returns(sick_app, proxy):
    _, client = sick_app
    proxy.down()
    assert client.get("/").status_code == 503
    proxy.up()
    assert client.get("/").status_code == 200
    assert client.get("/notifications/badge", headers=HTMX).status_code == 200


def test_a_restart_is_invisible_stale_connections_are_replaced(sick_app, proxy):
    app, client = sick_app
    others = [app.test_client() for _ in range(3)]
    for other in others:  # fill the pool with several connections
        other.post("/auth/login", data={"username": "bob", "password": PASSWORD})
    proxy.restart()
    time.sleep(0.05)  # the server's goodbye reaches the pooled sockets (loopback: at once)
    statuses = [c.get(path).status_code for c in [client, *others] for path in ("/", "/messages")]
    assert statuses == [200] * len(statuses)


def test_a_silent_database_fails_in_seconds_not_minutes(sick_app, proxy):
    _, client = sick_app
    proxy.silence()
    response, elapsed = within(15, lambda: client.get("/messages"))
    assert_try_again(response, False, "/messages")
    assert elapsed < 6
    proxy.up()
    assert client.get("/messages").status_code == 200


def test_an_unreachable_sqlite_file_is_a_503_page_too(make_app, tmp_path):
    make_app()  # the test database, emptied as usual
    missing = tmp_path / "no-such-folder" / "db.sqlite"
    down = make_app(WTF_CSRF_ENABLED=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    response = down.test_client().post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 503
    assert TRY_AGAIN in soup(response).select_one("main").get_text()
    assert soup(response).select_one("#unread-badge") is None
