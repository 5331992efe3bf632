"""The browser harness: the app served on 127.0.0.1, Playwright driving Debian's Chromium.

Chromium is found at CHROMIUM_PATH, else as `chromium` on the PATH. Without it these tests
skip with the reason, except under CI (CI=true), where a browser test that cannot run fails.
"""
import email
import os
import re
import shutil
import threading
import time
from contextlib import contextmanager
from email import policy
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ..conftest import PASSWORD

# Error answers a test provokes on purpose are logged by Chromium and by htmx; nothing else may be.
EXPECTED_ERROR_LOG = re.compile(r"status of (4\d\d|50[234])|Response Status Error Code (4\d\d|50[234])")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    """Every test in this folder is a browser test."""
    for item in items:
        if "/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    """Debian's Chromium, or the one CHROMIUM_PATH names."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def cannot_run(reason: str):
    """Skip for a newcomer; fail in CI, where the browser tests are required."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests are required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        cannot_run("no Chromium found (install Debian's `chromium` or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        cannot_run("Playwright for Python is not installed")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        except Exception as error:  # the launch error says what is wrong with the browser
            cannot_run(f"Chromium would not start: {error}")
        yield chromium
        chromium.close()


class LiveServer:
    """The app served by werkzeug in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(make_app, request):
    """A live server with its own fresh database, CSRF on, a one-second badge poll; a test changes
    its settings with @pytest.mark.parametrize("live_server", [{...}], indirect=True)."""
    server = LiveServer(make_app(**{"NOTIFICATION_POLL_SECONDS": 1, **getattr(request, "param", {})}))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (JS on or off); check each for CSP and third-party traffic."""
    contexts = []

    def open_page(javascript: bool = True):
        context = browser.new_context(java_script_enabled=javascript, base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        context.on("page", watch)  # every tab of the context, also those a test opens itself
        return context.new_page()

    def watch(page):
        page.problems = []
        page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on("request", lambda request: request.url.startswith(live_server.url)
                or page.problems.append(f"third-party request: {request.url}"))

    yield open_page
    for context in contexts:
        for page in context.pages:
            real = [p for p in page.problems if not EXPECTED_ERROR_LOG.search(p)]
            assert real == [], real
        context.close()


@contextmanager
def no_page_load(page):
    """Assert that what happens inside the block does not reload or navigate the page."""
    page.evaluate("window.__sameDocument = true")
    yield
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def register_and_login(page, username: str, password: str = PASSWORD, register: bool = True):
    """Register through the form, which signs the new person in; or, when `register` is false (an
    account that exists), log in through the form (both work with JS on or off)."""
    if register:
        page.goto("/auth/register")
        page.fill("input[name=username]", username)
        page.fill("input[name=email]", f"{username}@example.org")
        page.fill("input[name=password]", password)
        page.fill("input[name=password2]", password)
        page.click("main button[type=submit]")
        page.wait_for_url(lambda url: "/auth/register" not in url)
        return
    page.goto("/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)


def stored_bodies(app) -> list[str]:
    """The bodies of every stored message, oldest first."""
    from webapp.extensions import db
    from webapp.models import Message

    with app.app_context():
        return [message.body for message in db.session.scalars(db.select(Message).order_by(Message.id))]


def send_without_javascript(page, form: str, text: str, lands_on: str):
    """Submit the message form `form` with JavaScript off: too long first (the page comes back with
    the error beside the field), then `text`, which lands (Post/Redirect/Get) on `lands_on`."""
    from playwright.sync_api import expect

    page.fill(f"{form} textarea[name=message]", "x" * 141)
    page.click(f"{form} button[type=submit]")
    expect(page.locator("#message-errors")).to_contain_text("140 characters or fewer")
    page.fill(f"{form} textarea[name=message]", text)
    page.click(f"{form} button[type=submit]")
    page.wait_for_url(lands_on)


def set_tab_hidden(page, hidden: bool):
    """Pretend the tab was hidden or shown again, as the browser tells a page."""
    page.evaluate("""hidden => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden});
        Object.defineProperty(document, 'visibilityState', {configurable: true,
                                                             get: () => hidden ? 'hidden' : 'visible'});
        document.dispatchEvent(new Event('visibilitychange'));
    }""", hidden)


def kept_mail(app, count: int, seconds: float = 10.0) -> list:
    """The mails the embedded backend kept so far, oldest first."""
    folder = Path(app.instance_path) / "mail"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        files = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime) if folder.exists() else []
        if len(files) >= count:
            return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} mails kept")


def link_in(message, path: str) -> str:
    """The path of the link under `path` in a kept mail's plain text (its host is the server's)."""
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"http://[^/\s]+({path}/[A-Za-z0-9_-]{{43}})", text).group(1)
