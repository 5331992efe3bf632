"""Database wiring: the embedded SQLite default and its per-connection settings."""
import os

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def default_database_uri(app: Flask) -> str:
    """The SQLite file in the instance folder, used when DATABASE_URL is not set."""
    os.makedirs(app.instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(app.instance_path, "webapp.sqlite")


def normalize_database_uri(uri: str) -> str:
    """Send plain postgres:// and postgresql:// URLs through psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix):]
    return uri


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Switch on WAL, a busy timeout and foreign keys on every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def set_sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
