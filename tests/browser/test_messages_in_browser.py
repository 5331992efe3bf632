"""Private messages, the badge and the popovers in Chromium."""
from datetime import timedelta

from playwright.sync_api import expect

from webapp.extensions import db
from webapp.models import Message, User, utcnow

from ..conftest import PASSWORD
from .conftest import no_page_load, register_and_login


def make_user(app, username):
    from webapp.passwords import hash_password

    with app.app_context():
        db.session.add(User(username=username, email=f"{username}@example.org", password_hash=hash_password(PASSWORD)))
        db.session.commit()


def send_in_place(page, recipient: str, text: str, click: str = "click"):
    """Open the send form, type, submit (click or dblclick) and wait for the confirmation."""
    page.goto(f"/send-message/{recipient}")
    page.fill("textarea[name=message]", text)
    getattr(page, click)("main button[type=submit]")
    expect(page.locator(".send-form [role=status]")).to_have_text("Your message has been sent.")


def stored_bodies(app):
    with app.app_context():
        return [m.body for m in db.session.scalars(db.select(Message).order_by(Message.id))]


def test_sending_in_place_from_the_profile(new_page, live_server):
    make_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    page.goto("/user/bob")
    page.click("text=Send private message")
    expect(page.locator("h1")).to_contain_text("Send a private message to")
    with no_page_load(page):
        page.fill("textarea[name=message]", "Hi Bob!")
        page.click("main button[type=submit]")
        expect(page.locator(".send-form [role=status]")).to_have_text("Your message has been sent.")
        textarea = page.locator("textarea[name=message]")
        expect(textarea).to_have_value("")
        expect(textarea).to_be_focused()
        # Ready for the next one, errors beside the field.
        page.fill("textarea[name=message]", "   ")
        page.click("main button[type=submit]")
        expect(page.locator("#message-errors")).to_have_text("Write a message first.")
        page.fill("textarea[name=message]", "Second")
        page.click("main button[type=submit]")
        expect(page.locator(".send-form [role=status]")).to_have_text("Your message has been sent.")
    assert stored_bodies(live_server.app) == ["Hi Bob!", "Second"]


def test_a_double_click_sends_one_message(new_page, live_server):
    make_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    send_in_place(page, "bob", "once", click="dblclick")
    page.wait_for_timeout(300)
    assert stored_bodies(live_server.app) == ["once"]


def test_sending_with_javascript_off(new_page, live_server):
    make_user(live_server.app, "bob")
    page = new_page(javascript=False)
    register_and_login(page, "anna")
    page.goto("/user/bob")
    page.click("text=Send private message")
    page.fill("textarea[name=message]", "x" * 141)
    page.click("main button[type=submit]")
    expect(page.locator("#message-errors")).to_contain_text("140 characters or fewer")
    page.fill("textarea[name=message]", "Plain hello")
    page.click("main button[type=submit]")
    page.wait_for_url("**/user/bob")
    expect(page.locator("#alerts")).to_contain_text("Your message has been sent.")
    assert stored_bodies(live_server.app) == ["Plain hello"]


def seed_inbox(app, recipient, sender, count):
    with app.app_context():
        to_user, from_user = User.by_username(recipient), User.by_username(sender)
        start = utcnow() - timedelta(hours=2)
        db.session.add_all(Message(sender=from_user, recipient=to_user, body=f"m{i}",
                                   timestamp=start + timedelta(minutes=i)) for i in range(count))
        db.session.commit()


def first_message(page):
    return page.locator("#message-list li.message .body-text").first


def test_inbox_paging_with_back_and_forward(new_page, live_server):
    make_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    seed_inbox(live_server.app, "anna", "bob", 25)
    page.goto("/messages")
    expect(first_message(page)).to_have_text("m24")
    with no_page_load(page):
        page.click("#message-list a[rel=next]")
        expect(first_message(page)).to_have_text("m14")
        page.click("#message-list a[rel=next]")
        expect(first_message(page)).to_have_text("m4")
    page.go_back()
    expect(first_message(page)).to_have_text("m14")
    page.go_forward()
    expect(first_message(page)).to_have_text("m4")
    page.reload()
    expect(page.locator("h1")).to_have_text("Messages")
    expect(first_message(page)).to_have_text("m4")


def test_inbox_paging_with_javascript_off(new_page, live_server):
    make_user(live_server.app, "bob")
    page = new_page(javascript=False)
    register_and_login(page, "anna")
    seed_inbox(live_server.app, "anna", "bob", 12)
    page.goto("/messages")
    page.click("#message-list a[rel=next]")
    expect(first_message(page)).to_have_text("m1")
    page.click("#message-list a[rel=prev]")
    expect(first_message(page)).to_have_text("m11")


