"""Where the keyboard focus lands after each htmx swap, and what is announced."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from webapp.models import utcnow

from ..conftest import seed_follow, seed_post, seed_user
from .conftest import register_and_login


def test_focus_after_posting_an_error_and_paging(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    start = utcnow() - timedelta(hours=1)
    for index in range(12):
        seed_post(live_server.app, "bob", f"p{index}", timestamp=start + timedelta(minutes=index))
    seed_follow(live_server.app, "anna", "bob")
    page.goto("/")
    field = page.locator("#post-form textarea[name=post]")
    expect(field).not_to_be_focused()  # nothing grabs the focus on arrival
    field.fill("   ")
    expect(page.locator("#post-form button[type=submit]")).to_be_disabled()
    page.evaluate("document.getElementById('post-form').requestSubmit()")  # past the page's own check
    expect(page.locator("#post-errors")).to_have_text("Write something first.")
    expect(field).to_be_focused()  # the invalid field, its error read with it
    field.fill("Hello")
    page.click("#post-form button[type=submit]")
    expect(page.locator("#announcer")).to_have_text("Your post is now live!")
    expect(field).to_be_focused()  # emptied, ready for the next one
    expect(field).to_have_value("")
    page.click("#post-list a[rel=next]")
    expect(page.locator("#post-list")).to_be_focused()  # the list, whose name is read
    title = page.title()
    page.reload()  # the pushed URL, loaded whole, has the title the page shows
    assert page.title() == title


def test_the_counter_counts_what_the_server_counts(new_page, live_server):
    page = new_page()
    register_and_login(page, "anna")
    page.goto("/")
    field = page.locator("#post-form textarea[name=post]")
    hint = page.locator("#post-hint")
    expect(hint).to_have_text("Up to 140 characters.")
    field.fill("  " + "\U0001F600" * 3 + "  ")
    expect(hint).to_have_text("3 of 140 characters")
    field.fill("x" * 141)
    expect(hint).to_have_text("141 of 140 characters: too long")


def test_escape_inside_a_card_returns_to_the_name(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    seed_post(live_server.app, "bob", "bob was here")
    page.goto("/explore")
    link = page.locator("#post-items a.user-link").first
    card = page.locator("#post-items .popover-card").first
    link.focus()
    expect(card).to_contain_text("Send private message")
    card.locator("a", has_text="Send private message").focus()
    page.keyboard.press("Escape")
    expect(link).to_be_focused()
    expect(card).to_be_hidden()


def test_cards_add_no_tab_stops_and_the_down_arrow_enters_one(new_page, live_server):
    seed_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    for index in range(5):
        seed_post(live_server.app, "bob", f"post {index}")
    page.goto("/explore")
    names = page.locator("#post-items a.user-link")
    names.first.focus()
    expect(page.locator("#post-items .popover-card").first).to_contain_text("Send private message")
    for index in range(1, 5):
        page.keyboard.press("Tab")
        expect(page.locator("#post-items a.post-comments").nth(index - 1)).to_be_focused()  # its comments
        page.keyboard.press("Tab")
        expect(names.nth(index)).to_be_focused()  # the next name, not the card's links
    card = page.locator("#post-items .popover-card").nth(4)
    expect(card).to_contain_text("Send private message")  # loaded on focus
    # Down through the card: its name, the follow counts, Follow, and Send private message.
    for item in (card.locator("a").first, card.locator("a", has_text="follower"), card.locator("a", has_text="following"),
                 card.get_by_role("button", name="Follow bob"), card.locator("a", has_text="Send private message")):
        page.keyboard.press("ArrowDown")
        expect(item).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/send-message/bob")


def test_a_tap_on_a_name_opens_the_profile(browser, live_server):
    seed_user(live_server.app, "bob")
    context = browser.new_context(base_url=live_server.url, has_touch=True, is_mobile=True,
                                  viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        register_and_login(page, "anna")
        seed_post(live_server.app, "bob", "bob was here")
        page.goto("/explore")
        fetches = []
        page.on("request", lambda request: "/popover" in request.url and fetches.append(request.url))
        link = page.locator("#post-items a.user-link").first
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 24, box  # a target a thumb can hit
        link.tap()
        page.wait_for_url("**/user/bob")
        assert fetches == []  # no card on a touch screen: the name is the profile's link
    finally:
        context.close()


def test_focus_stays_in_place_after_signing_out_a_session_or_hiding_a_conversation(new_page, live_server):
    from ..conftest import seed_message

    seed_user(live_server.app, "bob")
    other = new_page()
    register_and_login(other, "anna")
    page = new_page()
    register_and_login(page, "anna", register=False)
    page.goto("/auth/sessions")
    page.locator("#sessions li.session", has_text="This browser").wait_for()
    page.locator("#sessions li.session:not(:has-text('This browser')) button").click()
    expect(page.locator("#sessions [role=status]")).to_have_text("That session is signed out.")
    expect(page.locator("#sessions")).to_be_focused()
    seed_message(live_server.app, "bob", "anna", "hi")
    page.goto("/messages")
    page.locator("li.conversation .row-menu summary").click()
    page.locator("li.conversation button", has_text="Hide").click()
    expect(page.locator("li.conversation")).to_have_count(0)
    expect(page.locator("#conversation-list")).to_be_focused()  # the list the row was in


def test_the_account_menu_by_keyboard_and_on_a_phone(new_page, live_server):
    page = new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    register_and_login(page, "anna")
    nav = page.locator("nav[aria-label=Main]")
    # One row at 320 px: the brand, Home, Messages and the menu share the bar's height.
    assert nav.bounding_box()["height"] < 70, nav.bounding_box()
    summary = nav.locator(".account-menu summary")
    expect(summary).to_have_accessible_name(re.compile(r"^anna\s*, account menu$"))
    menu = nav.locator(".account-menu .dropdown-menu")
    expect(menu).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    assert menu.bounding_box()["x"] >= 0  # the open menu stays on screen
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Profile", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    page.locator("main").click(position={"x": 5, "y": 5})  # a click elsewhere closes it
    expect(menu).to_be_hidden()
    summary.click()
    menu.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/auth/login**")


def test_the_account_menu_works_without_javascript(new_page, live_server):
    seed_user(live_server.app, "anna")
    page = new_page(javascript=False)
    register_and_login(page, "anna", register=False)
    page.click("nav .account-menu summary")
    page.click("nav .account-menu >> text=Where you're signed in")
    page.wait_for_url("**/auth/sessions")
    expect(page.locator("nav .account-menu summary")).to_have_class(re.compile(r"\bactive\b"))
    page.click("nav .account-menu summary")
    page.click("nav .account-menu >> text=Log out")
    page.wait_for_url("**/auth/login**")
