"""A sick server in Chromium: the badge keeps what it shows, says nothing odd, and backs off."""
import pytest
from playwright.sync_api import expect

from .conftest import register_and_login

BADGE = "/notifications/badge"


class SickBadge:
    """WSGI middleware in front of the live app: while `failing`, the badge poll gets a 503, as it
    does when the database cannot be reached."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.failing = False

    def __call__(self, environ, start_response):
        if self.failing and environ["PATH_INFO"] == BADGE:
            start_response("503 Service Unavailable", [("Retry-After", "5"), ("Content-Length", "0")])
            return [b""]
        return self.wsgi_app(environ, start_response)


# Polling only (as while the live stream is down, which test_live_in_browser.py shows it is then).
@pytest.mark.parametrize("live_server", [{"LIVE_UPDATES": False}], indirect=True)
def test_a_failing_badge_poll_backs_off_and_leaves_the_page_alone(new_page, live_server):
    sick = SickBadge(live_server.app.wsgi_app)
    live_server.app.wsgi_app = sick
    page = new_page()
    register_and_login(page, "anna")
    page.goto("/")  # past the welcome notice
    badge_requests = []
    page.on("request", lambda request: BADGE in request.url and badge_requests.append(request.url))

    sick.failing = True
    with page.expect_response(lambda response: BADGE in response.url and response.status == 503, timeout=5000):
        pass  # the next poll (every second here) meets the sick server
    seen = len(badge_requests)
    # Within the back-off, neither the interval nor a tab coming back may ask again.
    page.evaluate("() => { for (let i = 0; i < 3; i++) htmx.trigger('#unread-badge', 'poll'); }")
    with page.expect_response(lambda response: response.url.endswith("/static/app.css")):
        page.evaluate("() => fetch('/static/app.css', {cache: 'no-store'})")  # a marker later than any poll
    assert len(badge_requests) == seen, badge_requests

    expect(page.locator("#unread-badge")).to_be_attached()
    expect(page.locator("#alerts")).to_have_text("")
