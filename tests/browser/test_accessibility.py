"""axe-core (vendored from npm, checksummed) on every page and state, at desktop and phone width,
in light and dark mode: no violation of WCAG 2.2 AA of any impact; and no page scrolls sideways
at 320 px."""
import hashlib
import pathlib

import pytest

from webapp.models import RESET_PASSWORD, AccountToken, User

from ..conftest import seed_follow, seed_message, seed_post, seed_user
from .conftest import register_and_login

VENDOR = pathlib.Path(__file__).resolve().parent / "vendor"
AXE = VENDOR / "axe-4.14.1.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def axe_source() -> str:
    """axe-core's source, after checking it is the copy recorded in SHA256SUMS."""
    recorded = dict(reversed(line.split()) for line in (VENDOR / "SHA256SUMS").read_text().splitlines() if line)
    data = AXE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == recorded[AXE.name], "the vendored axe-core was changed"
    return data.decode("utf-8")


def violations(page) -> list[str]:
    """axe's WCAG 2.2 AA violations on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())  # through the DevTools protocol: the page's CSP does not apply
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                          ".then(result => result.violations.map(v => v.id + ' (' + v.impact + '): '"
                          " + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')))", WCAG_22_AA)
    return found


def submit_with_errors(page, button: str = "main button[type=submit]") -> None:
    """Submit a form that the server sends back with errors, and wait until they are shown: a
    check made while the answer is still loading would see a half-built (unstyled) page."""
    page.click(button)
    page.wait_for_selector("main [aria-invalid=true]")
    page.wait_for_load_state("load")


def submit_anyway(page, form: str) -> None:
    """Submit a form past the page's own check (its Send waits for valid text), as a stale page
    would: the server's answer with its errors is a state of its own."""
    page.evaluate("selector => document.querySelector(selector).requestSubmit()", form)


def states(page, live_server):
    """Walk every page and state a person meets; yield a name for each as the page shows it."""
    page.goto("/auth/login")
    yield "login"
    submit_with_errors(page)
    yield "login with errors"
    page.goto("/auth/register")
    page.fill("input[name=password]", "short")
    submit_with_errors(page)
    yield "register with errors"
    page.goto("/auth/reset-password")
    yield "forgot password"
    page.goto("/auth/reset-password/" + "x" * 43)
    yield "a reset link that does not work"
    page.goto("/auth/verify/" + "x" * 43)
    yield "a confirmation link that does not work"
    seed_user(live_server.app, "bob", about_me="Builds things.")
    with live_server.app.app_context():
        token = AccountToken.issue(User.by_username("bob"), RESET_PASSWORD)
    page.goto(f"/auth/reset-password/{token}")
    yield "choose a new password"
    register_and_login(page, "anna")
    seed_post(live_server.app, "bob", "A post by bob")
    seed_message(live_server.app, "bob", "anna", "Hello anna")
    page.goto("/")
    yield "home"
    page.fill("textarea[name=post]", "   ")
    submit_anyway(page, "#post-form")
    page.wait_for_selector("#post-errors")
    yield "home with a post error"
    page.fill("textarea[name=post]", "A post of mine")
    page.click("#post-form button[type=submit]")
    page.wait_for_selector("#post-form [role=status]:has-text('live')")
    page.wait_for_function("document.activeElement.name === 'post'")  # settled: the field took the focus back
    yield "home after a post"
    page.locator("#post-items a.user-link").first.focus()
    page.wait_for_selector("#post-items .popover-card .card")
    yield "popover card open"
    page.goto("/user/bob")
    yield "profile"
    page.click(".profile .follow-box button")
    page.wait_for_selector(".profile .follow-box button:has-text('Unfollow')")
    yield "profile after following"
    page.goto("/user/bob/followers")
    yield "followers"
    page.goto("/explore")
    yield "explore"
    page.click("#post-items a.post-comments >> nth=0")
    page.wait_for_selector("#comment-form")
    yield "a post and its comments"
    page.fill("textarea[name=comment]", "Hello @bob")
    page.click("#comment-form button[type=submit]")
    page.wait_for_selector("#comment-items a.mention")
    yield "a post after commenting"
    page.fill("textarea[name=comment]", "   ")
    submit_anyway(page, "#comment-form")
    page.wait_for_selector("#comment-errors")
    yield "a post with a comment error"
    page.goto("/edit-profile")
    page.fill("input[name=username]", "a b")
    submit_with_errors(page, "main form button[type=submit] >> nth=0")
    yield "edit profile with errors"
    page.goto("/delete-account")
    yield "delete account"
    page.goto("/messages")
    yield "inbox"
    page.click("li.conversation .row-menu summary")
    yield "inbox with a row's menu open"
    page.goto("/messages/with/bob")
    yield "conversation"
    page.click(".conversation-header .row-menu summary")
    yield "conversation with its menu open"
    page.evaluate("document.getElementById('jump-to-new').hidden = false")
    yield "conversation with the new-messages button"
    page.fill("#reply-form textarea[name=message]", "   ")
    submit_anyway(page, "#reply-form")
    page.wait_for_selector("#message-errors")
    yield "conversation with a reply error"
    page.goto("/send-message/bob")
    yield "send form"
    page.fill("textarea[name=message]", "   ")
    submit_anyway(page, "main form")
    page.wait_for_selector("#message-errors")
    yield "send form with an error"
    page.fill("textarea[name=message]", "Sent from the form")
    page.click("main button[type=submit]")
    page.wait_for_url("**/messages/with/bob*")
    yield "conversation after sending"
    page.goto("/messages/new")
    yield "new message"
    page.fill("input[name=q]", "b")
    page.wait_for_selector("#people-results [role=option]")
    page.keyboard.press("ArrowDown")
    yield "new message with a person chosen"
    page.fill("input[name=q]", "zzz")
    page.wait_for_selector("#people-results :text('No one')")
    yield "new message with no one found"
    seed_follow(live_server.app, "bob", "anna")
    seed_post(live_server.app, "bob", "Hello @anna")
    page.goto("/notifications")
    yield "notifications"
    page.goto("/notifications/settings")
    yield "notification settings"
    page.goto("/")
    seed_post(live_server.app, "bob", "A fresh post")
    page.wait_for_selector("button.new-posts-button")
    yield "home with new posts to show"
    page.goto("/auth/sessions")
    yield "sessions"
    page.click("nav .account-menu summary")
    yield "account menu open"
    page.goto("/user/nobody-here")
    yield "404"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_every_page_and_state_passes_axe(new_page, live_server, width, scheme):
    page = new_page()
    page.set_viewport_size(VIEWPORTS[width])
    # Reduced motion: no colour is caught half-way through a transition (a hovered button that was just swapped in).
    page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    problems = {name: found for name in states(page, live_server) if (found := violations(page))}
    assert problems == {}, "\n".join(f"{name}: {found}" for name, found in problems.items())


