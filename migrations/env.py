"""Alembic's environment for Flask-Migrate and Flask-SQLAlchemy 3: the app's engine and metadata."""
import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
# Configure logging from alembic.ini for the `flask db` commands only; inside a running app
# (the tests, say) the app's own logging stays as it is.
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
engine = target_db.engine
config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def skip_empty_autogenerate(context, revision, directives):
    """`flask db migrate` with no model change writes no empty revision."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    """Emit SQL for the URL without connecting (`flask db upgrade --sql`)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations over a connection of the app's engine, without the deadlines of requests."""
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction(), without_request_deadlines(connection):
            context.run_migrations()


@contextmanager
def without_request_deadlines(connection):
    """On PostgreSQL, lift the statement timeout and the client's deadline that keep a request from
    hanging on a sick database (webapp.database): a migration of a large database runs for minutes
    (0003 rewrites every message). SET LOCAL ends with the migration's transaction; the client's
    deadline comes back before the connection returns to the pool."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    dbapi_connection = connection.connection.dbapi_connection
    deadline, dbapi_connection.deadline = dbapi_connection.deadline, None
    try:
        yield
    finally:
        dbapi_connection.deadline = deadline


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
