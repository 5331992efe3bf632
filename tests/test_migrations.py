"""The committed migrations build exactly the schema the models describe."""
import os
import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from webapp.extensions import db


def drop_everything():
    """Leave the database empty, alembic's bookkeeping included."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_the_migration_head_matches_the_models(app):
    with app.app_context():
        drop_everything()
        try:
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                with warnings.catch_warnings():
                    # Alembic cannot reflect the lower(username) expression index; it is checked below.
                    warnings.filterwarnings("ignore", message=".*expression-based index.*")
                    diff = compare_metadata(context, db.metadata)
            assert diff == []
            assert "uq_users_username_lower" in index_names()
        finally:
            drop_everything()
            db.create_all()


def test_migrations_downgrade_cleanly(app):
    with app.app_context():
        drop_everything()
        try:
            upgrade()
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        finally:
            drop_everything()
            db.create_all()


def index_names() -> set[str]:
    """Index names as the database itself lists them, expression indexes included."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
        else:
            rows = connection.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"))
        return {row[0] for row in rows}


def test_every_migration_file_is_committed_with_a_readable_name():
    versions = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations", "versions")
    names = sorted(name for name in os.listdir(versions) if name.endswith(".py"))
    assert names and all(name[:4].isdigit() for name in names)