def test_no_page_scrolls_sideways_at_320_px(new_page, live_server):
    page = new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    wide = {}
    for name in states(page, live_server):
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            wide[name] = overflow
    assert wide == {}


def test_no_page_scrolls_sideways_at_200_percent_text_on_a_phone(browser, live_server):
    """WCAG 1.4.4: text twice its size (the root font size, which Bootstrap's rem units follow) at
    390 px needs no sideways scrolling; every menu stays on screen."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                  bypass_csp=True)  # the test's own style sheet, not the page's
    try:
        page = context.new_page()
        page.add_init_script("document.addEventListener('DOMContentLoaded', () => {"
                             "const style = document.createElement('style');"
                             "style.textContent = 'html { font-size: 200% !important; }';"
                             "document.head.appendChild(style); });")
        wide = {}
        for name in states(page, live_server):
            overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            offscreen = page.evaluate("""() => Array.from(document.querySelectorAll('details[open] .dropdown-menu'))
                .map(menu => menu.getBoundingClientRect()).filter(box => box.left < 0 || box.right > innerWidth).length""")
            if overflow > 0 or offscreen:
                wide[name] = (overflow, offscreen)
        assert wide == {}
    finally:
        context.close()


# What a thumb must be able to hit on a phone: controls, not links inside running text.
TARGETS = ("main button:visible, main summary:visible, main .btn:visible, main a.user-link:not(.mention):visible, "
           "main a.conversation-link:visible, main [role=option]:visible, nav a:visible, nav summary:visible")
# (A mention is a link inside running text: WCAG exempts inline targets.)


def test_touch_targets_are_at_least_44_px_on_a_phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                  has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        small = {}
        for name in states(page, live_server):
            boxes = page.evaluate("""selector => Array.from(document.querySelectorAll(selector.replaceAll(':visible', '')))
                .filter(element => element.offsetParent !== null && !element.closest('.popover-card'))
                .map(element => [element.outerHTML.slice(0, 80), element.getBoundingClientRect()])
                .filter(([, box]) => box.width > 0 && (box.width < 44 || box.height < 44))
                .map(([html, box]) => html + ' ' + Math.round(box.width) + 'x' + Math.round(box.height))""", TARGETS)
            if boxes:
                small[name] = boxes
        assert small == {}, "\n".join(f"{name}: {found}" for name, found in small.items())
    finally:
        context.close()
