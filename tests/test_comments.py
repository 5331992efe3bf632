"""Comments under a post, and @mentions in posts and comments."""
import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Comment, Post, User
from webapp.models.accounts import release_name

from .conftest import HTMX, PASSWORD, is_fragment, seed_post, seed_user, soup


def comment_bodies(page) -> list[str]:
    return [node.get_text() for node in page.select("#comment-items .body-text")]


def comment_count(app, post_id: int) -> tuple[int, int]:
    """(stored count, real count) of a post's comments."""
    with app.app_context():
        return (db.session.get(Post, post_id).comment_count,
                db.session.scalar(select(func.count(Comment.id)).where(Comment.post_id == post_id)))


@pytest.fixture
def post_id(app, alice):
    return seed_post(app, "bob", "Bread, again")


def test_a_post_row_links_to_its_page_with_its_comment_count(client, app, post_id):
    client.post(f"/post/{post_id}", data={"comment": "Nice"})
    row = soup(client.get("/explore")).select_one(f"#post-{post_id}")
    link = row.select_one("a.post-comments")
    assert link["href"] == f"/post/{post_id}" and link.get_text(" ", strip=True) == "1 comment"


def test_commenting_without_javascript_is_post_redirect_get(client, app, post_id):
    page = soup(client.get(f"/post/{post_id}"))
    assert page.select_one(f"#post-{post_id} .body-text").get_text() == "Bread, again"
    assert "No comments yet" in page.select_one("#comment-list").get_text()
    response = client.post(f"/post/{post_id}", data={"comment": "  Looks good  "})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/post/{post_id}#comment-")
    page = soup(client.get(f"/post/{post_id}"))
    assert comment_bodies(page) == ["Looks good"]
    assert "Your comment is posted." in page.select_one("#alerts").get_text()
    assert comment_count(app, post_id) == (1, 1)


def test_commenting_in_place_appends_empties_and_keeps_the_focus(client, app, post_id):
    client.post(f"/post/{post_id}", data={"comment": "first"})
    response = client.post(f"/post/{post_id}", data={"comment": "second"}, headers=HTMX)
    assert response.status_code == 200 and is_fragment(response)
    page = soup(response)
    field = page.select_one("form#comment-form textarea[name=comment]")
    assert field.get_text().strip() == "" and field.has_attr("autofocus")
    assert comment_bodies(page.select_one("#comment-list[hx-swap-oob]")) == ["first", "second"]


@pytest.mark.parametrize(("comment", "error"), [("", "Write a comment first."), ("   ", "Write a comment first."),
                                                 ("x" * 141, "140 characters"), ("a\x00b", "control characters")])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_bad_comment_gets_422_beside_the_field_and_stores_nothing(client, app, post_id, comment, error, headers):
    response = client.post(f"/post/{post_id}", data={"comment": comment}, headers=headers)
    assert response.status_code == 422 and is_fragment(response) == bool(headers)
    assert error in soup(response).select_one("#comment-errors").get_text()
    assert comment_count(app, post_id) == (0, 0)


def test_a_comment_on_a_post_that_is_gone_is_a_clear_error(client, app, post_id):
    with app.app_context():
        db.session.delete(db.session.get(Post, post_id))
        db.session.commit()
    response = client.post(f"/post/{post_id}", data={"comment": "hello?"}, headers=HTMX)
    assert response.status_code == 404 and response.headers["HX-Retarget"] == "#alerts"
    assert "your comment was not stored" in soup(response).get_text()
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0


@pytest.mark.parametrize("path", ["/post/999", "/post/0", "/post/99999999999999", "/post/abc", "/post/-1"])
def test_unknown_posts_are_404(client, alice, path):
    assert client.get(path).status_code == 404


def test_comments_open_at_the_newest_oldest_first_and_page_back(client, app, post_id):
    app.config["COMMENTS_PER_PAGE"] = 3
    for index in range(7):
        client.post(f"/post/{post_id}", data={"comment": f"c{index}"})
    page = soup(client.get(f"/post/{post_id}"))
    assert comment_bodies(page) == ["c4", "c5", "c6"]
    older = page.select_one("#comment-list a[rel=next]")
    assert older["hx-target"] == "#comment-list"
    fragment = client.get(older["href"], headers=HTMX)
    assert is_fragment(fragment) and comment_bodies(soup(fragment)) == ["c1", "c2", "c3"]
    first = soup(client.get(soup(fragment).select_one("a[rel=next]")["href"]))
    assert comment_bodies(first) == ["c0"]


def test_a_post_page_costs_the_same_statements_for_1_and_100_comments(client, app, post_id, sql_statements):
    client.post(f"/post/{post_id}", data={"comment": "one"})
    with sql_statements() as one:
        client.get(f"/post/{post_id}")
    with app.app_context():
        author = User.by_username("alice")
        for index in range(99):
            Comment.add(post_id, author, f"more {index}")
    with sql_statements() as many:
        client.get(f"/post/{post_id}")
    assert len(many) == len(one) <= 3, one  # the viewer, the post, the page of comments
    assert comment_count(app, post_id) == (100, 100)


