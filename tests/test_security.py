"""The security baseline: CSRF, headers, a strict CSP, cookies, vendored assets."""
import hashlib
import json
import logging
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Message, Post

from .conftest import HTMX, PASSWORD, seed_user, soup

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def csrf_client(make_app):
    """A client of an app with CSRF protection on, signed in as alice."""
    app = make_app()
    client = app.test_client()
    for name in ("alice", "bob"):
        registrar = app.test_client()  # registering signs in: each person in a browser of their own
        token = csrf_token(registrar.get("/auth/register"))
        registrar.post("/auth/register", data={"username": name, "email": f"{name}@example.org",
                                               "password": PASSWORD, "password2": PASSWORD, "csrf_token": token})
    token = csrf_token(client.get("/auth/login"))
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    return client


def csrf_token(response) -> str:
    return soup(response).select_one("input[name=csrf_token]")["value"]


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Post.id))), db.session.scalar(select(func.count(Message.id))))


@pytest.mark.parametrize("token", [None, "wrong"])
@pytest.mark.parametrize(("path", "field"), [("/", "post"), ("/send-message/bob", "message")])
def test_a_missing_or_wrong_csrf_token_is_refused_and_stores_nothing(csrf_client, path, field, token):
    data = {field: "hello"} if token is None else {field: "hello", "csrf_token": token}
    page = csrf_client.post(path, data=data)
    assert page.status_code == 400
    assert "expired" in soup(page).get_text()
    fragment = csrf_client.post(path, data=data, headers=HTMX)
    assert fragment.status_code == 400 and fragment.headers["HX-Retarget"] == "#alerts"
    assert counts(csrf_client.application) == (0, 0)


