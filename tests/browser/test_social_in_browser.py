"""Follows, comments and mentions in Chromium, with JavaScript on and off."""
from playwright.sync_api import expect

from ..conftest import seed_post, seed_user
from .conftest import no_page_load, register_and_login


def test_following_in_place_from_the_profile_and_the_card(new_page, live_server):
    seed_user(live_server.app, "bob")
    seed_post(live_server.app, "bob", "bob was here")
    page = new_page()
    register_and_login(page, "anna")
    page.goto("/user/bob")
    box = page.locator(".profile .follow-box")
    with no_page_load(page):
        box.get_by_role("button", name="Follow bob").click()
        expect(box.get_by_role("button", name="Unfollow bob")).to_be_visible()
        expect(box.locator("a", has_text="follower")).to_have_text("1 follower")
        expect(page.locator("#announcer")).to_have_text("You now follow bob.")
        box.get_by_role("button", name="Unfollow bob").click()
        expect(box.locator("a", has_text="follower")).to_have_text("0 followers")
    page.goto("/explore")
    page.locator("#post-items a.user-link").first.hover()
    card = page.locator("#post-items .popover-card").first
    expect(card).to_contain_text("0 followers")
    with no_page_load(page):
        card.get_by_role("button", name="Follow bob").click()
        expect(card).to_contain_text("1 follower")
        expect(card.get_by_role("button", name="Unfollow bob")).to_be_visible()
    page.goto("/")
    expect(page.locator("#post-items .body-text")).to_have_text(["bob was here"])  # now at home


def test_a_newcomer_follows_from_the_suggestions(new_page, live_server):
    seed_user(live_server.app, "bob")
    seed_post(live_server.app, "bob", "bob's note")
    page = new_page()
    register_and_login(page, "anna")
    suggestions = page.locator(".follow-suggestions")
    expect(suggestions).to_contain_text("You follow no one yet")
    expect(suggestions.get_by_role("link", name="Explore everyone's notes")).to_be_visible()
    with no_page_load(page):
        suggestions.get_by_role("button", name="Follow bob").click()
        expect(suggestions.get_by_role("button", name="Unfollow bob")).to_be_visible()
    page.reload()
    expect(page.locator(".follow-suggestions")).to_have_count(0)
    expect(page.locator("#post-items .body-text")).to_have_text(["bob's note"])


def test_commenting_in_place_keeps_the_focus(new_page, live_server):
    seed_user(live_server.app, "bob")
    post = seed_post(live_server.app, "bob", "Bread, again")
    page = new_page()
    register_and_login(page, "anna")
    page.goto("/explore")
    page.click(f"#post-{post} a.post-comments")
    page.wait_for_url(f"**/post/{post}")
    field = page.locator("#comment-form textarea[name=comment]")
    expect(page.locator("#comment-form button[type=submit]")).to_be_disabled()
    with no_page_load(page):
        field.fill("Less salt, @bob?")
        page.click("#comment-form button[type=submit]")
        expect(page.locator("#comment-items .body-text")).to_have_text(["Less salt, @bob?"])
        expect(field).to_have_value("")
        expect(field).to_be_focused()
        expect(page.locator("#announcer")).to_have_text("Your comment is posted.")
        # The mention is a link with its card.
        mention = page.locator("#comment-items a.mention")
        expect(mention).to_have_attribute("href", "/user/bob")
        mention.hover()
        expect(page.locator("#comment-items .body-text .popover-card")).to_contain_text("Send private message")
    page.goto("/explore")
    expect(page.locator(f"#post-{post} a.post-comments")).to_have_text("1 comment")


def test_follows_and_comments_without_javascript(new_page, live_server):
    seed_user(live_server.app, "bob")
    post = seed_post(live_server.app, "bob", "Plain note")
    page = new_page(javascript=False)
    register_and_login(page, "anna")
    page.goto("/user/bob")
    page.click(".profile .follow-box button:has-text('Follow')")
    page.wait_for_url("**/user/bob")
    expect(page.locator("#alerts")).to_contain_text("You now follow bob.")
    expect(page.locator(".profile .follow-box")).to_contain_text("1 follower")
    page.click(".profile .follow-box a:has-text('follower')")
    page.wait_for_url("**/user/bob/followers")
    expect(page.locator("#people-list a.user-link")).to_have_text(["anna"])
    page.goto(f"/post/{post}")
    page.fill("textarea[name=comment]", "x" * 141)
    page.click("#comment-form button[type=submit]")
    expect(page.locator("#comment-errors")).to_contain_text("140 characters or fewer")
    page.fill("textarea[name=comment]", "Nice one, @bob")
    page.click("#comment-form button[type=submit]")
    page.wait_for_url(f"**/post/{post}#comment-*")
    expect(page.locator("#comment-items .body-text")).to_have_text(["Nice one, @bob"])
    expect(page.locator("#comment-items a.mention")).to_have_attribute("href", "/user/bob")
