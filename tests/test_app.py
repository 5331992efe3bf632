"""The factory, the configuration, the database settings and the seed command."""
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from config import from_environment
from webapp import create_app
from webapp.database import normalize_database_uri
from webapp.extensions import db
from webapp.models import Comment, Follow, Message, Post, User

from .conftest import post_counts, soup


def test_the_development_secret_survives_a_restart(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    first = create_app({}).config["SECRET_KEY"]
    second = create_app({}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "instance" / "secret_key").read_text() == first


def test_the_default_database_is_sqlite_in_the_instance_folder_with_wal(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'webapp.sqlite'}"
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        db.engine.dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [("postgres://u@h/db", "postgresql+psycopg://u@h/db"), ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
     ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"), ("sqlite:///x.db", "sqlite:///x.db")],
)
def test_database_urls_go_through_psycopg_3(given, expected):
    assert normalize_database_uri(given) == expected


def test_the_environment_is_read_when_the_app_is_created(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("POSTS_PER_PAGE", "7")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "yes")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    app = create_app(None, NOTIFICATION_POLL_SECONDS=30)
    assert app.config["POSTS_PER_PAGE"] == 7
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert app.config["NOTIFICATION_POLL_SECONDS"] == 30  # overrides come last


def test_unset_or_empty_variables_keep_their_defaults():
    assert from_environment({"POSTS_PER_PAGE": "", "SECRET_KEY": "  "}) == {}


def test_a_list_is_read_comma_separated():
    assert from_environment({"TRUSTED_HOSTS": " microblog.example, .example.org ,"}) == {
        "TRUSTED_HOSTS": ["microblog.example", ".example.org"]}


@pytest.mark.parametrize(("name", "value"), [("POSTS_PER_PAGE", "ten"), ("RATELIMIT_ENABLED", "maybe")])
def test_a_malformed_variable_is_a_clear_error_at_startup(name, value):
    with pytest.raises(ValueError, match=name):
        from_environment({name: value})


def test_usernames_are_unique_without_regard_to_case_in_the_database(app):
    with app.app_context():
        db.session.add(User(username="Dana", email="d1@example.org", password_hash="x"))
        db.session.commit()
        db.session.add(User(username="dANA", email="d2@example.org", password_hash="x"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_deleting_a_user_removes_their_posts_and_messages(app, make_user, add_post, add_message):
    make_user("alice")
    make_user("bob")
    add_post("alice")
    add_message("alice", "bob")
    with app.app_context():
        db.session.execute(User.__table__.delete().where(User.username == "alice"))
        db.session.commit()
        assert db.session.scalar(select(func.count(Post.id))) == 0
        assert db.session.scalar(select(func.count(Message.id))) == 0


def test_timestamps_come_back_aware_in_utc(app, make_user, add_post):
    make_user("alice")
    add_post("alice")
    with app.app_context():
        post = db.session.scalar(select(Post))
        assert post.timestamp.utcoffset().total_seconds() == 0


def test_seed_demo_creates_a_living_app_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and "demo-password" in first.output
    with app.app_context():
        totals = [db.session.scalar(select(func.count(model.id))) for model in (User, Post, Message)]
    assert totals[0] == 4 and totals[1] > 0 and totals[2] > 0
    # Each demo user's stored count is their number of posts (the first one included: it is
    # published while its new author is still unsaved).
    assert all(stored == actual for stored, actual in post_counts(app).values())
    # Follows, comments and mentions too, with every stored count right.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Follow)) == 8
        assert db.session.scalar(select(func.count(Comment.id))) == 5
        assert db.session.scalar(select(func.count(Post.id)).where(Post.mentions.is_not(None))) == 2
        assert Follow.recount() == 0 and Comment.recount() == 0
    second = runner.invoke(args=["seed-demo"])
    assert "nothing changed" in second.output
    with app.app_context():
        assert [db.session.scalar(select(func.count(model.id))) for model in (User, Post, Message)] == totals


def test_recount_mends_counts_that_drifted_and_says_how_many(app, make_user, add_post):
    make_user("ann")
    make_user("ben")
    add_post("ann")
    with app.app_context():
        db.session.add(Post(author=User.by_username("ben"), body="loaded in bulk"))  # not counted
        db.session.commit()
    assert post_counts(app) == {"ann": (1, 1), "ben": (0, 1)}
    result = app.test_cli_runner().invoke(args=["recount"])
    assert result.exit_code == 0 and "1 stored count corrected" in result.output
    assert post_counts(app) == {"ann": (1, 1), "ben": (1, 1)}
    again = app.test_cli_runner().invoke(args=["recount"])
    assert "0 stored counts corrected" in again.output


def test_demo_users_can_log_in(app, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    response = client.post("/auth/login", data={"username": "alice", "password": "demo-password"})
    assert response.status_code == 303
    home = soup(client.get("/"))
    assert "alice" in home.select_one("nav").get_text()
    assert home.select("#post-items > li.post"), "the demo has posts on the timeline"
    inbox = soup(client.get("/messages"))
    assert len(inbox.select("li.conversation")) == 2 and len(inbox.select("li.conversation-unread")) == 2
    thread = soup(client.get("/messages/with/bob"))
    mine = thread.select("li.thread-message.mine")
    assert mine and len(thread.select("li.thread-message")) > len(mine), "replies go both ways"
    assert thread.select_one("li.new-divider") is not None, "something is left unread"
