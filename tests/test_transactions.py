"""Transactions: on PostgreSQL a safe request (GET, HEAD) runs its statements in autocommit (no BEGIN
or ROLLBACK round trips around a page); a request that changes things keeps its transaction."""
import pytest

from webapp.extensions import db


def runs_in_autocommit() -> bool:
    """Whether the request's session talks to the database in autocommit."""
    return db.session.connection().connection.dbapi_connection.autocommit


@pytest.fixture
def postgresql_app(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("autocommit for safe requests is PostgreSQL's (SQLite begins nothing for a read)")
    return app


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_safe_request_runs_in_autocommit(postgresql_app, method):
    with postgresql_app.test_request_context("/", method=method):
        assert runs_in_autocommit()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_request_that_changes_things_keeps_its_transaction(postgresql_app, method):
    with postgresql_app.test_request_context("/", method="GET"):
        assert runs_in_autocommit()  # the pooled connection comes back out of autocommit...
    with postgresql_app.test_request_context("/", method=method):
        assert not runs_in_autocommit()  # ...for the next request that writes


def test_outside_a_request_the_session_keeps_its_transaction(postgresql_app):
    with postgresql_app.app_context():
        assert not runs_in_autocommit()