def test_htmx_sends_the_token_in_a_header(csrf_client):
    body = soup(csrf_client.get("/")).select_one("body")
    token = json.loads(body["hx-headers"])["X-CSRFToken"]
    response = csrf_client.post("/", data={"post": "via header"}, headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert counts(csrf_client.application) == (1, 0)


def test_every_form_carries_the_token(csrf_client):
    for path in ("/", "/send-message/bob", "/edit-profile"):
        for form in soup(csrf_client.get(path)).select("form[method=post]"):
            assert form.select_one("input[name=csrf_token]")["value"], path


def test_csrf_tokens_do_not_expire(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_logout_needs_the_token(csrf_client):
    response = csrf_client.post("/auth/logout")
    assert response.status_code == 400
    assert "This form has expired" in soup(response).get_text()
    assert csrf_client.get("/").status_code == 200  # still signed in


def test_pages_carry_the_security_headers(client, alice):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style_and_no_third_party_url(client, alice, add_post):
    add_post("bob")
    for path in ("/", "/messages", "/user/bob", "/send-message/bob", "/auth/login"):
        html = client.get(path).get_data(as_text=True)
        page = soup(client.get(path))
        assert all(script.get("src") and not script.string for script in page.select("script")), path
        assert page.select("style, [style]") == [], path
        assert not re.search(r"\son[a-z]+=", html), path
        assert not re.search(r"(src|href)=\"(https?:)?//", html), path


def test_the_htmx_config_meta_is_strict(client, alice):
    config = json.loads(soup(client.get("/")).select_one("meta[name=htmx-config]")["content"])
    assert config["historyCacheSize"] == 0
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    codes = {rule["code"]: rule for rule in config["responseHandling"]}
    assert codes["422"]["swap"] is True and codes["204"]["swap"] is False
    # Other errors swap only where the server retargets them (static/app.js), never by default.
    assert codes["[45].."]["swap"] is False


def test_production_cookies_are_secure(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.get("/auth/login")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age" in response.headers["Strict-Transport-Security"]
    app.config["WTF_CSRF_ENABLED"] = False
    app.test_client().post("/auth/register", data={"username": "sam", "email": "sam@example.org",
                                                   "password": PASSWORD, "password2": PASSWORD})
    login = client.post("/auth/login", data={"username": "sam", "password": PASSWORD, "remember_me": "y"})
    cookies = login.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "Secure" in c for c in cookies), cookies


def test_a_host_this_app_does_not_answer_to_gets_a_plain_400_and_no_mail(make_app, caplog):
    """A forged Host must never reach a link in a mail: a reset link on someone else's host would
    hand them its token (TRUSTED_HOSTS)."""
    app = make_app(WTF_CSRF_ENABLED=False)
    seed_user(app, "alice")
    client = app.test_client()
    for path, headers in (("/auth/reset-password", {}), ("/auth/reset-password", HTMX),
                          ("/notifications/badge?shown=0", HTMX)):
        with caplog.at_level(logging.WARNING, logger="webapp.errors"):
            response = client.post(path, data={"email": "alice@example.org"},
                                   headers={"Host": "evil.example", **headers})
        assert response.status_code == 400 and response.mimetype == "text/plain"
        assert response.text == "This site does not answer to that address.\n"
        assert "Content-Security-Policy" in response.headers  # the security headers still go out
    assert "not trusted" in caplog.text
    assert not (Path(app.instance_path) / "mail").exists()  # nothing was mailed

    trusted = client.post("/auth/reset-password", data={"email": "alice@example.org"},
                          headers={"Host": "127.0.0.1:5000"})
    assert trusted.status_code == 303
    [kept] = (Path(app.instance_path) / "mail").glob("*.eml")
    assert "http://127.0.0.1:5000/auth/reset-password/" in kept.read_text()


def test_passwords_are_hashed_with_argon2id_at_owasp_strength_by_default():
    from config import Config

    # OWASP: Argon2id with at least 19 MiB of memory and 2 iterations.
    assert Config.ARGON2_MEMORY_KIB >= 19 * 1024 and Config.ARGON2_TIME_COST >= 2


def test_vendored_files_match_their_recorded_checksums():
    vendor = os.path.join(PROJECT, "static", "vendor")
    with open(os.path.join(vendor, "SHA256SUMS"), encoding="ascii") as sums:
        lines = [line.split() for line in sums if line.strip()]
    assert {name for _, name in lines} == {"htmx-2.0.11.min.js", "htmx-ext-sse-2.2.4.min.js", "bootstrap-5.3.9.min.css"}
    for digest, name in lines:
        with open(os.path.join(vendor, name), "rb") as file:
            assert hashlib.sha256(file.read()).hexdigest() == digest, name
    with open(os.path.join(vendor, "htmx-2.0.11.min.js"), encoding="utf-8") as file:
        assert 'version:"2.0.11"' in file.read()
    with open(os.path.join(vendor, "htmx-ext-sse-2.2.4.min.js"), encoding="utf-8") as file:
        assert 'htmx.defineExtension("sse"' in file.read()


@pytest.mark.parametrize("path", ["/static/vendor/htmx-2.0.11.min.js", "/static/vendor/htmx-ext-sse-2.2.4.min.js",
                                  "/static/app.js", "/static/app.css"])
def test_static_files_are_served(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.data
    response.close()


def test_rate_limits_are_shared_between_workers_through_redis(make_app):
    """Two app instances (two gunicorn workers) count one client's logins together."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to test shared rate limits")
    from webapp.extensions import limiter

    settings = dict(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url,
                    LOGIN_RATE_LIMIT="2 per minute")
    first, second = make_app(**settings), make_app(**settings)
    limiter.reset()
    statuses = [first.test_client().post("/auth/login", data={"username": "x", "password": "y"}).status_code]
    client = second.test_client()
    statuses += [client.post("/auth/login", data={"username": "x", "password": "y"}).status_code for _ in range(2)]
    limiter.reset()
    assert statuses == [422, 422, 429]


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register"])
def test_the_sign_in_forms_check_the_token_of_anyone_not_signed_in(make_app, path):
    client = make_app().test_client()
    response = client.post(path, data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/auth/login?next=/messages", "/auth/register"])
def test_someone_signed_in_who_posts_a_sign_in_form_goes_on(csrf_client, path):
    """A stale tab's form (its token replaced by the sign-in) changes nothing: no CSRF error."""
    response = csrf_client.post(path, data={"username": "bob", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == ("/messages" if "next" in path else "/")
    assert csrf_client.get("/edit-profile").status_code == 200  # still alice, still signed in