def test_commenting_is_rate_limited_per_user(make_app):
    from webapp.extensions import limiter

    app = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True, SEND_RATE_LIMIT="2 per minute")
    limiter.reset()
    seed_user(app, "alice")
    post = seed_post(app, "alice", "hi")
    client = app.test_client()
    client.post("/auth/login", data={"username": "alice", "password": "correct horse battery"})
    statuses = [client.post(f"/post/{post}", data={"comment": f"c{i}"}, headers=HTMX).status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    limiter.reset()


def test_recount_mends_comment_counts(client, app, post_id):
    client.post(f"/post/{post_id}", data={"comment": "one"})
    with app.app_context():
        db.session.execute(db.update(Post).values(comment_count=9))
        db.session.commit()
        assert Comment.recount() == 1
    assert comment_count(app, post_id) == (1, 1)


# Mentions

def mention_links(page) -> list[tuple[str, str]]:
    return [(link["href"], link.get_text()) for link in page.select(".body-text a.mention")]


def test_a_mention_in_a_post_links_to_the_person_with_their_card(client, app, alice, make_user):
    make_user("Carol")
    client.post("/", data={"post": "Lunch with @bob and @CAROL, not @nobody or me@example.org; @bob."})
    page = soup(client.get("/"))
    assert mention_links(page) == [("/user/bob", "@bob"), ("/user/CAROL", "@CAROL"), ("/user/bob", "@bob")]
    link = page.select_one(".body-text a.mention")
    assert link["hx-get"] == "/user/bob/popover" and link.find_next_sibling(class_="popover-card") is not None
    assert "@nobody" in page.select_one(".body-text").get_text()


def test_a_mention_in_a_comment_links_too(client, app, post_id):
    client.post(f"/post/{post_id}", data={"comment": "@bob, try less salt"})
    assert mention_links(soup(client.get(f"/post/{post_id}"))) == [("/user/bob", "@bob")]


@pytest.mark.parametrize("text", ['@bob<script>alert(1)</script>', '<a href="/x">@bob</a>', '@bob" onmouseover="x',
                                  "@bob&amp;<b>", "<@bob>", '"@bob"'])
def test_mentions_are_linked_after_escaping(client, app, post_id, text):
    client.post("/", data={"post": text})
    client.post(f"/post/{post_id}", data={"comment": text})
    for path in ("/", f"/post/{post_id}"):
        page = soup(client.get(path))
        for body in page.select(".body-text"):
            assert body.select("script, b, a:not(.mention)") == [], body
            assert body.get_text().replace("\n", "") in (text, "Bread, again"), body


@pytest.mark.parametrize("bob_does, still_linked", [("renames", False), ("deletes", False),
                                                    ("changes case", True)])
def test_a_name_given_up_is_no_longer_a_link_where_it_was_mentioned(client, app, alice, make_user, bob_does,
                                                                     still_linked):
    make_user("carol")
    carols_post = seed_post(app, "carol", "Soup tonight")
    client.post("/", data={"post": "Lunch with @Bob and @carol"})
    client.post(f"/post/{carols_post}", data={"comment": "@bob, @carol says hi"})
    bob = app.test_client()
    bob.post("/auth/login", data={"username": "bob", "password": PASSWORD})
    if bob_does == "deletes":
        assert bob.post("/delete-account", data={"password": PASSWORD}).status_code == 303
    else:
        new_name = "robert" if bob_does == "renames" else "BoB"
        assert bob.post("/edit-profile", data={"username": new_name, "about_me": ""}).status_code == 303
    if not still_linked:  # a newcomer takes the name
        assert app.test_client().post("/auth/register", data={
            "username": "BOB", "email": "new@example.org", "password": PASSWORD, "password2": PASSWORD,
        }).status_code == 303
    bobs = [("/user/Bob", "@Bob")] if still_linked else []
    assert mention_links(soup(client.get("/"))) == bobs + [("/user/carol", "@carol")]
    bobs = [("/user/bob", "@bob")] if still_linked else []
    assert mention_links(soup(client.get(f"/post/{carols_post}"))) == bobs + [("/user/carol", "@carol")]
    assert "Lunch with @Bob and @carol" in soup(client.get("/")).select_one(".body-text").get_text()


def test_releasing_a_name_leaves_names_it_matches_only_as_a_pattern(app, make_user):
    for name in ("ann", "a_b", "axb", "a_bc"):
        make_user(name)
    with app.app_context():
        stored = select(Post.mentions).where(Post.id == Post.publish(User.by_username("ann"), "@a_b @axb @a_bc").id)
        release_name("a_b")
        db.session.commit()
        assert db.session.scalar(stored) == "a_bc axb"
        release_name("a_bc")
        release_name("axb")
        db.session.commit()
        assert db.session.scalar(stored) is None


def test_a_post_that_mentions_stores_the_names_that_were_people(app, alice, make_user):
    make_user("carol")
    with app.app_context():
        post = Post.publish(User.by_username("alice"), "hi @Carol @bob @ghost @alice")
        assert post.mentions == "alice bob carol"
