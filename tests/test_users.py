"""Profiles, editing one's own, avatars and 'last seen'."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from webapp.extensions import db
from webapp.models import User, utcnow

from .conftest import HTMX, is_fragment, soup


def test_profile_shows_the_user_and_a_send_link(client, alice, add_post, make_user):
    make_user("carol", about_me="I <3 maps")
    add_post("carol", "carol's post")
    page = soup(client.get("/user/CAROL"))
    assert page.select_one("#profile-name").get_text() == "carol"
    assert "I <3 maps" in page.get_text()
    assert page.select_one("main img.avatar")["src"] == "/user/carol/avatar.svg"
    assert page.select_one("a[href='/send-message/carol']").get_text() == "Send private message"
    assert page.select_one("time")["datetime"]
    assert page.select_one("#post-items .body-text").get_text() == "carol's post"


def test_own_profile_offers_editing_instead_of_messaging(client, alice):
    page = soup(client.get("/user/alice"))
    assert page.select_one("a[href='/edit-profile']") is not None
    assert page.select_one("a[href^='/send-message/']") is None


def test_unknown_profile_is_a_404_page(client, alice):
    response = client.get("/user/nobody")
    assert response.status_code == 404
    assert "nothing here" in soup(response).get_text()


def test_profile_pager_swaps_the_post_list_for_htmx(client, alice, add_post):
    start = utcnow() - timedelta(hours=1)
    for index in range(12):
        add_post("bob", f"p{index}", timestamp=start + timedelta(minutes=index))
    older = soup(client.get("/user/bob")).select_one("a[rel=next]")
    assert older["href"].startswith("/user/bob?before=")
    response = client.get(older["href"], headers=HTMX)
    assert is_fragment(response)
    assert [n.get_text() for n in soup(response).select(".body-text")] == ["p1", "p0"]


def test_edit_profile_saves_and_redirects(client, app, alice):
    page = soup(client.get("/edit-profile"))
    assert page.select_one("input[name=username]")["value"] == "alice"
    response = client.post("/edit-profile", data={"username": "Alicia", "about_me": " hello "})
    assert response.status_code == 303
    assert response.headers["Location"] == "/user/Alicia"
    with app.app_context():
        user = User.by_username("alicia")
        assert (user.username, user.about_me) == ("Alicia", "hello")


def test_changing_only_the_case_of_ones_name_is_allowed(client, alice):
    response = client.post("/edit-profile", data={"username": "ALICE", "about_me": ""})
    assert response.status_code == 303 and response.headers["Location"] == "/user/ALICE"
    assert soup(client.get("/user/alice")).select_one("h1").get_text() == "ALICE"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [({"username": "BOB"}, "username", "taken"), ({"username": "a b"}, "username", "Use only letters"),
     ({"about_me": "x" * 281}, "about_me", "280 characters"), ({"about_me": "a\x00b"}, "about_me", "control")],
)
def test_edit_profile_rejects_bad_input(client, app, alice, fields, field, message):
    data = {"username": "alice", "about_me": "", **fields}
    response = client.post("/edit-profile", data=data)
    assert response.status_code == 422
    assert message in soup(response).select_one(f"#{field}-errors").get_text()
    with app.app_context():
        assert User.by_username("alice").about_me == ""


@pytest.mark.parametrize("kwargs", [{"json": {"about_me": "x"}}, {"data": "about_me=x", "content_type": "text/plain"},
                                    {}], ids=["json", "text", "empty"])
def test_edit_profile_refuses_a_body_that_is_not_a_form(client, app, alice, kwargs):
    """Absent fields would fall back to the stored profile: no "saved" for what was not sent."""
    response = client.post("/edit-profile", **kwargs)
    assert response.status_code == 415
    assert "must be sent from its page" in soup(response).select_one("main").get_text()
    with app.app_context():
        assert User.by_username("alice").about_me == ""


def test_avatar_is_a_local_cacheable_svg(client):
    response = client.get("/user/alice/avatar.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).startswith("<svg")
    assert "max-age" in response.headers["Cache-Control"]
    assert client.get("/user/alice/avatar.svg").data == response.data


@pytest.mark.parametrize("name", ["<script>", "a b", "x" * 40, "%00"])
def test_avatars_exist_only_for_names_a_user_could_have(client, name):
    assert client.get(f"/user/{name}/avatar.svg").status_code == 404


def last_seen(app, name):
    with app.app_context():
        return User.by_username(name).last_seen


def age_last_seen(app, name, minutes):
    with app.app_context():
        moment = utcnow() - timedelta(minutes=minutes)
        db.session.execute(update(User).where(User.username == name).values(last_seen=moment))
        db.session.commit()
        return moment


def test_last_seen_refreshes_on_activity_after_the_interval(client, app, alice):
    before = age_last_seen(app, "alice", 10)
    client.get("/")
    assert last_seen(app, "alice") > before


def test_last_seen_is_not_rewritten_within_the_interval(client, app, alice):
    before = age_last_seen(app, "alice", 1)
    client.get("/")
    assert last_seen(app, "alice") == before


def test_background_requests_never_refresh_last_seen(client, app, alice):
    before = age_last_seen(app, "alice", 60)
    client.get("/notifications/badge", headers=HTMX)
    client.get("/user/bob/popover", headers=HTMX)
    client.get("/user/bob/avatar.svg")
    assert last_seen(app, "alice") == before
