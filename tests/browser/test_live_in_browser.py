"""Live updates in Chromium: pushed within a second with the poll interval set to minutes, no poll
while the stream is healthy, polling while it is down, one stream shared by seven tabs."""
import pytest
from playwright.sync_api import expect

from webapp.doorbells import EXTENSION_KEY, LocalBroker
from webapp.models import Follow, Message, Post, User

from ..conftest import seed_follow, seed_user
from .conftest import register_and_login, set_tab_hidden

MINUTES = {"NOTIFICATION_POLL_SECONDS": 600}


def wait_until_live(page):
    """The page holds the stream (or hears from the tab that does)."""
    expect(page.locator("html")).to_have_attribute("data-live", "open")


def as_user(app, username):
    return User.by_username(username)


def send(app, sender, recipient, body):
    with app.app_context():
        Message.deliver(as_user(app, sender), as_user(app, recipient), body)


@pytest.mark.parametrize("live_server", [MINUTES], indirect=True)
def test_badge_bell_conversation_and_timeline_update_within_a_second(new_page, live_server):
    app = live_server.app
    seed_user(app, "alice")
    home = new_page()
    register_and_login(home, "bob")
    seed_follow(app, "bob", "alice")
    home.goto("/")
    wait_until_live(home)
    conversation = home.context.new_page()  # a second tab: it hears the first tab's stream
    conversation.goto("/messages/with/alice")
    wait_until_live(conversation)

    send(app, "alice", "bob", "are you there?")
    expect(home.locator("#unread-badge")).to_contain_text("1", timeout=1000)
    expect(conversation.locator("#thread .thread-message .body-text").last).to_have_text("are you there?", timeout=1000)

    with app.app_context():
        Follow.start(as_user(app, "alice"), as_user(app, "bob"))
    expect(home.locator("#notification-badge")).to_contain_text("1", timeout=1000)

    with app.app_context():
        Post.publish(as_user(app, "alice"), "fresh news")
    expect(home.locator("#new-posts button")).to_contain_text("1 new post", timeout=1000)


def test_no_poll_runs_while_the_stream_is_open(new_page, live_server):
    page = new_page()
    register_and_login(page, "anna")
    wait_until_live(page)
    page.wait_for_timeout(500)  # the one catch-up fetch as the stream opened
    polls = []
    page.on("request", lambda request: "/notifications/badge" in request.url and polls.append(request.url))
    page.wait_for_timeout(3500)  # three and a half poll intervals (one second here)
    assert polls == []


def test_while_the_stream_is_down_the_page_polls_and_push_returns(new_page, live_server):
    app = live_server.app
    seed_user(app, "alice")
    real = app.extensions[EXTENSION_KEY]

    class Unavailable(LocalBroker):
        def ready(self):
            return False

    app.extensions[EXTENSION_KEY] = Unavailable()
    page = new_page()
    register_and_login(page, "bob")
    expect(page.locator("html")).to_have_attribute("data-live", "polling")
    send(app, "alice", "bob", "polled")  # nobody hears the doorbell: the one-second poll brings it
    expect(page.locator("#unread-badge")).to_contain_text("1", timeout=3000)

    app.extensions[EXTENSION_KEY] = real
    expect(page.locator("html")).to_have_attribute("data-live", "open", timeout=10_000)  # backoff, then back
    polls = []
    page.on("request", lambda request: "/notifications/badge" in request.url and polls.append(request.url))
    send(app, "alice", "bob", "pushed")
    expect(page.locator("#unread-badge")).to_contain_text("2", timeout=1000)
    assert len(polls) == 1  # the doorbell's fetch, no interval poll


def test_a_hidden_tab_lets_go_of_its_stream_and_catches_up_once_shown(new_page, live_server):
    app = live_server.app
    seed_user(app, "alice")
    page = new_page()
    register_and_login(page, "bob")
    wait_until_live(page)
    asked = []
    page.on("request", lambda request: "/notifications/badge" in request.url and asked.append(request.url))
    set_tab_hidden(page, True)
    expect(page.locator("html")).to_have_attribute("data-live", "polling")  # its stream is closed
    send(app, "alice", "bob", "while away")
    page.wait_for_timeout(2500)  # two and a half poll intervals (one second here)
    assert asked == []  # hidden: no stream, no poll
    set_tab_hidden(page, False)
    expect(page.locator("#unread-badge")).to_contain_text("1", timeout=1000)  # caught up at once
    wait_until_live(page)


@pytest.mark.parametrize("live_server", [MINUTES], indirect=True)
def test_a_session_signed_out_elsewhere_sends_the_page_to_the_login_page(new_page, live_server):
    page = new_page()
    register_and_login(page, "anna")
    wait_until_live(page)
    laptop = new_page()
    register_and_login(laptop, "anna", register=False)
    laptop.goto("/auth/sessions")
    laptop.click("text=Sign out everywhere else")
    page.wait_for_url("**/auth/login**", timeout=3000)  # the stream ended, the page asked, got 401


@pytest.mark.parametrize("live_server", [MINUTES], indirect=True)
def test_seven_tabs_share_one_stream_and_all_load_pages(new_page, live_server):
    app = live_server.app
    seed_user(app, "alice")
    first = new_page()
    register_and_login(first, "bob")
    streams = []
    first.context.on("request", lambda request: request.url.endswith("/events") and streams.append(request))
    tabs = [first] + [first.context.new_page() for _ in range(6)]
    for tab in tabs:
        tab.goto("/messages", timeout=5000)  # with six connections per host, a stream per tab would stall this
        expect(tab.locator("h1")).to_have_text("Messages")
    for tab in tabs:
        wait_until_live(tab)
    assert len(streams) <= 2  # the first page's, then one tab's for all (each page load lets go and takes again)
    send(app, "alice", "bob", "to every tab")
    for tab in tabs:
        expect(tab.locator("#unread-badge")).to_contain_text("1", timeout=2000)
    for tab in tabs[1:]:
        tab.goto("/user/alice", timeout=5000)  # pages still load while the stream is held
