"""Every GET route answers a plain browser with a page and htmx with a fragment or a page."""
import pytest

from .conftest import HTMX, is_fragment, soup

# (path, whether htmx gets a fragment)
ROUTES = [
    ("/", True),
    ("/user/bob", True),
    ("/user/bob/popover", True),
    ("/send-message/bob", True),
    ("/messages", True),
    ("/messages/with/bob", True),
    ("/notifications/badge", True),
    ("/edit-profile", False),
]


@pytest.mark.parametrize(("path", "fragment"), ROUTES)
def test_plain_browsers_get_pages_and_htmx_gets_fragments(client, alice, path, fragment):
    plain = client.get(path)
    assert plain.status_code == 200
    assert is_fragment(plain) == (path == "/notifications/badge"), "only the badge has no page of its own"
    asked_by_htmx = client.get(path, headers=HTMX)
    assert asked_by_htmx.status_code == 200
    assert is_fragment(asked_by_htmx) == fragment
    if fragment:
        # Every header that decides page or fragment is named, so no cache mixes them up.
        vary = {name.strip() for name in asked_by_htmx.headers["Vary"].split(",")}
        assert {"HX-Request", "HX-Boosted", "HX-History-Restore-Request"} <= vary


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register"])
def test_account_pages_are_pages_for_everyone(client, path):
    assert not is_fragment(client.get(path))
    assert not is_fragment(client.get(path, headers=HTMX))


@pytest.mark.parametrize("path", [path for path, _ in ROUTES])
def test_signed_out_htmx_requests_get_401_and_hx_redirect(client, make_user, path):
    make_user("bob")
    response = client.get(path, headers={**HTMX, "HX-Current-URL": "http://localhost/user/bob?before=1_2"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login?next=/user/bob?before%3D1_2"
    assert response.data == b""


@pytest.mark.parametrize("path", ["/user/" + "x" * 5000, "/user/%F0%9F%98%80", "/send-message/%00",
                                  "/user/..%2F..%2Fetc", "/messages?before=" + "1" * 10000])
def test_odd_urls_are_handled(client, alice, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        assert "There is nothing here" in soup(response).get_text()


@pytest.mark.parametrize(("headers", "fragment"), [
    ({"HX-Request": "true", "HX-Boosted": "true"}, False),
    ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
    ({"HX-Request": "false"}, False),
    ({"HX-Request": "true"}, True),
])
def test_boosted_and_history_restore_requests_get_the_whole_page(client, alice, headers, fragment):
    assert is_fragment(client.get("/messages", headers=headers)) == fragment


@pytest.mark.parametrize("current", ["http://[::1", "//[", "http://localhost:99999999/x", "not a url",
                                     "http://evil.example/messages"])
def test_an_unreadable_or_foreign_current_url_is_no_place_to_return_to(client, make_user, current):
    make_user("bob")
    response = client.get("/notifications/badge", headers={**HTMX, "HX-Current-URL": current})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login"


def test_a_uri_encoded_current_url_is_decoded(client, make_user):
    make_user("bob")
    headers = {**HTMX, "HX-Current-URL": "http://localhost/user/b%C3%B8b", "HX-Current-URL-URI-AutoEncoded": "true"}
    response = client.get("/messages", headers=headers)
    assert response.headers["HX-Redirect"] == "/auth/login?next=/user/b%C3%B8b"
