"""Notifications and the home's new posts in Chromium, with JavaScript on and off."""
from playwright.sync_api import expect

from ..conftest import seed_follow, seed_post, seed_user
from .conftest import no_page_load, register_and_login


def test_the_bell_counts_within_a_poll_and_the_list_reads_them(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    bell = page.locator("#notification-badge")
    expect(bell).to_be_attached()
    expect(bell).to_be_hidden()
    with no_page_load(page):
        seed_follow(live_server.app, "bob", "anna")
        expect(bell).to_have_text("1 new notification", timeout=5000)  # the poll runs every second here
        expect(page.locator("#unread-badge")).to_be_hidden()  # the other count is left alone
    page.click("nav a[href='/notifications']")
    page.wait_for_url("**/notifications")
    expect(page.locator("li.notification")).to_contain_text("bob followed you")
    expect(page.locator("li.notification-unread")).to_have_count(1)  # shown as new this once
    expect(bell).to_be_hidden()  # and so read
    page.reload()
    expect(page.locator("li.notification-unread")).to_have_count(0)


def test_mark_all_as_read_in_place(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    page.goto("/notifications")
    seed_follow(live_server.app, "bob", "anna")
    expect(page.locator("#notification-badge")).to_have_text("1 new notification", timeout=5000)
    with no_page_load(page):
        page.click("button:has-text('Mark all as read')")
        expect(page.locator("#notification-badge")).to_be_hidden()
        expect(page.locator("li.notification")).to_have_count(1)


def test_new_posts_are_announced_and_shown_without_moving_what_i_read(new_page, live_server):
    seed_user(live_server.app, "bob")
    for index in range(30):
        seed_post(live_server.app, "bob", f"older {index}")
    page = new_page()
    register_and_login(page, "anna")
    seed_follow(live_server.app, "anna", "bob")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("data-live", "open")  # as a page a person reads is
    reading = page.locator("#" + page.locator("#post-items li.post").nth(5).get_attribute("id"))
    reading.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy({top: 300, behavior: 'instant'})")
    with no_page_load(page):
        seed_post(live_server.app, "bob", "fresh one")
        seed_post(live_server.app, "bob", "fresh two")
        button = page.locator("button.new-posts-button")
        expect(button).to_have_text("↑ 2 new posts", timeout=5000)
        expect(button).to_be_in_viewport()  # it floats at the top of the screen
        before = reading.bounding_box()["y"]
        button.click()
        expect(page.locator("#post-items .body-text").first).to_have_text("fresh two")
        expect(page.locator("#post-items a.user-link").first).to_be_focused()
        expect(page.locator("button.new-posts-button")).to_have_count(0)
    # What was in view stays where it was (the browser's scroll anchoring: posts came in above);
    # the focus is on the first new post, which the screen reader reads, without a scroll.
    assert abs(reading.bounding_box()["y"] - before) < 2
    expect(page.locator("#post-items li.post")).to_have_count(12)


def test_notifications_without_javascript(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page(javascript=False)
    register_and_login(page, "anna")
    seed_follow(live_server.app, "bob", "anna")
    page.goto("/")
    expect(page.locator("#notification-badge")).to_contain_text("1 new notification")
    page.click("nav a[href='/notifications']")
    expect(page.locator("li.notification")).to_contain_text("bob followed you")
    page.click("button:has-text('Mark all as read')")
    page.wait_for_url("**/notifications")
    page.click("a:has-text('Settings')")
    page.uncheck("#notify_followed")
    page.click("main button[type=submit]")
    page.wait_for_url("**/notifications/settings")
    expect(page.locator("#alerts")).to_contain_text("saved")
    expect(page.locator("#notify_followed")).not_to_be_checked()
