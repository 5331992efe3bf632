"""Accounts and posts in Chromium, with JavaScript on (htmx) and off (plain forms)."""
from datetime import timedelta

from playwright.sync_api import expect

from webapp.models import Post, User, utcnow

from .conftest import no_page_load, register_and_login


def test_register_log_in_and_post_in_place_with_htmx(new_page):
    page = new_page()
    register_and_login(page, "anna")
    expect(page.locator("h1")).to_have_text("Home")
    with no_page_load(page):
        page.fill("textarea[name=post]", "Hello from htmx")
        page.click("#post-form button[type=submit]")
        expect(page.locator("#post-items li.post").first.locator(".body-text")).to_have_text("Hello from htmx")
        expect(page.locator("textarea[name=post]")).to_have_value("")
        expect(page.locator("#post-form [role=status]")).to_have_text("Your post is now live!")
    expect(page.locator("#post-items .empty-state")).to_be_hidden()


def test_a_bad_post_shows_its_error_beside_the_field_in_place(new_page):
    page = new_page()
    register_and_login(page, "anna")
    submit = "document.getElementById('post-form').requestSubmit()"  # past the page's own check
    with no_page_load(page):
        page.fill("textarea[name=post]", "   ")
        expect(page.locator("#post-form button[type=submit]")).to_be_disabled()
        page.evaluate(submit)
        expect(page.locator("#post-errors")).to_have_text("Write something first.")
        page.fill("textarea[name=post]", "x" * 141)
        expect(page.locator("#post-form button[type=submit]")).to_be_disabled()
        page.evaluate(submit)
        expect(page.locator("#post-errors")).to_contain_text("140 characters or fewer")
    expect(page.locator("#post-items li.post")).to_have_count(0)


def test_a_form_swapped_in_handles_a_submit_at_once(new_page):
    """The form an error answer swaps in is processed by htmx in the swap itself: a submit
    a few milliseconds later (a key held down) goes through htmx, never natively."""
    page = new_page()
    register_and_login(page, "anna")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.headers.get("hx-request")))
    with no_page_load(page):
        page.evaluate("""document.body.addEventListener("htmx:afterSwap", function () {
            window.setTimeout(function () { document.getElementById("post-form").requestSubmit(); }, 5);
        }, {once: true})""")
        page.fill("textarea[name=post]", "x" * 141)
        page.evaluate("document.getElementById('post-form').requestSubmit()")
        expect(page.locator("#post-errors")).to_contain_text("140 characters or fewer")
        page.wait_for_timeout(300)
    assert posts == ["true", "true"]


def test_register_log_in_and_post_with_javascript_off(new_page):
    page = new_page(javascript=False)
    register_and_login(page, "bruno")
    page.fill("textarea[name=post]", "Hello without JS")
    page.click("#post-form button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("#alerts")).to_contain_text("Your post is now live!")
    expect(page.locator("#post-items li.post").first.locator(".body-text")).to_have_text("Hello without JS")
    page.fill("textarea[name=post]", "  ")
    page.click("#post-form button[type=submit]")
    expect(page.locator("#post-errors")).to_have_text("Write something first.")


def seed_posts(app, author: str, count: int):
    with app.app_context():
        user = User.by_username(author)
        start = utcnow() - timedelta(hours=1)
        for i in range(count):
            Post.publish(user, f"post {i}", timestamp=start + timedelta(minutes=i))


def first_body(page):
    return page.locator("#post-items li.post .body-text").first


def test_paging_swaps_the_list_pushes_the_url_and_back_and_forward_work(new_page, live_server):
    page = new_page()
    register_and_login(page, "carla")
    seed_posts(live_server.app, "carla", 25)
    page.goto("/")
    expect(first_body(page)).to_have_text("post 24")
    with no_page_load(page):
        page.click("a[rel=next]")
        expect(first_body(page)).to_have_text("post 14")
        assert "before=" in page.url
        page.click("a[rel=next]")
        expect(first_body(page)).to_have_text("post 4")
    third_url = page.url
    page.go_back()
    expect(first_body(page)).to_have_text("post 14")
    page.go_back()
    expect(first_body(page)).to_have_text("post 24")
    page.go_forward()
    expect(first_body(page)).to_have_text("post 14")
    page.goto(third_url)  # a reload of a pushed URL is the full page
    expect(page.locator("h1")).to_have_text("Home")
    expect(first_body(page)).to_have_text("post 4")


def test_paging_works_with_javascript_off(new_page, live_server):
    page = new_page(javascript=False)
    register_and_login(page, "dino")
    seed_posts(live_server.app, "dino", 15)
    page.goto("/")
    page.click("a[rel=next]")
    expect(first_body(page)).to_have_text("post 4")
    page.click("a[rel=prev]")
    expect(first_body(page)).to_have_text("post 14")


def test_editing_the_profile(new_page):
    page = new_page()
    register_and_login(page, "emil")
    page.click("nav .account-menu summary")
    page.click("nav .account-menu >> text=Profile")
    page.click("text=Edit your profile")
    page.fill("textarea[name=about_me]", "I like <b>maps</b>")
    page.click("main button[type=submit]")
    expect(page.locator("#alerts")).to_contain_text("Your changes have been saved.")
    expect(page.locator("main")).to_contain_text("I like <b>maps</b>")


def test_an_htmx_error_shows_in_the_alert_region_and_the_form_keeps_its_text(new_page):
    page = new_page()
    register_and_login(page, "fay")
    # A stale CSRF token, as after a server-side secret change: the post must be refused visibly.
    page.evaluate("""() => document.body.setAttribute('hx-headers', '{"X-CSRFToken": "stale"}')""")
    page.evaluate("""() => document.querySelector('#post-form input[name=csrf_token]').value = 'stale'""")
    with no_page_load(page):
        page.fill("textarea[name=post]", "will this go through?")
        page.click("#post-form button[type=submit]")
        expect(page.locator("#alerts .alert-danger")).to_contain_text("This form has expired")
        expect(page.locator("textarea[name=post]")).to_have_value("will this go through?")
    expect(page.locator("#post-items li.post")).to_have_count(0)
