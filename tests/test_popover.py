"""The popover card fragment and the links that load it."""
from .conftest import HTMX, is_fragment, soup


def card(client, name, **headers):
    return client.get(f"/user/{name}/popover", headers={**HTMX, **headers})


def test_anothers_card_has_everything_and_a_send_link(client, alice, add_post, make_user):
    make_user("carol", about_me="Maps & <bikes>")
    add_post("carol")
    add_post("carol")
    response = card(client, "Carol")
    assert response.status_code == 200 and is_fragment(response)
    page = soup(response)
    assert page.select_one("img.avatar")["src"] == "/user/carol/avatar.svg"
    assert page.select_one("a[href='/user/carol']").get_text() == "carol"
    assert "Maps & <bikes>" in page.get_text()
    assert "2 posts" in page.get_text()
    assert page.select_one("time")["datetime"]
    assert page.select_one("a[href='/send-message/carol']").get_text() == "Send private message"
    assert page.select_one("a[href='/edit-profile']") is None


def test_ones_own_card_offers_editing(client, alice):
    page = soup(card(client, "alice"))
    assert page.select_one("a[href='/edit-profile']").get_text() == "Edit your profile"
    assert page.select_one("a[href^='/send-message/']") is None
    assert "0 posts" in page.get_text()


def test_an_unknown_user_gets_a_404_fragment(client, alice):
    response = card(client, "nobody")
    assert response.status_code == 404 and is_fragment(response)
    assert "no user by that name" in response.get_data(as_text=True)


def test_signed_out_htmx_gets_401_with_hx_redirect(client, make_user):
    make_user("bob")
    response = card(client, "bob", **{"HX-Current-URL": "http://localhost/user/bob"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login?next=/user/bob"


def test_a_plain_browser_gets_the_card_in_a_page(client, alice):
    response = client.get("/user/bob/popover")
    assert not is_fragment(response)
    assert soup(response).select_one(".user-card a[href='/send-message/bob']") is not None


def test_the_card_is_privately_cacheable_and_varies_on_htmx(client, alice):
    response = card(client, "bob")
    assert response.headers["Cache-Control"] == "private, max-age=60"
    assert "HX-Request" in response.headers["Vary"]


def test_the_card_costs_one_query(client, alice, add_post, sql_statements):
    add_post("bob")
    with sql_statements() as statements:
        response = card(client, "bob")
    assert "1 post" in response.get_data(as_text=True)
    # The live session and the card are read together; the viewer's own user row is never loaded
    # (viewer.py): the only users row is the card's, joined to the session.
    assert len(statements) == 1, statements
    assert statements[0].count("JOIN users") == 1 and "FROM users" not in statements[0], statements
    assert "LEFT OUTER JOIN users" in statements[0], statements


def test_a_name_no_one_can_have_gets_the_404_fragment_once_the_session_is_checked(client, app, alice):
    assert card(client, "no such name!").status_code == 404
    assert card(client, "x").status_code == 404
    stranger = app.test_client()
    assert card(stranger, "x").status_code == 401


def test_usernames_in_lists_are_profile_links_that_load_the_card(client, alice, add_post, add_message):
    add_post("bob", "hi")
    add_message("bob", "alice", "psst")
    add_message("alice", "bob", "hey")
    for path in ("/",):  # an inbox row is one link into the conversation: no card inside it
        link = soup(client.get(path)).select_one("li a.user-link")
        assert link["href"] == "/user/bob", path
        assert link["hx-get"] == "/user/bob/popover"
        assert link["hx-trigger"] == "mouseenter delay:300ms, focus"
        assert link["hx-target"] == "next .popover-card"
        assert link.find_next_sibling(class_="popover-card") is not None
