"""Sending messages, the badge and the popovers in Chromium, with JavaScript on and off."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from webapp.models import utcnow

from ..conftest import seed_post, seed_user
from .conftest import no_page_load, register_and_login, send_without_javascript, set_tab_hidden, stored_bodies


def send_from_the_form(page, recipient: str, text: str, click: str = "click"):
    """Open the send form, type, submit (click or dblclick) and wait until the conversation shows
    the message."""
    page.goto(f"/send-message/{recipient}")
    page.fill("textarea[name=message]", text)
    getattr(page, click)("main button[type=submit]")
    page.wait_for_url(f"**/messages/with/{recipient}*#message-*")
    expect(page.locator("#thread .thread-message .body-text").last).to_have_text(text)


def flush_requests(page):
    """Wait for a request made now to come back: any request the page made before it was sent first."""
    with page.expect_response(lambda response: response.url.endswith("/static/app.css")):
        page.evaluate("() => fetch('/static/app.css', {cache: 'no-store'})")


def count_htmx_confirms(page, selector: str):
    """Count htmx:confirm events on elements matching `selector` (each is a trigger that fired,
    whether or not app.js then let the request go); wait_for_confirms(page, n) waits for the n-th."""
    page.evaluate("""selector => {
        window.__confirms = 0;
        window.__waiters = [];
        document.addEventListener('htmx:confirm', event => {
            if (!event.target.matches(selector)) { return; }
            window.__confirms += 1;
            window.__waiters = window.__waiters.filter(waiter => waiter.n > window.__confirms || waiter.resolve());
        });
        window.__waitConfirms = n => window.__confirms >= n ? Promise.resolve(true) : new Promise((resolve, reject) => {
            window.__waiters.push({n: n, resolve: () => resolve(true)});
            setTimeout(() => reject(new Error('only ' + window.__confirms + ' htmx:confirm events')), 5000);
        });
    }""", selector)


def wait_for_confirms(page, count: int):
    """Wait (up to five seconds) until `count` triggers fired on the counted elements."""
    page.evaluate("n => window.__waitConfirms(n)", count)


def test_the_send_form_waits_for_text_and_sends_into_the_conversation(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    page.goto("/user/bob")
    page.click("text=Send private message")
    expect(page.locator("h1")).to_contain_text("Send a private message to")
    field, send = page.locator("textarea[name=message]"), page.locator("main button[type=submit]")
    expect(field).to_be_focused()
    expect(send).to_be_disabled()
    field.fill("   ")
    expect(send).to_be_disabled()
    field.fill("x" * 141)
    expect(send).to_be_disabled()
    expect(page.locator("#message-hint")).to_have_text("141 of 140 characters: too long")
    field.fill("Hi Bob!")
    send.click()
    page.wait_for_url("**/messages/with/bob*#message-*")
    expect(page.locator("#thread .thread-message .body-text")).to_have_text(["Hi Bob!"])
    assert stored_bodies(live_server.app) == ["Hi Bob!"]


def test_a_double_click_sends_one_message(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    send_from_the_form(page, "bob", "once", click="dblclick")
    flush_requests(page)
    assert len(posts) == 1, posts
    assert stored_bodies(live_server.app) == ["once"]


def test_sending_with_javascript_off_leads_into_the_conversation(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page(javascript=False)
    register_and_login(page, "anna")
    page.goto("/user/bob")
    page.click("text=Send private message")
    send_without_javascript(page, "main", "Plain hello", lands_on="**/messages/with/bob#message-*")
    expect(page.locator("#alerts")).to_contain_text("Your message has been sent.")
    expect(page.locator("#thread-items .body-text")).to_have_text(["Plain hello"])
    assert stored_bodies(live_server.app) == ["Plain hello"]


def test_the_badge_appears_when_a_message_arrives_and_clears_in_the_conversation(new_page, live_server):
    seed_user(live_server.app, "bob")
    reader = new_page()
    register_and_login(reader, "anna")
    badge = reader.locator("#unread-badge")
    expect(badge).to_be_attached()
    expect(badge).to_be_hidden()

    sender = new_page()
    register_and_login(sender, "carl")
    send_from_the_form(sender, "anna", "Are you there?")

    with no_page_load(reader):
        expect(badge).to_be_visible(timeout=5000)
        expect(badge).to_have_text("1 unread message")
    reader.click("nav >> text=Messages")
    expect(reader.locator("#conversation-list li.conversation-unread")).to_have_count(1)
    expect(reader.locator("#unread-badge")).to_be_visible()  # the inbox marks nothing read
    reader.click("#conversation-list a.conversation-link")
    expect(reader.locator("#thread-items li.message-new")).to_have_count(1)
    expect(reader.locator("#unread-badge")).to_be_hidden()


# Polling only (with the live stream, test_live_in_browser.py: a hidden tab lets go of its stream).
@pytest.mark.parametrize("live_server", [{"LIVE_UPDATES": False}], indirect=True)
def test_the_badge_stays_quiet_while_the_tab_is_hidden(new_page, live_server):
    page = new_page()
    register_and_login(page, "anna")
    with page.expect_request(lambda request: "/notifications/badge" in request.url, timeout=5000):
        pass  # it polls while visible
    polls = []
    page.on("request", lambda request: "/notifications/badge" in request.url and polls.append(request.url))
    set_tab_hidden(page, True)
    count_htmx_confirms(page, "#unread-badge")
    wait_for_confirms(page, 2)  # two intervals went by...
    flush_requests(page)
    assert polls == []  # ...and neither asked the server
    with page.expect_request(lambda request: "/notifications/badge" in request.url, timeout=500):
        set_tab_hidden(page, False)  # back: it asks at once, well before the next interval


# Polling only: with the live stream open, the page learns of an ended session from the stream
# (test_live_in_browser.py); a cookie lost in the browser alone shows at the next fetch.
@pytest.mark.parametrize("live_server", [{"LIVE_UPDATES": False}], indirect=True)
def test_an_expired_session_sends_the_poll_to_the_login_page(new_page, live_server):
    page = new_page()
    register_and_login(page, "anna")
    page.context.clear_cookies()
    page.wait_for_url("**/auth/login?next=/", timeout=5000)
    expect(page.locator("#unread-badge")).to_have_count(0)


def test_hovering_a_name_shows_its_card_once_and_leads_to_the_send_form(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    seed_post(live_server.app, "bob", "bob was here")
    page.goto("/explore")
    fetches = []
    page.on("request", lambda request: "/popover" in request.url and fetches.append(request.url))
    link = page.locator("#post-items a.user-link").first
    card = page.locator("#post-items .popover-card").first
    count_htmx_confirms(page, "#post-items a.user-link")
    with no_page_load(page):
        link.hover()
        expect(card).to_be_visible()
        expect(card).to_contain_text("bob")
        expect(card).to_contain_text("1 post")
        page.mouse.move(600, 600)
        expect(card).to_be_hidden()
        link.hover()
        expect(card).to_be_visible()
        # The card sits below the name, never over it.
        link_box, card_box = link.bounding_box(), card.bounding_box()
        assert card_box["y"] >= link_box["y"] + link_box["height"] - 1
        page.keyboard.press("Escape")
        expect(card).to_be_hidden()
        # The second hover's trigger fired, and app.js kept it from fetching the card again.
        wait_for_confirms(page, 2)
        flush_requests(page)
    assert len(fetches) == 1, fetches
    link.hover()
    page.mouse.move(600, 600)
    link.hover()
    card.locator("text=Send private message").click()
    page.wait_for_url("**/send-message/bob")
    expect(page.locator("textarea[name=message]")).to_be_visible()


def seed_timeline(app, count: int):
    """`count` people who each posted once, a minute apart."""
    start = utcnow() - timedelta(hours=1)
    for index in range(count):
        seed_user(app, f"writer{index}")
        seed_post(app, f"writer{index}", f"hello {index}", timestamp=start + timedelta(minutes=index))


def test_keyboard_focus_shows_the_card_and_escape_hides_it(new_page, live_server):
    page = new_page()
    register_and_login(page, "anna")
    seed_timeline(live_server.app, 1)
    page.goto("/explore")
    link = page.locator("#post-items a.user-link").first
    card = page.locator("#post-items .popover-card").first
    link.focus()
    expect(card).to_be_visible()
    expect(card).to_contain_text("Send private message")
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    page.keyboard.press("Tab")  # focus moves on; coming back shows the card again
    link.focus()
    expect(card).to_be_visible()


def test_a_mouse_passing_over_names_fires_no_request(new_page, live_server):
    page = new_page()
    register_and_login(page, "anna")
    seed_timeline(live_server.app, 5)
    page.goto("/explore")
    fetches = []
    page.on("request", lambda request: "/popover" in request.url and fetches.append(request.url))
    count_htmx_confirms(page, "#post-items a.user-link")
    for index in range(5):
        page.locator("#post-items a.user-link").nth(index).hover()
    page.mouse.move(900, 900)
    wait_for_confirms(page, 5)  # every name's delayed trigger fired...
    flush_requests(page)
    assert fetches == []  # ...and none fetched a card nobody was still pointing at


# Polling only (as while the live stream is down): the badge's poll meets the failing gateway.
@pytest.mark.parametrize("live_server", [{"LIVE_UPDATES": False}], indirect=True)
def test_a_proxy_error_leaves_the_form_and_the_badge_alone(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    page.goto("/send-message/bob")
    # A gateway in front of the app fails: its error page must not replace what the user typed.
    page.route("**/send-message/bob", lambda route: route.fulfill(status=502, body="<h1>Bad Gateway</h1>"))
    page.route("**/notifications/badge*", lambda route: route.fulfill(status=504, body="Gateway Time-out"))
    with no_page_load(page):
        page.fill("textarea[name=message]", "please arrive")
        with page.expect_response(lambda response: "/send-message/bob" in response.url and response.status == 502):
            page.click("main button[type=submit]")
        with page.expect_response(lambda response: "/notifications/badge" in response.url, timeout=5000):
            pass  # a badge poll (every second here) fails too
        expect(page.locator("textarea[name=message]")).to_have_value("please arrive")
        expect(page.locator("#unread-badge")).to_be_attached()
    expect(page.locator("text=Bad Gateway")).to_have_count(0)
    page.unroute("**/send-message/bob")
    page.unroute("**/notifications/badge*")
    page.click("main button[type=submit]")
    page.wait_for_url("**/messages/with/bob*#message-*")
    expect(page.locator("#thread .thread-message .body-text")).to_have_text(["please arrive"])
