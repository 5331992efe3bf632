"""axe-core (vendored from npm, checksummed) on every page and state, at desktop and phone width,
in light and dark mode: no violation of WCAG 2.2 AA of any impact; and no page scrolls sideways
at 320 px."""
import hashlib
import pathlib

import pytest

from ..conftest import seed_message, seed_post, seed_user
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
    seed_user(live_server.app, "bob", about_me="Builds things.")
    register_and_login(page, "anna")
    seed_post(live_server.app, "bob", "A post by bob")
    seed_message(live_server.app, "bob", "anna", "Hello anna")
    page.goto("/")
    yield "home"
    page.fill("textarea[name=post]", "   ")
    page.click("#post-form button[type=submit]")
    page.wait_for_selector("#post-errors")
    yield "home with a post error"
    page.locator("#post-items a.user-link").first.focus()
    page.wait_for_selector("#post-items .popover-card .card")
    yield "popover card open"
    page.goto("/user/bob")
    yield "profile"
    page.goto("/edit-profile")
    page.fill("input[name=username]", "a b")
    submit_with_errors(page, "main form button[type=submit] >> nth=0")
    yield "edit profile with errors"
    page.goto("/messages")
    yield "inbox"
    page.goto("/messages/with/bob")
    yield "conversation"
    page.fill("#reply-form textarea[name=message]", "   ")
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("#message-errors")
    yield "conversation with a reply error"
    page.goto("/send-message/bob")
    yield "send form"
    page.fill("textarea[name=message]", "   ")
    page.click("main button[type=submit]")
    page.wait_for_selector("#message-errors")
    yield "send form with an error"
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
    page.emulate_media(color_scheme=scheme)
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
