"""Conversations in Chromium: replies in place, messages arriving live, paging with Back and
Forward, the inbox actions, and all of it with JavaScript off."""
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
    return page.locator("#thread-items .thread-message .body-text")


def anna_and_bob(new_page, live_server, *bodies, javascript: bool = True):
    """A page where anna is signed in (through the forms), and bob, who wrote her `bodies`."""
    seed_user(live_server.app, "bob")
    page = new_page(javascript=javascript)
    register_and_login(page, "anna")
    for body in bodies:
        seed_message(live_server.app, "bob", "anna", body)
    return page


def test_replying_in_place_keeps_the_focus(new_page, live_server):
    page = anna_and_bob(new_page, live_server, "Lunch?")
    page.goto("/messages/with/bob")
    expect(thread_bodies(page)).to_have_text(["Lunch?"])
    with no_page_load(page):
        page.fill("#reply-form textarea[name=message]", "Yes, at noon.")
        page.click("#reply-form button[type=submit]")
        expect(thread_bodies(page)).to_have_text(["Lunch?", "Yes, at noon."])
        textarea = page.locator("#reply-form textarea[name=message]")
        expect(textarea).to_have_value("")
        expect(textarea).to_be_focused()
        page.keyboard.type("See you")  # the focus really is in the field
        page.keyboard.press("Tab")
        page.fill("#reply-form textarea[name=message]", "   ")  # blank passes the browser's check, not ours
        page.click("#reply-form button[type=submit]")
        expect(page.locator("#message-errors")).to_have_text("Write a message first.")
    assert stored_bodies(live_server.app) == ["Lunch?", "Yes, at noon."]


def test_a_message_from_the_other_side_appears_live_and_counts_as_read(new_page, live_server):
    page = anna_and_bob(new_page, live_server, "first")
    page.goto("/messages/with/bob")
    expect(thread_bodies(page)).to_have_text(["first"])
    with no_page_load(page):
        with page.expect_response(lambda response: "/updates" in response.url and response.status == 200,
                                  timeout=5000):
            seed_message(live_server.app, "bob", "anna", "are you there?")
        expect(thread_bodies(page)).to_have_text(["first", "are you there?"])
        expect(page.locator("#unread-badge")).to_be_hidden()  # shown, so read
        # The next poll asks after the new message: nothing is appended twice.
        with page.expect_response(lambda response: "/updates" in response.url, timeout=5000) as poll:
            pass
        assert poll.value.status == 204
        expect(thread_bodies(page)).to_have_count(2)


def test_paging_a_conversation_with_back_and_forward(new_page, live_server):
    page = anna_and_bob(new_page, live_server)
    seed_thread(live_server.app, "bob", "anna", 25)
    page.goto("/messages")
    page.click("button:has-text('Mark all as read')")
    expect(page.locator("#unread-badge")).to_be_hidden()
    page.goto("/messages/with/bob")
    first = thread_bodies(page).first
    expect(first).to_have_text("m15")
    with no_page_load(page):
        page.click("#thread a[rel=next]")
        expect(first).to_have_text("m5")
        expect(page).to_have_url(re.compile(r"\?before="))
        page.click("#thread a[rel=next]")
        expect(first).to_have_text("m0")
    page.go_back()
    expect(first).to_have_text("m5")
    page.go_forward()
    expect(first).to_have_text("m0")
    page.reload()
    expect(page.locator("h1")).to_contain_text("bob")
    expect(first).to_have_text("m0")


def test_a_long_unread_run_opens_at_the_first_unread_message(new_page, live_server):
    page = anna_and_bob(new_page, live_server)
    seed_thread(live_server.app, "bob", "anna", 15)
    page.goto("/messages/with/bob")
    expect(page.locator("#thread-items li.new-divider")).to_have_count(1)
    expect(thread_bodies(page).first).to_have_text("m0")
    expect(page.locator("#unread-badge")).to_have_text("5 unread messages")
    page.click("#thread a[rel=prev]")
    expect(thread_bodies(page).first).to_have_text("m10")
    expect(page.locator("#unread-badge")).to_be_hidden()


def test_mark_unread_and_hide_in_place_in_the_inbox(new_page, live_server):
    seed_user(live_server.app, "bob")
    seed_user(live_server.app, "carl")
    page = new_page()
    register_and_login(page, "anna")
    seed_message(live_server.app, "bob", "anna", "from bob")
    seed_message(live_server.app, "carl", "anna", "from carl")
    page.goto("/messages/with/bob")
    page.goto("/messages")
    rows = page.locator("#conversation-list li.conversation")
    expect(rows).to_have_count(2)
    with no_page_load(page):
        page.locator("li.conversation", has_text="from bob").locator("button", has_text="Mark unread").click()
        expect(page.locator("li.conversation-unread")).to_have_count(2)
        expect(page.locator("#unread-badge")).to_have_text("2 unread messages")
        page.locator("li.conversation", has_text="from carl").locator("button", has_text="Hide").click()
        expect(rows).to_have_count(1)
        expect(page.locator("#alerts")).to_contain_text("hidden until its next message")
        expect(page.locator("#unread-badge")).to_have_text("1 unread message")


def test_conversations_with_javascript_off(new_page, live_server):
    page = anna_and_bob(new_page, live_server, javascript=False)
    seed_thread(live_server.app, "bob", "anna", 12)
    page.goto("/messages")
    page.click("#conversation-list a.conversation-link")
    page.wait_for_url("**/messages/with/bob")
    expect(thread_bodies(page).first).to_have_text("m0")  # more than a page unread: the first of them
    page.click("#thread a[rel=prev]")
    expect(thread_bodies(page)).to_have_text(["m10", "m11"])
    page.goto("/messages/with/bob")
    send_without_javascript(page, "#reply-form", "Plain reply", lands_on="**/messages/with/bob")
    expect(thread_bodies(page).last).to_have_text("Plain reply")
    page.click("button:has-text('Hide')")
    page.wait_for_url("**/messages")
    expect(page.locator("#conversation-list li.conversation")).to_have_count(0)
    page.goto("/messages/with/bob")
    page.click("button:has-text('Mark unread')")
    page.wait_for_url("**/messages")
    expect(page.locator("li.conversation-unread")).to_have_count(1)
    page.click("button:has-text('Mark all as read')")
    page.wait_for_url("**/messages")
    expect(page.locator("li.conversation-unread")).to_have_count(0)
