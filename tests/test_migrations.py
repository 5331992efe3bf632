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
                # Alembic cannot reflect the name index's expression (SQLite) or its collation
                # (PostgreSQL): it is checked below, as the database itself spells it.
                opts = {"compare_type": True, "include_object": lambda obj, name, *_: name != NAME_INDEX}
                context = MigrationContext.configure(connection, opts=opts)
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=".*expression-based index.*")
                    diff = compare_metadata(context, db.metadata)
            assert diff == []
            assert name_index_definition() == EXPECTED_NAME_INDEX[db.engine.dialect.name]
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


NAME_INDEX = "uq_users_username_lower"
# Unique, on lower(username), compared byte by byte (models.common.bytewise).
EXPECTED_NAME_INDEX = {
    "sqlite": "CREATE UNIQUE INDEX uq_users_username_lower ON users (lower(username))",
    "postgresql": "CREATE UNIQUE INDEX uq_users_username_lower ON public.users "
                  'USING btree (lower((username)::text) COLLATE "C")',
}


def name_index_definition() -> str:
    """The unique name index's definition as the database keeps it."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            query = "SELECT sql FROM sqlite_master WHERE name = :name"
        else:
            query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
        return connection.execute(text(query), {"name": NAME_INDEX}).scalar()


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


def test_the_conversations_migration_keeps_messages_and_unread_counts(app):
    """0002 -> 0003 with data: messages gathered per pair, markers and unread counts from the old
    read time, and back again."""
    t = "2026-01-01 10:00:0{}"
    with app.app_context():
        drop_everything()
        try:
            upgrade(revision="0002")
            with db.engine.begin() as connection:
                for uid, name, read in ((1, "ann", t.format(2)), (2, "ben", None), (3, "cat", None)):
                    connection.execute(text(
                        "INSERT INTO users (id, username, email, password_hash, about_me, last_seen, "
                        "last_message_read_time) VALUES (:id, :n, :e, 'x', '', :seen, :read)"),
                        {"id": uid, "n": name, "e": f"{name}@example.org", "seen": t.format(0), "read": read})
                # ann <- ben twice (one read, one not), ann -> ben once, cat -> ben once.
                for mid, sender, recipient, second in ((1, 2, 1, 1), (2, 1, 2, 2), (3, 2, 1, 3), (4, 3, 2, 4)):
                    connection.execute(text(
                        "INSERT INTO messages (id, sender_id, recipient_id, body, timestamp) "
                        "VALUES (:id, :s, :r, 'hi', :ts)"), {"id": mid, "s": sender, "r": recipient, "ts": t.format(second)})
            upgrade()
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT COUNT(*) FROM conversations")).scalar() == 2
                assert connection.execute(text("SELECT COUNT(*) FROM messages WHERE conversation_id IS NULL")).scalar() == 0
                sides = {(row.user_id, row.other_id): (row.last_read_message_id, row.unread_count, row.last_message_id)
                         for row in connection.execute(text("SELECT * FROM participants"))}
            assert sides == {(1, 2): (1, 1, 3), (2, 1): (0, 1, 3), (2, 3): (0, 1, 4), (3, 2): (0, 0, 4)}
            downgrade(revision="0002")
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT COUNT(*) FROM messages")).scalar() == 4
                read = connection.execute(text("SELECT last_message_read_time FROM users WHERE id = 1")).scalar()
                assert str(read).startswith("2026-01-01 10:00:01")
        finally:
            drop_everything()
            db.create_all()


def test_the_post_count_migration_counts_existing_posts_and_keeps_the_name_index(app):
    """0003 -> 0004 with data: each user's posts counted once; lower(username) still unique."""
    with app.app_context():
        drop_everything()
        try:
            upgrade(revision="0003")
            with db.engine.begin() as connection:
                for uid, name in ((1, "ann"), (2, "ben")):
                    connection.execute(text(
                        "INSERT INTO users (id, username, email, password_hash, about_me, last_seen) "
                        "VALUES (:id, :n, :e, 'x', '', '2026-01-01 10:00:00')"), {"id": uid, "n": name, "e": f"{name}@example.org"})
                for pid in range(3):
                    connection.execute(text("INSERT INTO posts (id, body, timestamp, user_id) "
                                            "VALUES (:id, 'hi', '2026-01-01 10:00:00', 1)"), {"id": pid + 1})
            upgrade()
            with db.engine.connect() as connection:
                counts = dict(connection.execute(text("SELECT username, post_count FROM users")).all())
            assert counts == {"ann": 3, "ben": 0}
            assert "uq_users_username_lower" in index_names()
            downgrade(revision="0003")
            assert "post_count" not in {column["name"] for column in inspect(db.engine).get_columns("users")}
            assert "uq_users_username_lower" in index_names()
        finally:
            drop_everything()
            db.create_all()


def test_the_follows_migration_finds_mentions_in_existing_posts_and_goes_back(app):
    """0006 -> 0007 with data: counts start at zero, the posts already there get their mentions
    (of people who exist, lowercased), and back again."""
    with app.app_context():
        drop_everything()
        try:
            upgrade(revision="0006")
            with db.engine.begin() as connection:
                for uid, name in ((1, "Ann"), (2, "ben")):
                    connection.execute(text(
                        "INSERT INTO users (id, username, email, password_hash, about_me, last_seen) "
                        "VALUES (:id, :n, :e, 'x', '', '2026-01-01 10:00:00')"), {"id": uid, "n": name, "e": f"{name}@example.org"})
                for pid, body in ((1, "hi @ann and @BEN, not @ghost"), (2, "mail me@ben.org"), (3, "no one")):
                    connection.execute(text("INSERT INTO posts (id, body, timestamp, user_id) "
                                            "VALUES (:id, :body, '2026-01-01 10:00:00', 2)"), {"id": pid, "body": body})
            upgrade(revision="0007")
            with db.engine.connect() as connection:
                mentions = dict(connection.execute(text("SELECT id, mentions FROM posts")).all())
                counts = connection.execute(text("SELECT follower_count, following_count FROM users")).all()
                comments = connection.execute(text("SELECT comment_count FROM posts")).scalars().all()
            assert mentions == {1: "ann ben", 2: None, 3: None}
            assert set(counts) == {(0, 0)} and comments == [0, 0, 0]
            downgrade(revision="0006")
            assert "follows" not in inspect(db.engine).get_table_names()
            assert "mentions" not in {column["name"] for column in inspect(db.engine).get_columns("posts")}
            assert "uq_users_username_lower" in index_names()
        finally:
            drop_everything()
            db.create_all()
