"""Throwaway databases for the benchmarks: a new SQLite file, or a new database on the PostgreSQL
server given (its role may create databases), removed afterwards whatever happened, so a bench
never touches a database it did not make."""
from __future__ import annotations

import secrets
import tempfile
from contextlib import contextmanager

import sqlalchemy as sa

from webapp.database import normalize_database_uri


@contextmanager
def throwaway_database(server_url: str | None, prefix: str):
    """Yield the URL of a new, empty database: an SQLite file in a temp folder without
    `server_url`, else a database named `prefix` and a random suffix on that PostgreSQL server."""
    if not server_url:
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
            yield f"sqlite:///{folder}/bench.sqlite"
        return
    url = sa.engine.make_url(normalize_database_uri(server_url))
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                # FORCE: a session the run left open (an error midway) must not keep the database alive.
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
