"""Every GET route answers a plain browser with a page and htmx with a fragment or a page."""
import pytest

from .conftest import HTMX, is_fragment

# (path, whether htmx gets a fragment)
ROUTES = [
    ("/", True),
    ("/user/bob", True),
    ("/user/bob/popover", True),
    ("/send-message/bob", True),
    ("/messages", True),
    ("/messages/sent", True),
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
        assert "HX-Request" in asked_by_htmx.headers["Vary"]


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
    assert client.get(path).status_code in (200, 404)
