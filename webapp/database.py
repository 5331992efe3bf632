"""Database wiring: the embedded SQLite default, PostgreSQL's deadlines and dead-connection
checks, and the migrations."""
import os
import select

import psycopg
from flask import Flask, g
from psycopg.errors import _WaitTimeout
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import DisconnectionError

from .extensions import AUTOCOMMIT_ENGINE, db, migrate

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def init_app(app: Flask) -> None:
    """Choose the database (SQLite in the instance folder by default), then bind SQLAlchemy to it."""
    uri = normalize_database_uri(app.config.get("SQLALCHEMY_DATABASE_URI") or default_database_uri(app))
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(uri, app.config))
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    app.teardown_appcontext(close_read_connection)
    app.teardown_request(forget_request_notes)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        else:
            configure_postgresql(db.engine, app.config["DATABASE_STATEMENT_TIMEOUT_SECONDS"])
            # What the sessions of safe requests run on (extensions.RequestSession). Not on SQLite:
            # its driver begins nothing for a read anyway, and switching modes costs a PRAGMA.
            app.extensions[AUTOCOMMIT_ENGINE] = db.engine.execution_options(isolation_level="AUTOCOMMIT")


def read_connection() -> Connection:
    """A pooled connection for the hottest read-only paths (polls, cards), outside the ORM session,
    whose bookkeeping (begin, connection lookup, close) costs more than their indexed queries;
    one per request, closed at teardown. It sees committed data only, so nothing that follows a
    write of the same request may read through it."""
    connection = g.get("_read_connection")
    if connection is None:
        connection = db.engine.connect()
        if connection.dialect.name == "postgresql":
            # Autocommit, as a GET's session (extensions.RequestSession): two round trips fewer.
            # Set on the connection rather than taken from the autocommit engine: an engine with
            # options costs a poll a fifth more Python work to check a connection out and in.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        g._read_connection = connection
    return connection


def lock_for_writing() -> None:
    """Make the ORM session's transaction a writer now, before it reads what it will write
    against. SQLite has one write lock, which a transaction otherwise takes at its first write:
    what it read, and the clock it read, before the lock was granted may be stale by then
    (BEGIN IMMEDIATE takes it first, waiting up to the busy timeout). PostgreSQL needs nothing
    here: the statements that follow lock the rows they read (FOR UPDATE)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_ignoring_duplicates(model):
    """An INSERT of `model` that does nothing where a row with the same key exists (ON CONFLICT DO
    NOTHING, which both databases have): with RETURNING, a row comes back only when it added one
    (the ORM's rowcount is not to be trusted there). Unlike a caught IntegrityError it needs no
    rollback, and a twin request racing it waits for the first to commit, then adds nothing."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()


def forget_request_notes(_error: BaseException | None = None) -> None:
    """Forget what a request noted in the ORM session's info (models.KEPT_COUNTS). The
    session lives as long as the app context, which is one request in production but may hold
    several (a test, a script): the next request must not find this one's notes."""
    if db.session.registry.has():
        db.session.info.clear()


def close_read_connection(_error: BaseException | None = None) -> None:
    """Give this request's read connection back to the pool (rolling back its read transaction)."""
    connection = g.pop("_read_connection", None)
    if connection is not None:
        connection.close()


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


def engine_options(uri: str, config) -> dict:
    """The pool's settings; on PostgreSQL also the deadlines that keep a sick database from hanging us."""
    options = {"pool_recycle": config["DATABASE_POOL_RECYCLE_SECONDS"]}
    if make_url(uri).get_backend_name() == "postgresql":
        statement_ms = config["DATABASE_STATEMENT_TIMEOUT_SECONDS"] * 1000
        options["pool_timeout"] = config["DATABASE_POOL_TIMEOUT_SECONDS"]
        options["connect_args"] = {
            "connect_timeout": config["DATABASE_CONNECT_TIMEOUT_SECONDS"],
            # The server cancels a statement that runs too long, and keeps the connection usable.
            "options": f"-c statement_timeout={statement_ms}",
            # A peer that vanished without a word (a network partition) is noticed by the kernel.
            "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
            "tcp_user_timeout": statement_ms,
        }
    return options


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Switch on WAL, a busy timeout and foreign keys on every SQLite connection."""

    @event.listens_for(engine, "connect")
    def set_sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def configure_postgresql(engine: Engine, statement_timeout_seconds: int) -> None:
    """Connections with a client-side deadline, checked for death each time they leave the pool."""
    # One second more than the server's own statement timeout: normally the server cancels first
    # and the connection lives; the client's deadline is for a server that no longer answers.
    deadline = statement_timeout_seconds + 1

    @event.listens_for(engine, "do_connect")
    def connect_with_deadline(_dialect, _record, cargs, cparams):
        return DeadlineConnection.connect(*cargs, deadline=deadline, **cparams)

    @event.listens_for(engine, "checkout")
    def refuse_dead_connection(dbapi_connection, _record, _proxy):
        if closed_by_server(dbapi_connection):
            raise DisconnectionError("the server closed this connection")  # the pool opens a new one


def closed_by_server(connection: psycopg.Connection) -> bool:
    """Whether an idle connection's socket has something to read: for a connection at rest that
    is only ever the server's goodbye (a restart, a killed backend) or end of file. One poll()
    system call, no round trip: unlike a ping, it costs a request nothing."""
    if connection.closed:
        return True
    poller = select.poll()
    poller.register(connection.pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection that gives up on a server that stops answering, instead of waiting
    for ever: after `deadline` seconds it closes itself and raises OperationalError, which
    SQLAlchemy treats as a lost connection (the pool then replaces it)."""

    deadline: float | None = 6.0  # None: none (a migration, see migrations/env.py)

    @classmethod
    def connect(cls, *args, deadline: float = 6.0, **kwargs):
        connection = super().connect(*args, **kwargs)
        connection.deadline = deadline
        return connection

    def wait(self, gen, interval=0.1, timeout=None):
        """psycopg's wait, with our deadline unless the caller gave one."""
        try:
            return super().wait(gen, interval=interval, timeout=timeout if timeout is not None else self.deadline)
        except _WaitTimeout:
            self.pgconn.finish()  # the protocol state is unknown now: this connection is done
            raise psycopg.OperationalError(f"the database did not answer within {self.deadline} s") from None
