"""Follows: the buttons in place and without JavaScript, the counts, the lists, and the home
timeline of the people one follows (everyone's is /explore)."""

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Follow, User

from .conftest import HTMX, is_fragment, seed_post, seed_user, soup
from .test_concurrency import at_once, signed_in


def counts(app, username: str) -> tuple[int, int]:
    """(followers, following) as stored on the user."""
    with app.app_context():
        user = User.by_username(username)
        return user.follower_count, user.following_count


def follows(app) -> set[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(select(Follow.follower_id, Follow.followed_id)).all()
        names = {user.id: user.username for user in db.session.scalars(select(User))}
        return {(names[a], names[b]) for a, b in rows}


def bodies(page) -> list[str]:
    return [node.get_text() for node in page.select("#post-items .body-text")]


def test_following_without_javascript_is_post_redirect_get(client, app, alice):
    page = soup(client.get("/user/bob"))
    box = page.select_one(".follow-box")
    assert " ".join(box.get_text().split()).startswith("0 followers 0 following")
    form = box.select_one("form[action='/user/bob/follow']")
    assert form["hx-post"] == "/user/bob/follow" and form["hx-target"] == "closest .follow-box"
    response = client.post("/user/bob/follow")
    assert response.status_code == 303 and response.headers["Location"] == "/user/bob"
    assert "You now follow bob." in soup(client.get("/user/bob")).select_one("#alerts").get_text()
    assert counts(app, "bob") == (1, 0) and counts(app, "alice") == (0, 1)
    assert soup(client.get("/user/bob")).select_one(".follow-box form")["action"] == "/user/bob/unfollow"
    response = client.post("/user/bob/unfollow")
    assert response.status_code == 303
    assert counts(app, "bob") == (0, 0) and counts(app, "alice") == (0, 0)
    assert follows(app) == set()


def test_following_in_place_swaps_the_box_with_its_count(client, app, alice):
    response = client.post("/user/bob/follow", headers=HTMX)
    assert response.status_code == 200 and is_fragment(response)
    box = soup(response).select_one(".follow-box")
    assert box.select_one("a[href='/user/bob/followers']").get_text(" ", strip=True) == "1 follower"
    assert box.select_one("button").get_text(" ", strip=True) == "Unfollow bob"
    assert "You now follow bob." in soup(response).select_one("#announcer").get_text()
    box = soup(client.post("/user/bob/unfollow", headers=HTMX)).select_one(".follow-box")
    assert box.select_one("a[href='/user/bob/followers']").get_text(" ", strip=True) == "0 followers"


def test_following_twice_is_one_follow_and_unfollowing_twice_changes_nothing(client, app, alice):
    for _ in range(3):
        assert client.post("/user/BOB/follow").status_code == 303
    assert follows(app) == {("alice", "bob")} and counts(app, "bob") == (1, 0)
    for _ in range(2):
        client.post("/user/bob/unfollow")
    assert follows(app) == set() and counts(app, "bob") == (0, 0)


def test_twenty_people_following_one_at_once_count_twenty(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    seed_user(app, "star")
    fans = [f"fan{index}" for index in range(20)]
    for name in fans:
        seed_user(app, name)
    clients = [signed_in(app, name) for name in fans]
    statuses = at_once(*[lambda client=client: client.post("/user/star/follow").status_code for client in clients],
                       *[lambda client=client: client.post("/user/star/follow").status_code for client in clients[:5]])
    assert statuses == [303] * 25
    assert counts(app, "star") == (20, 0)
    assert len(follows(app)) == 20


def test_one_cannot_follow_oneself_or_someone_unknown(client, app, alice):
    response = client.post("/user/alice/follow", headers=HTMX)
    assert response.status_code == 403 and "cannot follow yourself" in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#alerts"
    assert client.post("/user/nobody/follow").status_code == 404
    assert client.post("/user/%00/unfollow").status_code == 404
    assert soup(client.get("/user/alice")).select_one(".follow-box form") is None  # no button on one's own
    assert follows(app) == set()


def test_following_needs_a_session_and_a_post(client, make_user):
    make_user("bob")
    assert client.post("/user/bob/follow").status_code == 303  # to the login page
    assert client.get("/user/bob/follow").status_code == 405


def test_the_lists_of_followers_and_followed_page_by_cursor(client, app, alice, make_user):
    app.config["POSTS_PER_PAGE"] = 2
    for index in range(5):
        make_user(f"fan{index}", about_me=f"fan number {index}")
        other = app.test_client()
        other.post("/auth/login", data={"username": f"fan{index}", "password": "correct horse battery"})
        other.post("/user/alice/follow")
    client.post("/user/bob/follow")
    page = soup(client.get("/user/alice/followers"))
    names = lambda p: [node.get_text() for node in p.select("#people-list a.user-link")]  # noqa: E731
    assert names(page) == ["fan4", "fan3"]
    older = page.select_one("#people-list a[rel=next]")
    fragment = client.get(older["href"], headers=HTMX)
    assert is_fragment(fragment) and names(soup(fragment)) == ["fan2", "fan1"]
    assert names(soup(client.get("/user/alice/following"))) == ["bob"]
    assert names(soup(client.get("/user/bob/following"))) == []
    assert "Not following anyone yet." in soup(client.get("/user/bob/following")).get_text()
    assert client.get("/user/nobody/followers").status_code == 404


def test_the_card_shows_the_counts_and_the_button(client, app, alice):
    client.post("/user/bob/follow")
    card = soup(client.get("/user/bob/popover", headers=HTMX))
    assert " ".join(card.select_one(".follow-box").get_text().split()).startswith("1 follower 0 following")
    button = card.select_one(".follow-box button")
    assert button.get_text(" ", strip=True) == "Unfollow bob" and button["tabindex"] == "-1"
    assert card.select_one("form")["hx-target"] == "closest .follow-box"
    own = soup(client.get("/user/alice/popover", headers=HTMX))
    assert own.select_one(".follow-box form") is None


def test_the_card_stays_one_statement(client, app, alice, sql_statements):
    client.post("/user/bob/follow")
    with sql_statements() as statements:
        client.get("/user/bob/popover", headers=HTMX)
    assert len(statements) == 1, statements


def test_the_follow_button_costs_a_bounded_number_of_statements(client, app, alice, sql_statements):
    with sql_statements() as statements:
        client.post("/user/bob/follow", headers=HTMX)
    # The viewer; bob by name; the follow; the two counts; bob again for the counts shown.
    assert len(statements) <= 6, statements


# Home and explore

def test_home_shows_my_posts_and_those_of_the_people_i_follow(client, app, alice, make_user):
    make_user("carol")
    seed_post(app, "bob", "bob's note")
    seed_post(app, "carol", "carol's note")
    seed_post(app, "alice", "my own note")
    assert bodies(soup(client.get("/"))) == ["my own note"]
    client.post("/user/bob/follow")
    assert bodies(soup(client.get("/"))) == ["my own note", "bob's note"]
    assert bodies(soup(client.get("/explore"))) == ["my own note", "carol's note", "bob's note"]
    client.post("/user/bob/unfollow")
    assert bodies(soup(client.get("/"))) == ["my own note"]


def test_someone_who_follows_nobody_is_pointed_to_explore_and_active_people(client, app, alice, make_user):
    make_user("carol", about_me="Runs.")
    for _ in range(3):
        seed_post(app, "carol", "run")
    seed_post(app, "bob", "hi")
    page = soup(client.get("/"))
    box = page.select_one(".follow-suggestions")
    assert box.select_one("a[href='/explore']") is not None
    suggested = [node.get_text() for node in box.select("a.user-link")]
    assert suggested == ["carol", "bob"], "the most active first, never oneself"
    assert box.select_one("form[action='/user/carol/follow']") is not None
    client.post("/user/carol/follow")
    assert soup(client.get("/")).select_one(".follow-suggestions") is None


def test_the_home_timeline_pages_by_cursor_and_stays_two_statements(client, app, alice, make_user,
                                                                     sql_statements):
    app.config["POSTS_PER_PAGE"] = 3
    client.post("/user/bob/follow")
    for index in range(7):
        seed_post(app, "bob" if index % 2 else "alice", f"n{index}")
    make_user("carol")
    seed_post(app, "carol", "not followed")
    with sql_statements() as statements:
        first = soup(client.get("/"))
    assert bodies(first) == ["n6", "n5", "n4"]
    assert len(statements) <= 2, statements  # the viewer (with the navbar's count), the page
    with sql_statements() as statements:
        second = soup(client.get(first.select_one("a[rel=next]")["href"], headers=HTMX))
    assert bodies(second) == ["n3", "n2", "n1"] and len(statements) <= 2, statements
    with sql_statements() as statements:
        client.get("/explore")
    assert len(statements) <= 2, statements


def test_the_list_pages_stay_two_statements_for_one_or_many(client, app, alice, make_user, sql_statements):
    def cost():
        with sql_statements() as statements:
            client.get("/user/alice/followers")
        return len(statements)
    other = app.test_client()
    make_user("fan0")
    other.post("/auth/login", data={"username": "fan0", "password": "correct horse battery"})
    other.post("/user/alice/follow")
    one = cost()
    for index in range(1, 12):
        make_user(f"fan{index}")
        with app.app_context():
            Follow.start(User.by_username(f"fan{index}"), User.by_username("alice"))
    assert cost() == one <= 3  # the viewer, alice by name, the page


@pytest.mark.parametrize("path", ["/user/bob/followers", "/user/bob/following", "/explore", "/"])
def test_hostile_names_and_text_are_escaped_in_the_new_pages(client, app, alice, make_user, path):
    hostile = '<img src=x onerror=alert(1)>'
    make_user("mallory", about_me=hostile)
    seed_post(app, "mallory", hostile)
    other = signed_in(app, "mallory")
    other.post("/user/bob/follow")
    client.post("/user/mallory/follow")
    client.post("/user/bob/follow")
    page = soup(client.get(path))
    assert page.select_one("main img[src=x]") is None


def test_recount_mends_follow_counts(app, alice, make_user):
    with app.app_context():
        Follow.start(User.by_username("alice"), User.by_username("bob"))
        db.session.execute(db.update(User).values(follower_count=7, following_count=3))
        db.session.commit()
        assert Follow.recount() == 4  # both counts of both users were wrong
    assert counts(app, "bob") == (1, 0) and counts(app, "alice") == (0, 1)
