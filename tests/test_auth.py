"""Registration, login, logout: the happy paths and every kind of bad input."""
import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AccountToken, User

from .conftest import PASSWORD, soup


def register(client, **fields):
    data = {"username": "carol", "email": "carol@example.org", "password": PASSWORD, "password2": PASSWORD}
    data.update(fields)
    return client.post("/auth/register", data=data)


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_register_page_has_the_contract_fields(client):
    page = soup(client.get("/auth/register"))
    for name in ("username", "email", "password", "password2"):
        assert page.select_one(f"form input[name={name}]") is not None


def test_register_creates_the_user_and_signs_them_in(client, app):
    response = register(client)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/edit-profile").status_code == 200  # signed in
    with app.app_context():
        user = User.by_username("carol")
        assert user.confirmed_email is None  # until the address is confirmed (tests/test_accounts.py)
        assert AccountToken.address_waiting(user) == "carol@example.org"
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_register_normalizes_the_email(client, app):
    register(client, email="  Carol@Example.ORG ")
    with app.app_context():
        assert AccountToken.address_waiting(User.by_username("carol")) == "carol@example.org"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"username": ""}, "username", "This field is required."),
        ({"username": "ab"}, "username", "between 3 and 32"),
        ({"username": "x" * 33}, "username", "between 3 and 32"),
        ({"username": "no spaces"}, "username", "Use only letters"),
        ({"username": "bad<b>"}, "username", "Use only letters"),
        ({"username": "nul\x00name"}, "username", "Use only letters"),
        ({"email": "not-an-email"}, "email", "valid e-mail"),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "nul\x00@example.org"}, "email", "control characters"),
        ({"password": "short", "password2": "short"}, "password", "8 to 256"),
        ({"password2": "something else"}, "password2", "do not match"),
    ],
)
def test_register_rejects_bad_input_with_422_and_stores_nothing(client, app, fields, field, message):
    response = register(client, **fields)
    assert response.status_code == 422
    error = soup(response).select_one(f"#{field}-errors")
    assert error is not None and message in error.get_text()
    assert soup(response).select_one(f"#{field}")["aria-invalid"] == "true"
    assert user_count(app) == 0


@pytest.mark.parametrize("taken", ["alice", "ALICE", "Alice"])
def test_register_refuses_a_taken_username_in_any_case(client, app, make_user, taken):
    make_user("alice")
    response = register(client, username=taken)
    assert response.status_code == 422
    assert "taken" in soup(response).select_one("#username-errors").get_text()
    assert user_count(app) == 1


def test_register_with_a_taken_email_answers_like_any_registration(app, make_user):
    """Nobody learns here which addresses have accounts (the owner is told by mail instead)."""
    make_user("alice")
    answers = []
    for name, address in (("carol", "ALICE@example.org"), ("dave", "dave@example.org")):
        client = app.test_client()
        response = register(client, username=name, email=address)
        notice = soup(client.get(response.headers["Location"])).select_one("#alerts").get_text()
        answers.append((response.status_code, response.headers["Location"], notice.replace(address.lower(), "@")))
    assert answers[0] == answers[1]
    assert user_count(app) == 3


def test_login_page_has_the_contract_fields(client):
    page = soup(client.get("/auth/login"))
    for name in ("username", "password", "remember_me"):
        assert page.select_one(f"form input[name={name}]") is not None


def test_login_signs_in_without_regard_to_case(client, auth, make_user):
    make_user("alice")
    response = auth.login("ALICE")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(("username", "password"),
                         [("alice", "wrong password"), ("nobody", PASSWORD), ("x" * 60, PASSWORD)])
def test_login_failure_has_one_generic_message(client, auth, make_user, username, password):
    make_user("alice")
    response = auth.login(username, password)
    assert response.status_code == 422
    alert = soup(response).select_one(".alert-danger")
    assert alert.get_text(strip=True) == "Invalid username or password."


def test_login_honours_a_safe_next(client, make_user):
    make_user("alice")
    response = client.post("/auth/login?next=/messages", data={"username": "alice", "password": PASSWORD})
    assert response.headers["Location"] == "/messages"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
                                    "//[", "http://[::1", "http://[::1]:80/x"])
def test_login_ignores_an_unsafe_next(client, make_user, target):
    make_user("alice")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"username": "alice", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_remember_me_sets_an_httponly_lax_cookie(client, auth, make_user):
    make_user("alice")
    response = auth.login("alice", remember_me="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session


def test_pages_need_login_and_come_back_after_it(client, make_user):
    make_user("alice")
    response = client.get("/messages")
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login?next=/messages"


def test_logout_is_post_only(client, auth, alice):
    assert client.get("/auth/logout").status_code == 405
    assert "does not accept" in soup(client.get("/auth/logout")).get_text()
    response = auth.logout()
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    assert "You have been logged out." in soup(client.get("/auth/login")).select_one("#alerts").get_text()
    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_login_is_rate_limited_with_a_clear_message(make_app):
    from webapp.extensions import limiter

    app = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    limiter.reset()
    client = app.test_client()
    statuses = [client.post("/auth/login", data={"username": "x", "password": "y"}).status_code
                for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    assert "Too many attempts" in soup(client.post("/auth/login", data={})).get_text()
    assert client.get("/auth/login").status_code == 200  # only POSTs count
    limiter.reset()


def test_a_name_taken_by_a_concurrent_registration_is_an_error_not_a_crash(client, app, make_user, monkeypatch):
    make_user("alice")
    # The form's uniqueness check ran before the twin request committed: only the index sees it.
    monkeypatch.setattr(User, "by_username", classmethod(lambda cls, name: None))
    response = register(client, username="ALICE")
    assert response.status_code == 422
    assert "just taken" in soup(response).select_one("#username-errors").get_text()
    assert user_count(app) == 1
