"""Conversations in Chromium read like a chat: where they open, history loading as one scrolls up,
the composer (Enter, Shift+Enter, a disabled Send), messages arriving live and read only once
seen, Back and Forward, the inbox's rows and menus, the people search, and all of it with
JavaScript off."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from webapp.models import utcnow

from ..conftest import seed_message, seed_user
from .conftest import no_page_load, register_and_login, send_without_javascript, stored_bodies


def seed_thread(app, sender: str, recipient: str, count: int, prefix: str = "m"):
    """`count` messages from sender to recipient, a minute apart, oldest first."""
    start = utcnow() - timedelta(hours=2)
    for index in range(count):
        seed_message(app, sender, recipient, f"{prefix}{index}", timestamp=start + timedelta(minutes=index))


def thread_bodies(page):
    return page.locator("#thread .thread-message .body-text")


def anna_and_bob(new_page, live_server, *bodies, javascript: bool = True):
    """A page where anna is signed in (through the forms), and bob, who wrote her `bodies`."""
    seed_user(live_server.app, "bob")
    page = new_page(javascript=javascript)
    register_and_login(page, "anna")
    for body in bodies:
        seed_message(live_server.app, "bob", "anna", body)
    return page


def in_view(page, selector: str) -> bool:
    """Whether the element is within the window, not hidden under the sticky composer."""
    return page.evaluate("""selector => {
        const box = document.querySelector(selector).getBoundingClientRect();
        const composer = document.getElementById('reply-form').getBoundingClientRect();
        return box.top >= 0 && box.bottom <= Math.min(window.innerHeight, composer.top + 1);
    }""", selector)


def newest_message(page) -> str:
    """A selector of the thread's newest message (the thread's lists end with other rows too)."""
    return "#" + page.evaluate("Array.from(document.querySelectorAll('#thread .thread-message')).pop().id")


def read_all(page):
    page.goto("/messages")
    page.click("button:has-text('Mark all as read')")
    expect(page.locator("#unread-badge")).to_be_hidden()


def test_the_composer_sends_on_enter_breaks_lines_on_shift_enter_and_keeps_the_focus(new_page, live_server):
    page = anna_and_bob(new_page, live_server, "Lunch?")
    page.goto("/messages/with/bob")
    expect(thread_bodies(page)).to_have_text(["Lunch?"])
    field = page.locator("#reply-form textarea[name=message]")
    send = page.locator("#reply-form button[type=submit]")
    expect(send).to_be_disabled()  # nothing to send yet
    with no_page_load(page):
        field.click()
        page.keyboard.type("Yes,")
        page.keyboard.press("Shift+Enter")
        page.keyboard.type("at noon.")
        expect(field).to_have_value("Yes,\nat noon.")
        expect(send).to_be_enabled()
        page.keyboard.press("Enter")
        expect(thread_bodies(page)).to_have_text(["Lunch?", "Yes,\nat noon."])
        expect(field).to_have_value("")
        expect(field).to_be_focused()
        expect(send).to_be_disabled()
        page.keyboard.type("   ")  # blank: Send waits, and Enter sends nothing
        expect(send).to_be_disabled()
        page.keyboard.press("Enter")
        field.fill("x" * 141)
        expect(send).to_be_disabled()
        expect(page.locator("#message-count")).to_have_text("141 of 140 characters: too long")
        field.fill("\U0001F600" * 140)  # 140 characters, as the server counts them
        expect(send).to_be_enabled()
    assert stored_bodies(live_server.app) == ["Lunch?", "Yes,\nat noon."]


def test_a_reply_the_server_refuses_shows_its_error_in_place(new_page, live_server):
    page = anna_and_bob(new_page, live_server, "Lunch?")
    page.goto("/messages/with/bob")
    with no_page_load(page):
        page.fill("#reply-form textarea[name=message]", "   ")
        page.evaluate("document.getElementById('reply-form').requestSubmit()")  # past the page's own check
        expect(page.locator("#message-errors")).to_have_text("Write a message first.")
        expect(page.locator("#reply-form textarea[name=message]")).to_be_focused()
    assert stored_bodies(live_server.app) == ["Lunch?"]


def test_a_conversation_opens_at_the_first_unread_message_or_at_its_newest(new_page, live_server):
    page = anna_and_bob(new_page, live_server)
    seed_thread(live_server.app, "bob", "anna", 30, prefix="old")
    read_all(page)
    seed_thread(live_server.app, "bob", "anna", 4, prefix="new")
    page.goto("/messages/with/bob")
    expect(page.locator("#thread li.new-divider")).to_have_count(1)
    assert in_view(page, "#thread li.new-divider")
    expect(page.locator("li.new-divider + li .body-text")).to_have_text("new0")
    expect(page.locator("#unread-badge")).to_be_hidden()  # the page showed them all
    page.goto("/messages/with/bob")  # nothing unread: at the newest
    expect(page.locator("#thread li.new-divider")).to_have_count(0)
    assert in_view(page, newest_message(page))


def scroll_to_top(page):
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")


def test_older_messages_load_as_one_scrolls_up_and_what_was_read_stays_in_place(new_page, live_server):
    page = anna_and_bob(new_page, live_server)
    seed_thread(live_server.app, "bob", "anna", 45)
    read_all(page)
    page.goto("/messages/with/bob")
    page.wait_for_load_state("networkidle")  # a screen not yet full loads one older page by itself
    assert in_view(page, newest_message(page))
    with no_page_load(page):
        while page.locator("#thread-older").count():
            loaded = thread_bodies(page).count()
            scroll_to_top(page)
            top = page.locator("#" + page.locator("#thread .thread-message").first.get_attribute("id"))
            before = top.bounding_box()["y"]
            expect(thread_bodies(page)).not_to_have_count(loaded)  # the page before came in above
            page.wait_for_load_state("networkidle")
            assert abs(top.bounding_box()["y"] - before) < 2, "what was in view stays where it was"
    expect(thread_bodies(page)).to_have_count(45)
    expect(thread_bodies(page).first).to_have_text("m0")
    # Each day once: the messages span one day or two (by the hour the test runs).
    days = page.evaluate("""new Set(Array.from(document.querySelectorAll('#thread .thread-message time.clock'))
        .map(time => new Date(time.getAttribute('datetime')).toDateString())).size""")
    expect(page.locator("#thread .day-separator")).to_have_count(days)


def test_a_message_arriving_while_scrolled_up_waits_behind_a_button_and_stays_unread(new_page, live_server):
    page = anna_and_bob(new_page, live_server)
    seed_thread(live_server.app, "bob", "anna", 30)
    read_all(page)
    page.goto("/messages/with/bob")
    page.wait_for_load_state("networkidle")
    scroll_to_top(page)
    page.wait_for_load_state("networkidle")
    with no_page_load(page):
        with page.expect_response(lambda response: "/updates" in response.url and response.status == 200):
            seed_message(live_server.app, "bob", "anna", "are you there?")
        expect(thread_bodies(page).last).to_have_text("are you there?")
        jump = page.locator("#jump-to-new")
        expect(jump).to_be_visible()
        expect(page.locator("#unread-badge")).to_have_text("1 unread message")  # appended, not seen
        page.wait_for_timeout(1500)  # a poll or two later it is still unread
        expect(page.locator("#unread-badge")).to_have_text("1 unread message")
        with page.expect_response(lambda response: response.url.endswith("/messages/with/bob/read")):
            jump.click()
        expect(page.locator("#unread-badge")).to_be_hidden()
        expect(jump).to_be_hidden()
    # The thread is a log: additions are announced.
    expect(page.locator("#thread-log")).to_have_attribute("role", "log")
    expect(page.locator("#thread-log > #thread-items")).to_have_count(1)


def test_a_message_arriving_at_the_bottom_is_followed_and_read(new_page, live_server):
    page = anna_and_bob(new_page, live_server, "first")
    page.goto("/messages/with/bob")
    with no_page_load(page):
        with page.expect_response(lambda response: response.url.endswith("/read")):
            seed_message(live_server.app, "bob", "anna", "second")
        expect(thread_bodies(page)).to_have_text(["first", "second"])
        expect(page.locator("#unread-badge")).to_be_hidden()
        expect(page.locator("#jump-to-new")).to_be_hidden()
        with page.expect_response(lambda response: "/updates" in response.url) as poll:
            page.evaluate("htmx.trigger('#thread-poller', 'poll')")  # as a tab shown again asks
        assert poll.value.status == 204  # the next fetch asks after it: nothing twice
        expect(thread_bodies(page)).to_have_count(2)


def test_times_show_in_the_readers_zone(browser, live_server):
    seed_user(live_server.app, "bob")
    context = browser.new_context(base_url=live_server.url, timezone_id="Pacific/Auckland", locale="en-GB")
    try:
        page = context.new_page()
        register_and_login(page, "anna")
        moment = utcnow().replace(hour=11, minute=30, second=0, microsecond=0) - timedelta(days=1)
        seed_message(live_server.app, "bob", "anna", "late", timestamp=moment)
        page.goto("/messages/with/bob")
        local = page.evaluate("iso => new Date(iso).toLocaleTimeString('en-GB', "
                              "{hour: 'numeric', minute: '2-digit', timeZone: 'Pacific/Auckland'})",
                              moment.isoformat())
        expect(page.locator("#thread time.clock")).to_have_text(local)
        expect(page.locator("#thread .utc-note")).to_be_hidden()
        title = page.locator("#thread time.clock").get_attribute("title")
        assert "UTC" not in title
    finally:
        context.close()


def test_sending_a_first_message_lands_in_the_conversation_with_it_in_view(new_page, live_server):
    page = anna_and_bob(new_page, live_server)
    seed_thread(live_server.app, "anna", "bob", 25)
    page.goto("/user/bob")
    page.click("text=Send private message")
    page.fill("textarea[name=message]", "Here I am")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/messages/with/bob\?after=\d+#message-\d+$"))
    expect(thread_bodies(page).last).to_have_text("Here I am")
    assert in_view(page, newest_message(page))


def test_back_and_forward_show_what_was_shown(new_page, live_server):
    page = anna_and_bob(new_page, live_server)
    seed_thread(live_server.app, "bob", "anna", 25)
    read_all(page)
    page.goto("/messages/with/bob")
    pinned = page.url
    assert re.search(r"\?after=\d+$", pinned), pinned  # the page opened at the marker, pinned
    shown = page.locator("#thread-items .thread-message .body-text")
    expect(shown.first).to_have_text("m15")
    while page.locator("#thread-older").count():  # scroll up until the thread's start is in
        loaded = thread_bodies(page).count()
        scroll_to_top(page)
        expect(thread_bodies(page)).not_to_have_count(loaded)
    expect(thread_bodies(page).first).to_have_text("m0")
    seed_thread(live_server.app, "bob", "anna", 12, prefix="later")  # the marker will move on
    page.goto("/messages")
    page.go_back()
    expect(page).to_have_url(pinned)
    expect(shown.first).to_have_text("m15")  # the page shown then, not the first of the new unread
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/messages$"))


def test_the_inbox_row_is_one_link_and_its_menu_offers_what_can_succeed(new_page, live_server):
    seed_user(live_server.app, "bob")
    seed_user(live_server.app, "carl")
    page = new_page()
    register_and_login(page, "anna")
    seed_message(live_server.app, "bob", "anna", "from bob")
    seed_message(live_server.app, "anna", "carl", "to carl")
    page.goto("/messages/with/bob")
    page.goto("/messages")
    rows = page.locator("#conversation-list li.conversation")
    expect(rows).to_have_count(2)
    carl = rows.filter(has_text="to carl")
    carl.locator(".row-menu summary").click()
    expect(carl.locator(".dropdown-menu")).to_be_visible()
    expect(carl.locator("button", has_text="Mark unread")).to_have_count(0)  # nothing from carl to mark
    page.keyboard.press("Escape")
    bob = rows.filter(has_text="from bob")
    with no_page_load(page):
        bob.locator(".row-menu summary").click()
        bob.locator("button", has_text="Mark unread").click()
        expect(page.locator("li.conversation-unread")).to_have_count(1)
        expect(page.locator("#unread-badge")).to_have_text("1 unread message")
        # The focus stays in the row that changed: on its menu.
        expect(page.locator("li.conversation-unread .row-menu summary")).to_be_focused()
        page.locator("li.conversation", has_text="to carl").locator(".row-menu summary").click()
        page.locator("li.conversation", has_text="to carl").locator("button", has_text="Hide").click()
        expect(rows).to_have_count(1)
        expect(page.locator("#alerts")).to_contain_text("hidden until its next message")
        expect(page.locator("li.conversation a.conversation-link")).to_be_focused()  # the next row
    # The whole row opens the conversation, at its first unread message.
    box = rows.first.locator("a.conversation-link").bounding_box()
    page.mouse.click(box["x"] + 10, box["y"] + box["height"] / 2)  # on the avatar
    page.wait_for_url(re.compile(r"/messages/with/bob"))
    expect(page.locator("#thread li.new-divider")).to_have_count(1)


def test_starting_a_conversation_with_the_people_search(new_page, live_server):
    for name in ("bob", "bobby", "boris", "carl"):
        seed_user(live_server.app, name)
    page = new_page()
    register_and_login(page, "anna")
    page.goto("/messages")
    page.click("text=New message")
    page.wait_for_url("**/messages/new")
    field = page.locator("input[name=q]")
    expect(field).to_be_focused()
    with no_page_load(page):
        page.keyboard.type("bo")
        options = page.locator("#people-results [role=option]")
        expect(options).to_have_count(3)
        expect(field).to_have_attribute("aria-expanded", "true")
        page.keyboard.type("b")
        expect(options).to_have_count(2)  # narrows as one types
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        expect(field).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
        expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        expect(field).to_be_focused()
        page.keyboard.type("xyz")
        expect(page.locator("#people-results")).to_contain_text("No one's name starts with")
        expect(field).to_have_attribute("aria-expanded", "false")
        for _ in range(3):
            page.keyboard.press("Backspace")
        expect(options).to_have_count(2)
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/messages/with/bob")
    expect(page.locator("#thread-items .empty-state")).to_be_visible()
    page.fill("#reply-form textarea[name=message]", "Hello, Bob")
    page.keyboard.press("Enter")
    expect(thread_bodies(page)).to_have_text(["Hello, Bob"])


def test_conversations_with_javascript_off(new_page, live_server):
    page = anna_and_bob(new_page, live_server, javascript=False)
    seed_thread(live_server.app, "bob", "anna", 12)
    page.goto("/messages")
    page.click("#conversation-list a.conversation-link")
    page.wait_for_url("**/messages/with/bob#new")
    expect(thread_bodies(page).first).to_have_text("m0")  # more than a page unread: the first of them
    expect(page.locator("#thread .day-separator time").first).to_contain_text("(UTC)")  # times said to be UTC
    page.click("#thread a[rel=prev]")
    expect(thread_bodies(page)).to_have_text(["m10", "m11"])
    page.goto("/messages/with/bob")
    send_without_javascript(page, "#reply-form", "Plain reply", lands_on="**/messages/with/bob#message-*")
    expect(thread_bodies(page).last).to_have_text("Plain reply")
    page.click(".conversation-header .row-menu summary")
    page.click("button:has-text('Hide')")
    page.wait_for_url("**/messages")
    expect(page.locator("#conversation-list li.conversation")).to_have_count(0)
    page.goto("/messages/with/bob")
    page.click(".conversation-header .row-menu summary")
    page.click("button:has-text('Mark unread')")
    page.wait_for_url("**/messages")
    expect(page.locator("li.conversation-unread")).to_have_count(1)
    page.click("button:has-text('Mark all as read')")
    page.wait_for_url("**/messages")
    expect(page.locator("li.conversation-unread")).to_have_count(0)
    page.goto("/messages/new?q=bo")
    page.click("#people-results a:has-text('bob')")
    page.wait_for_url("**/messages/with/bob")
