"""Home: the timeline and the new-post form, as a plain browser and as htmx."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Post, utcnow

from .conftest import HTMX, is_fragment, post_counts, soup


def post_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Post.id)))


def test_home_needs_login(client):
    response = client.get("/")
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login?next=/"
    assert "Please log in" in soup(client.get(response.headers["Location"])).select_one("#alerts").get_text()


def test_explore_shows_everyones_posts(client, alice, add_post):
    add_post("bob", "hello from bob")
    response = client.get("/explore")
    page = soup(response)
    items = page.select("#post-items > li.post")
    assert [item.select_one(".body-text").get_text() for item in items] == ["hello from bob"]
    assert items[0].select_one("a.user-link")["href"] == "/user/bob"
    assert items[0].select_one("time")["datetime"].endswith("Z")
    assert "HX-Request" in response.headers["Vary"]


def test_posting_without_js_redirects_with_303(client, app, alice):
    response = client.post("/", data={"post": "  my first post  "})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = soup(client.get("/"))
    assert page.select_one("#post-items .body-text").get_text() == "my first post"
    assert "Your post is now live!" in page.select_one("#alerts").get_text()


def test_a_published_post_is_counted_on_its_author_and_a_bad_one_is_not(client, app, alice):
    for body in ("one", "two", ""):
        client.post("/", data={"post": body}, headers=HTMX)
    assert post_counts(app)["alice"] == (2, 2)
    assert "2 posts" in client.get("/user/alice/popover", headers=HTMX).get_data(as_text=True)


def test_posting_with_htmx_returns_a_fresh_form_and_the_post_out_of_band(client, app, alice):
    response = client.post("/", data={"post": "in place"}, headers=HTMX)
    assert response.status_code == 200 and is_fragment(response)
    page = soup(response)
    assert page.select_one("form#post-form textarea").get_text().strip() == ""
    assert "Your post is now live!" in page.select_one("form#post-form [role=status]").get_text()
    oob = page.select_one("[hx-swap-oob='afterbegin:#post-items']")
    assert oob.select_one("li.post .body-text").get_text() == "in place"
    textarea = page.select_one("form#post-form textarea")
    assert textarea.has_attr("autofocus"), "the field keeps the focus for the next post"
    # The notice reaches the persistent live region too: the form that shows it was replaced.
    assert page.select_one("#announcer[hx-swap-oob='innerHTML']").get_text() == "Your post is now live!"
    assert post_count(app) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Write something first."), ("   \n\t ", "Write something first."),
     ("x" * 141, "140 characters or fewer"), ("nul\x00byte", "control characters")],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_bad_posts_get_422_with_the_error_beside_the_field(client, app, alice, body, message, headers):
    response = client.post("/", data={"post": body}, headers=headers)
    assert response.status_code == 422
    assert message in soup(response).select_one("#post-errors").get_text()
    assert is_fragment(response) == bool(headers)
    assert post_count(app) == 0


def test_a_missing_field_is_an_error_not_a_crash(client, app, alice):
    response = client.post("/", data={"unrelated": "x"}, headers=HTMX)
    assert response.status_code == 422
    assert client.post("/", headers=HTMX).status_code == 415  # no form at all
    assert post_count(app) == 0


def test_140_emoji_fit_in_a_post(client, app, alice):
    body = "\N{GRINNING FACE}" * 140
    assert client.post("/", data={"post": body}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Post.body)) == body


def test_markup_in_posts_is_escaped(client, alice):
    hostile = '<script>alert(1)</script><a hx-get="/x" onclick="y">"quoted"</a>'
    client.post("/", data={"post": hostile})
    page = soup(client.get("/"))
    body = page.select_one("#post-items .body-text")
    assert body.get_text() == hostile
    assert body.find("script") is None and body.find("a") is None


def make_posts(add_post, count):
    start = utcnow() - timedelta(days=1)
    for index in range(count):
        add_post("bob", f"post {index}", timestamp=start + timedelta(minutes=index))


def bodies(page):
    return [node.get_text() for node in page.select("#post-items .body-text")]


def test_the_timeline_pages_by_cursor_in_both_directions(client, alice, add_post):
    make_posts(add_post, 25)  # 10 per page: 24..15, 14..5, 4..0
    first = soup(client.get("/explore"))
    assert bodies(first) == [f"post {i}" for i in range(24, 14, -1)]
    assert first.select_one("a[rel=prev]") is None
    older = first.select_one("a[rel=next]")
    assert older["hx-get"] == older["href"] and older["hx-push-url"] == "true"
    assert older["hx-target"] == "#post-list"

    second = client.get(older["href"], headers=HTMX)
    assert is_fragment(second)
    second = soup(second)
    assert bodies(second) == [f"post {i}" for i in range(14, 4, -1)]
    third = soup(client.get(second.select_one("a[rel=next]")["href"]))
    assert bodies(third) == [f"post {i}" for i in range(4, -1, -1)]
    assert third.select_one("a[rel=next]") is None

    back = soup(client.get(third.select_one("a[rel=prev]")["href"]))
    assert bodies(back) == [f"post {i}" for i in range(14, 4, -1)]
    back = soup(client.get(back.select_one("a[rel=prev]")["href"]))
    assert bodies(back) == [f"post {i}" for i in range(24, 14, -1)]
    assert back.select_one("a[rel=prev]") is None


@pytest.mark.parametrize("query", ["before=abc", "after=-5", "before=1_", "before=" + "9" * 40,
                                   "before=99999999999999999_1", "after=%00", "page=-1"])
def test_garbage_cursors_give_a_sensible_page(client, alice, add_post, query):
    make_posts(add_post, 3)
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    assert len(bodies(soup(response))) in (0, 3)


def test_past_the_end_offers_the_way_back(client, alice, add_post):
    make_posts(add_post, 3)
    page = soup(client.get("/?before=1_1"))
    assert bodies(page) == []
    assert page.select_one("a[rel=first]")["href"] == "/"


def test_a_history_restore_gets_the_full_page(client, alice):
    response = client.get("/", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert not is_fragment(response)


def test_the_timeline_costs_the_same_queries_for_one_post_and_a_full_page(client, alice, add_post, sql_statements):
    add_post("bob")
    client.get("/")
    with sql_statements() as one:
        client.get("/")
    make_posts(add_post, 30)
    with sql_statements() as many:
        client.get("/")
    assert len(one) == len(many) <= 4
