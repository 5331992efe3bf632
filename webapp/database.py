"""Database wiring: the embedded SQLite default, the engine's settings, the migrations."""
import os

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db, migrate

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def init_app(app: Flask) -> None:
    """Choose the database (SQLite in the instance folder by default), then bind SQLAlchemy to it."""
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or default_database_uri(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_uri(uri)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_recycle": app.config["DATABASE_POOL_RECYCLE_SECONDS"]})
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


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
