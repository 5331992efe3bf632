"""The README's screenshots, taken by the suite from the demo data, so they never go stale.

Every run takes them (into a temporary folder) and checks what they show; `make screenshots`
writes them over static/screenshots/ (SCREENSHOTS_DIR).
"""
import os
import pathlib

from playwright.sync_api import expect

from webapp.cli import DEMO_PASSWORD, seed_demo_data

from .conftest import kept_mail, link_in

DESKTOP = {"width": 1100, "height": 700}
PHONE = {"width": 390, "height": 844}


def shot(page, folder: pathlib.Path, name: str) -> None:
    """Save the viewport as folder/name.png, and check it is a real picture."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000, path


def sign_in_as_alice(page) -> None:
    page.goto("/auth/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)


def test_readme_screenshots(browser, live_server, tmp_path):
    folder = pathlib.Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    with live_server.app.app_context():
        seed_demo_data()
    desktop = browser.new_context(base_url=live_server.url, viewport=DESKTOP, color_scheme="light")
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE, color_scheme="dark",
                                has_touch=True, is_mobile=True)
    phone_light = browser.new_context(base_url=live_server.url, viewport=PHONE, color_scheme="light",
                                      has_touch=True, is_mobile=True)
    signed_out = browser.new_context(base_url=live_server.url, viewport=PHONE, color_scheme="light",
                                     has_touch=True, is_mobile=True)
    try:
        page = desktop.new_page()
        sign_in_as_alice(page)
        page.locator("#post-items a.user-link", has_text="bob").first.hover()
        expect(page.locator("#post-items .popover-card .card").first).to_be_visible()
        shot(page, folder, "home")
        page.locator("#post-items a.post-comments", has_text="3 comments").click()
        expect(page.locator("#comment-items .comment")).to_have_count(3)
        page.fill("#comment-form textarea[name=comment]", "See you there, @carol!")
        shot(page, folder, "post")
        page.goto("/notifications")
        expect(page.locator("li.notification-unread")).to_have_count(4)
        shot(page, folder, "notifications")
        page.goto("/messages")
        expect(page.locator("li.conversation-unread")).to_have_count(2)
        shot(page, folder, "inbox")
        page.goto("/messages/with/bob")
        expect(page.locator("li.new-divider")).to_have_count(1)
        shot(page, folder, "conversation")
        # One separator per local day the shown messages fall on (the demo spans one to three,
        # by the hour the data was made).
        days = page.evaluate("""new Set(Array.from(document.querySelectorAll('#thread .thread-message time.clock'))
            .map(time => new Date(time.getAttribute('datetime')).toDateString())).size""")
        assert days >= 1
        expect(page.locator("#thread .day-separator")).to_have_count(days)
        page.goto("/messages/new")
        page.keyboard.type("b")
        expect(page.locator("#people-results [role=option]")).to_have_count(1)
        page.keyboard.press("ArrowDown")
        shot(page, folder, "new-message")
        mobile = phone.new_page()
        sign_in_as_alice(mobile)
        mobile.goto("/messages/with/carol")
        expect(mobile.locator("html")).to_have_attribute("data-bs-theme", "dark")
        shot(mobile, folder, "phone-conversation-dark")
        light = phone_light.new_page()
        sign_in_as_alice(light)
        light.goto("/messages/with/dave")
        light.fill("#reply-form textarea[name=message]", "Found a new old map?")
        light.keyboard.press("Enter")
        expect(light.locator("#thread .thread-message .body-text").last).to_have_text("Found a new old map?")
        light.fill("#reply-form textarea[name=message]", "Tell me on Thursday!")
        shot(light, folder, "phone-conversation-light")
        page.goto("/edit-profile")
        page.fill("#email", "alice@example.net")
        page.evaluate("document.getElementById('email-heading').scrollIntoView({block: 'start', behavior: 'instant'})")
        shot(page, folder, "settings")
        stranger = signed_out.new_page()
        stranger.goto("/auth/login")
        stranger.click("text=Forgot your password?")
        stranger.fill("input[name=email]", "alice@example.com")
        shot(stranger, folder, "phone-forgot-password")
        stranger.click("main button[type=submit]")
        expect(stranger.locator("#alerts")).to_contain_text("on its way")
        stranger.goto(link_in(kept_mail(live_server.app, 1)[0], "/auth/reset-password"))
        stranger.fill("input[name=password]", "a brand new password")
        stranger.fill("input[name=password2]", "a brand new password")
        expect(stranger.locator("h1")).to_have_text("Choose a new password")
        shot(stranger, folder, "phone-new-password")
    finally:
        desktop.close()
        phone.close()
        phone_light.close()
        signed_out.close()