def test_the_badge_appears_when_a_message_arrives_and_clears_in_the_inbox(new_page, live_server):
    make_user(live_server.app, "bob")
    reader = new_page()
    register_and_login(reader, "anna")
    badge = reader.locator("#unread-badge")
    expect(badge).to_be_attached()
    expect(badge).to_be_hidden()

    sender = new_page()
    register_and_login(sender, "carl")
    send_in_place(sender, "anna", "Are you there?")

    with no_page_load(reader):
        expect(badge).to_be_visible(timeout=5000)
        expect(badge).to_have_text("1 unread message")
    reader.click("nav >> text=Messages")
    expect(reader.locator("#message-list li.message-new")).to_have_count(1)
    expect(reader.locator("#unread-badge")).to_be_hidden()


def test_the_badge_stays_quiet_while_the_tab_is_hidden(new_page, live_server):
    page = new_page()
    register_and_login(page, "anna")
    polls = []
    page.on("request", lambda request: "/notifications/badge" in request.url and polls.append(request.url))
    page.wait_for_timeout(2500)
    assert len(polls) >= 1, "the badge never polled"
    page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
        Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    polls.clear()
    page.wait_for_timeout(2500)
    assert polls == []
    page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
        Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    page.wait_for_timeout(300)
    assert len(polls) == 1, polls


def test_an_expired_session_sends_the_poll_to_the_login_page(new_page, live_server):
    page = new_page()
    register_and_login(page, "anna")
    page.context.clear_cookies()
    page.wait_for_url("**/auth/login?next=/", timeout=5000)
    expect(page.locator("#unread-badge")).to_have_count(0)


def test_hovering_a_name_shows_its_card_once_and_leads_to_the_send_form(new_page, live_server):
    make_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    with live_server.app.app_context():
        from webapp.models import Post

        db.session.add(Post(author=User.by_username("bob"), body="bob was here"))
        db.session.commit()
    page.goto("/")
    fetches = []
    page.on("request", lambda request: "/popover" in request.url and fetches.append(request.url))
    link = page.locator("#post-items a.user-link").first
    card = page.locator("#post-items .popover-card").first
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
        page.wait_for_timeout(600)  # longer than the show delay: a second fetch would have started
    assert len(fetches) == 1, fetches
    link.hover()
    page.mouse.move(600, 600)
    link.hover()
    card.locator("text=Send private message").click()
    page.wait_for_url("**/send-message/bob")
    expect(page.locator("textarea[name=message]")).to_be_visible()


def test_keyboard_focus_shows_the_card_and_escape_hides_it(new_page, live_server):
    make_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    seed_inbox(live_server.app, "anna", "bob", 1)
    page.goto("/messages")
    link = page.locator("#message-list a.user-link").first
    card = page.locator("#message-list .popover-card").first
    page.locator("a.nav-link", has_text="Sent").focus()
    page.keyboard.press("Tab")  # the next stop is the first sender's name
    expect(link).to_be_focused()
    expect(card).to_be_visible()
    expect(card).to_contain_text("Send private message")
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    page.keyboard.press("Tab")  # focus moves on; coming back shows the card again
    link.focus()
    expect(card).to_be_visible()


def test_a_mouse_passing_over_names_fires_no_request(new_page, live_server):
    make_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    seed_inbox(live_server.app, "anna", "bob", 5)
    page.goto("/messages")
    fetches = []
    page.on("request", lambda request: "/popover" in request.url and fetches.append(request.url))
    for index in range(5):
        page.locator("#message-list a.user-link").nth(index).hover()
        page.wait_for_timeout(50)
    page.mouse.move(900, 900)
    page.wait_for_timeout(600)
    assert fetches == []


def test_a_proxy_error_leaves_the_form_and_the_badge_alone(new_page, live_server):
    make_user(live_server.app, "bob")
    page = new_page()
    register_and_login(page, "anna")
    page.goto("/send-message/bob")
    # A gateway in front of the app fails: its error page must not replace what the user typed.
    page.route("**/send-message/bob", lambda route: route.fulfill(status=502, body="<h1>Bad Gateway</h1>"))
    page.route("**/notifications/badge*", lambda route: route.fulfill(status=504, body="Gateway Time-out"))
    with no_page_load(page):
        page.fill("textarea[name=message]", "please arrive")
        page.click("main button[type=submit]")
        page.wait_for_timeout(1500)  # a badge poll (every second here) fails meanwhile too
        expect(page.locator("textarea[name=message]")).to_have_value("please arrive")
        expect(page.locator("#unread-badge")).to_be_attached()
    expect(page.locator("text=Bad Gateway")).to_have_count(0)
    page.unroute("**/send-message/bob")
    page.click("main button[type=submit]")
    expect(page.locator(".send-form [role=status]")).to_have_text("Your message has been sent.")
