"""Sessions end on the server: logout, password changes, expiry, the list of one's sessions."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.models import UserSession, utcnow

from .conftest import HTMX, PASSWORD, is_fragment, soup

NEW_PASSWORD = "a brand new passphrase"


def signed_in(client) -> bool:
    """Whether this client's cookies still open a page that needs login."""
    return client.get("/edit-profile").status_code == 200


def copy_cookies(source, target, names=("session", "remember_token")) -> None:
    """Give another client the same cookies, as a thief with a copy would have them."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def session_rows(app) -> list[UserSession]:
    with app.app_context():
        return list(db.session.scalars(select(UserSession).order_by(UserSession.id)))


def login(app, username="alice", **extra):
    """A new client signed in as `username` (a separate browser)."""
    client = app.test_client()
    client.post("/auth/login", data={"username": username, "password": PASSWORD, **extra})
    return client


def test_a_copied_session_cookie_dies_with_logout(app, client, auth, alice):
    thief = app.test_client()
    copy_cookies(client, thief, names=("session",))
    assert signed_in(thief)
    auth.logout()
    assert not signed_in(thief)


def test_a_copied_remember_cookie_dies_with_logout(app, client, auth, make_user):
    make_user("alice")
    auth.login("alice", remember_me="y")
    thief = app.test_client()
    copy_cookies(client, thief, names=("remember_token",))
    assert signed_in(thief), "the remember cookie alone signs in while the session lives"
    auth.logout()
    assert not signed_in(thief)


def test_two_logins_get_different_identifiers(app, make_user):
    make_user("alice")
    first, second = login(app, remember_me="y"), login(app, remember_me="y")
    assert first.get_cookie("remember_token").value != second.get_cookie("remember_token").value
    assert len(session_rows(app)) == 2


def test_the_identifier_is_rotated_at_login(app, client, auth, alice):
    before = client.get_cookie("session").value
    auth.logout()
    auth.login("alice")
    assert client.get_cookie("session").value != before
    rows = session_rows(app)
    assert len(rows) == 1, "the ended session's record is gone"


def test_the_database_keeps_only_a_digest_of_the_identifier(app, client, make_user):
    make_user("alice")
    client = login(app, remember_me="y")
    cookie = client.get_cookie("remember_token").value
    (row,) = session_rows(app)
    assert len(row.token_hash) == 64 and row.token_hash not in cookie


def test_changing_the_password_ends_every_other_session(app, client, alice):
    other = login(app)
    response = client.post("/edit-profile/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 303
    assert "Your password has been changed" in soup(client.get(response.headers["Location"])).select_one("#alerts").get_text()
    assert signed_in(client), "this session goes on"
    assert not signed_in(other)
    assert client.post("/auth/logout").status_code == 303
    assert client.post("/auth/login", data={"username": "alice", "password": NEW_PASSWORD}).status_code == 303


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"current_password": "wrong password"}, "current_password", "not your current password"),
    ({"new_password2": "something else"}, "new_password2", "do not match"),
    ({"new_password": "short", "new_password2": "short"}, "new_password", "8 to 256"),
])
def test_a_refused_password_change_says_why_and_changes_nothing(app, client, alice, data, field, message):
    other = login(app)
    form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD, **data}
    response = client.post("/edit-profile/password", data=form)
    assert response.status_code == 422
    assert message in soup(response).select_one(f"#{field}-errors").get_text()
    assert signed_in(other)
    assert login(app).get_cookie("session") is not None and signed_in(login(app))


def test_the_sessions_page_lists_each_browser(app, client, alice):
    login(app, headers={"User-Agent": "x"})  # a second session (user agent is the test client's)
    page = soup(client.get("/auth/sessions"))
    items = page.select("#sessions li.session")
    assert len(items) == 2
    assert [item for item in items if "This browser" in item.get_text()]
    assert page.select_one("#sessions button").get_text().startswith("Sign out")


def test_signing_out_another_session_in_place(app, client, alice):
    other = login(app)
    other_id = session_rows(app)[-1].id
    response = client.post(f"/auth/sessions/{other_id}/end", headers=HTMX)
    assert response.status_code == 200 and is_fragment(response)
    assert "That session is signed out." in soup(response).select_one("[role=status]").get_text()
    assert len(soup(response).select("li.session")) == 1
    assert not signed_in(other) and signed_in(client)


def test_signing_out_everywhere_else_without_javascript(app, client, alice):
    others = [login(app), login(app)]
    response = client.post("/auth/sessions/end-others")
    assert response.status_code == 303 and response.headers["Location"] == "/auth/sessions"
    assert "Signed out 2 other sessions." in soup(client.get("/auth/sessions")).select_one("#alerts").get_text()
    assert not any(signed_in(other) for other in others) and signed_in(client)


def test_ending_this_very_session_is_logging_out(app, client, alice):
    (row,) = session_rows(app)
    response = client.post(f"/auth/sessions/{row.id}/end", headers=HTMX)
    assert response.headers["HX-Redirect"] == "/auth/login"
    assert not signed_in(client)


def test_nobody_ends_someone_elses_session(app, client, alice, make_user):
    bobs = login(app, "bob")
    bob_session = session_rows(app)[-1].id
    response = client.post(f"/auth/sessions/{bob_session}/end")
    assert response.status_code == 404
    assert "already ended" in soup(response).get_text()
    assert signed_in(bobs)


@pytest.mark.parametrize("column", ["last_used_at", "created_at"])
def test_sessions_expire_when_idle_or_too_old(app, client, alice, column):
    limit = {"last_used_at": "SESSION_IDLE_TIMEOUT_SECONDS", "created_at": "SESSION_LIFETIME_SECONDS"}[column]
    moment = utcnow() - timedelta(seconds=app.config[limit] + 1)
    with app.app_context():
        db.session.execute(update(UserSession).values({column: moment}))
        db.session.commit()
    assert not signed_in(client)


def test_expired_records_are_purged_at_login(app, client, alice):
    with app.app_context():
        db.session.execute(update(UserSession).values(last_used_at=utcnow() - timedelta(days=365)))
        db.session.commit()
    login(app)
    assert len(session_rows(app)) == 1


def test_last_used_is_refreshed_by_people_not_polls(app, client, alice):
    old = utcnow() - timedelta(hours=1)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_used_at=old))
        db.session.commit()
    client.get("/notifications/badge", headers=HTMX)
    assert session_rows(app)[0].last_used_at == old
    client.get("/")
    assert session_rows(app)[0].last_used_at > old


def test_an_old_style_cookie_with_a_user_id_signs_nobody_in(app, client, alice):
    with client.session_transaction() as session:
        session["_user_id"] = "1"
    assert not signed_in(client)


def test_a_user_cannot_be_put_in_a_cookie_without_a_session(app, make_user):
    from webapp.models import User

    make_user("alice")
    with app.app_context():
        user = db.session.scalar(select(User))
        with pytest.raises(RuntimeError):
            user.get_id()
        assert db.session.scalar(select(func.count(UserSession.id))) == 0
