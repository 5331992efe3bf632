"""The benchmark's data: a throwaway database (or BENCH_DATABASE_URL), migrated, then seeded in bulk
through the app's models and tables.

The reader has a long conversation that is read (--messages, its deep pages are what a thread's
pager must reach cheaply), a second one full of unread messages (--unread: the badge's worst
case), and --conversations short ones (the inbox's depth). Others talk among themselves first
(--other-messages), so a plan that scans rather than seeks has to walk past their messages.
--people authors write --posts posts between them; the reader follows --follows of them (their
home timeline), one post has --comments comments, and the reader has --notifications
notifications (each a mention in its own group: the most groups a list can have).
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from client import PASSWORD
from server import ROOT, venv_tool

SEED_CHUNK = 10_000
COMMENTS_PER_PAGE = NOTIFICATIONS_PER_PAGE = 20  # the app's defaults (config.Config)
# Cheap hashing for the bench server and seeding: login is not what we measure.
CHEAP_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1}


@dataclass
class Seed:
    """What the seeding produced: the people, the cursors near the oldest rows, the counts."""

    reader: str
    reader_address: str
    light: str
    thread_with: str
    unread_from: str
    messages: int
    unread: int
    conversations: int
    other_messages: int
    posts: int
    oldest_inbox_cursor: str
    oldest_thread_cursor: str
    oldest_timeline_cursor: str
    thread_last_id: int
    people: int
    follows: int
    comments: int
    followed: str
    oldest_home_cursor: str
    commented_post: int
    oldest_comments_cursor: str
    notifications: int
    oldest_notifications_cursor: str
    newest_home_cursor: str
    per_page: int
    database: str = ""
    seconds: float = 0.0


def database_url(workdir: Path) -> str:
    """BENCH_DATABASE_URL, else a new SQLite file in the work folder (never the developer's own database)."""
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite'}"


def settings(url: str) -> dict:
    """The app's settings for seeding and serving: this database, no rate limits, cheap hashing."""
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32), "RATELIMIT_ENABLED": False,
            **CHEAP_ARGON2}


def server_environment(workdir: Path, app_settings: dict) -> dict[str, str]:
    """The environment gunicorn's `create_app()` reads: the same settings, as a deployment gives them."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update({key: str(value).lower() if isinstance(value, bool) else str(value)
                for key, value in app_settings.items() if key != "SQLALCHEMY_DATABASE_URI"})
    env.update({"DATABASE_URL": app_settings["SQLALCHEMY_DATABASE_URI"], "INSTANCE_PATH": str(workdir / "instance"),
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))})
    return env


def migrate(env: dict[str, str]) -> None:
    """Run `flask db upgrade` against the bench database, as a deployment does."""
    done = subprocess.run(venv_tool("flask") + ["--app", "webapp", "db", "upgrade"], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300)
    if done.returncode:
        raise RuntimeError(f"flask db upgrade failed:\n{done.stderr}")


def seed(app_settings: dict, args: argparse.Namespace, run_id: str) -> Seed:
    """Create the people, their conversations and the timeline, in-process through the app."""
    from webapp import create_app
    from webapp.extensions import db

    started = time.perf_counter()
    app = create_app(app_settings)
    with app.app_context():
        result = seed_rows(db, args, run_id, app.config["MESSAGES_PER_PAGE"])
        # The seeding's last reads end here: a vacuum can wait forever on a page an idle
        # transaction still holds (seen once: VACUUM waiting on a buffer pin of this session).
        db.session.remove()
        analyze_postgresql(db)
        result.database = db.engine.url.render_as_string(hide_password=True)
        db.engine.dispose()
    result.seconds = time.perf_counter() - started
    return result


def seed_rows(db, args: argparse.Namespace, run_id: str, per_page: int) -> Seed:
    """Insert everything and describe it."""
    roles = ("reader", "light", "friend", "admirer", "other1", "other2")
    names = {role: f"{role}_{run_id}" for role in roles}
    pals = [f"pal{index}_{run_id}" for index in range(args.conversations)]
    ids = create_users(db, [*names.values(), *pals])
    reader, light = ids[names["reader"]], ids[names["light"]]
    set_address(db, reader, reader_address(run_id))
    # The others' messages go in first: a sequential scan meets all of them before the reader's.
    others = add_conversation(db, ids[names["other1"]], ids[names["other2"]], args.other_messages, both_ways=True)
    thread = add_conversation(db, ids[names["friend"]], reader, args.messages, both_ways=True)
    unread = add_conversation(db, ids[names["admirer"]], reader, args.unread)
    for_light = add_conversation(db, ids[names["friend"]], light, 3)
    pal_conversations = [add_conversation(db, ids[pal], reader, 1) for pal in pals]
    add_participants(db, [others, thread, *pal_conversations], read_by_all=True)
    add_participants(db, [unread, for_light], read_by_all=False)
    authors = create_authors(db, run_id, args.people)
    insert_posts(db, [*list(ids.values())[:len(roles)], *authors], args.posts)
    followed = follow_every_nth(db, reader, authors, args.follows)
    commented = add_comments(db, authors[0], authors[1:], args.comments)
    add_mentions(db, reader, authors, args.notifications)
    return Seed(reader=names["reader"], reader_address=reader_address(run_id), light=names["light"],
                thread_with=names["friend"],
                unread_from=names["admirer"], messages=args.messages, unread=args.unread,
                conversations=args.conversations + 2, other_messages=args.other_messages, posts=args.posts,
                per_page=per_page, oldest_inbox_cursor=inbox_cursor_near_oldest(db, reader, per_page),
                oldest_thread_cursor=thread_cursor_near_oldest(db, thread, per_page),
                oldest_timeline_cursor=timeline_cursor_near_oldest(db, per_page),
                thread_last_id=last_message_id(db, thread), people=args.people, follows=len(followed),
                comments=args.comments, followed=author_name(run_id, followed[0]),
                oldest_home_cursor=home_cursor_near_oldest(db, reader, followed, per_page),
                commented_post=commented, oldest_comments_cursor=comments_cursor_near_oldest(db, commented),
                notifications=args.notifications,
                oldest_notifications_cursor=notifications_cursor_near_oldest(db, reader, per_page),
                newest_home_cursor=newest_home_cursor(db, reader))


def reader_address(run_id: str) -> str:
    """The reader's confirmed address, at a domain the address field accepts (the password reset's
    known address; every other seeded person's is under .invalid, which it refuses)."""
    return f"reader_{run_id}@example.com"


def set_address(db, user_id: int, address: str) -> None:
    """Give a seeded person a confirmed address."""
    from sqlalchemy import update

    from webapp.models import User

    db.session.execute(update(User).where(User.id == user_id).values(email=address))
    db.session.commit()


def author_name(run_id: str, index: int) -> str:
    """The name of the author with this index."""
    return f"author{index}_{run_id}"


def create_authors(db, run_id: str, count: int) -> list[int]:
    """`count` people who will write the posts (bulk-inserted: no ORM object each); their ids."""
    from sqlalchemy import insert, select

    from webapp.models import User, utcnow
    from webapp.passwords import hash_password

    password_hash, now = hash_password(PASSWORD), utcnow()
    names = [author_name(run_id, index) for index in range(count)]
    for first in range(0, count, SEED_CHUNK):
        db.session.execute(insert(User), [{"username": name, "email": f"{name}@bench.invalid", "about_me": "",
                                           "password_hash": password_hash, "last_seen": now}
                                          for name in names[first:first + SEED_CHUNK]])
    db.session.commit()
    ids = dict(db.session.execute(select(User.username, User.id).where(User.username.in_(names))).all())
    return [ids[name] for name in names]


def follow_every_nth(db, reader: int, authors: list[int], count: int) -> list[int]:
    """The reader follows `count` authors spread evenly over them (each writes as much as any
    other, so the followed write count/len(authors) of the posts); their indexes."""
    from sqlalchemy import insert

    from webapp.models import Follow, utcnow

    step = max(1, len(authors) // max(count, 1))
    chosen = list(range(0, len(authors), step))[:count]
    now = utcnow()
    db.session.execute(insert(Follow), [{"follower_id": reader, "followed_id": authors[index], "created_at": now}
                                        for index in chosen])
    db.session.commit()
    Follow.recount()  # the counts the app keeps, set as it would have
    return chosen


def add_comments(db, author: int, commenters: list[int], count: int) -> int:
    """`count` comments on the newest post of `author`, by the commenters in turn; the post's id."""
    from sqlalchemy import insert, select

    from webapp.models import Comment, Post, utcnow

    post = db.session.scalar(select(Post.id).where(Post.user_id == author).order_by(Post.id.desc()).limit(1))
    start = utcnow() - timedelta(seconds=count + 60)
    for first in range(0, count, SEED_CHUNK):
        db.session.execute(insert(Comment), [{"post_id": post, "user_id": commenters[i % len(commenters)],
                                              "body": f"Bench comment number {i}.",
                                              "timestamp": start + timedelta(seconds=i)}
                                             for i in range(first, min(first + SEED_CHUNK, count))])
        db.session.commit()
    Comment.recount()
    return post


def last_message_id(db, conversation: int) -> int:
    """The id of a conversation's newest message."""
    from sqlalchemy import func, select

    from webapp.models import Message

    return db.session.scalar(select(func.max(Message.id)).where(Message.conversation_id == conversation))


def create_users(db, names: list[str]) -> dict[str, int]:
    """Create the users with one password; their ids by name."""
    from webapp.models import User
    from webapp.passwords import hash_password

    password_hash = hash_password(PASSWORD)
    users = [User(username=name, email=f"{name}@bench.invalid", password_hash=password_hash) for name in names]
    db.session.add_all(users)
    db.session.commit()
    return {user.username: user.id for user in users}


def add_conversation(db, sender: int, recipient: int, count: int, both_ways: bool = False) -> int:
    """A conversation with `count` messages one second apart, the newest a minute ago, all from
    `sender` (or alternating, `both_ways`); its id. Its sides are added by add_participants."""
    from sqlalchemy import insert

    from webapp.models import Conversation, Message, utcnow

    low, high = sorted((sender, recipient))
    conversation = Conversation(user_low_id=low, user_high_id=high)
    db.session.add(conversation)
    db.session.commit()
    start = utcnow() - timedelta(seconds=count + 60)
    for first in range(0, count, SEED_CHUNK):
        rows = []
        for i in range(first, min(first + SEED_CHUNK, count)):
            author, reader = (recipient, sender) if both_ways and i % 2 else (sender, recipient)
            rows.append({"conversation_id": conversation.id, "sender_id": author, "recipient_id": reader,
                         "body": f"Bench message number {i}.", "timestamp": start + timedelta(seconds=i)})
        db.session.execute(insert(Message), rows)
        db.session.commit()
    return conversation.id


def add_participants(db, conversations: list[int], read_by_all: bool) -> None:
    """Both sides of each conversation, with the last message and the unread count the app would
    have kept; read up to the end when `read_by_all`, else nothing read."""
    from sqlalchemy import func, insert, select

    from webapp.models import Conversation, Message, Participant

    for first in range(0, len(conversations), 500):
        chunk = conversations[first:first + 500]
        last = {row.conversation_id: row for row in db.session.execute(
            select(Message.conversation_id, func.max(Message.id).label("id"), func.max(Message.timestamp).label("at"))
            .where(Message.conversation_id.in_(chunk)).group_by(Message.conversation_id))}
        received = {(row.conversation_id, row.recipient_id): row.count for row in db.session.execute(
            select(Message.conversation_id, Message.recipient_id, func.count().label("count"))
            .where(Message.conversation_id.in_(chunk)).group_by(Message.conversation_id, Message.recipient_id))}
        rows = []
        for conversation in db.session.scalars(select(Conversation).where(Conversation.id.in_(chunk))):
            if conversation.id not in last:
                continue  # no messages (a count of 0 was asked for): no sides either
            for me, other in ((conversation.user_low_id, conversation.user_high_id),
                              (conversation.user_high_id, conversation.user_low_id)):
                newest = last[conversation.id]
                unread = 0 if read_by_all else received.get((conversation.id, me), 0)
                rows.append({"conversation_id": conversation.id, "user_id": me, "other_id": other,
                             "last_read_message_id": newest.id if read_by_all else 0, "last_message_id": newest.id,
                             "last_activity_at": newest.at, "unread_count": unread, "hidden": False})
        db.session.execute(insert(Participant), rows)
        db.session.commit()


def insert_posts(db, user_ids: list[int], count: int) -> None:
    """Bulk-insert `count` posts spread over the users, one minute apart, then count them on their
    authors (Post.publish would count each as it goes)."""
    from sqlalchemy import insert

    from webapp.models import Post, utcnow

    start = utcnow() - timedelta(minutes=count + 1)
    for first in range(0, count, SEED_CHUNK):
        rows = [{"user_id": user_ids[i % len(user_ids)], "body": f"Bench post number {i}.",
                 "timestamp": start + timedelta(minutes=i)}
                for i in range(first, min(first + SEED_CHUNK, count))]
        db.session.execute(insert(Post), rows)
        db.session.commit()
    Post.recount(user_ids)


def analyze_postgresql(db) -> None:
    """Do what autovacuum does soon after a bulk load: the planner's statistics, and the visibility
    map that lets an index-only scan (the badge's sum of unread counts) skip the table. On a
    plain connection: the app's deadlines are for requests, and a vacuum may take a minute."""
    from sqlalchemy import create_engine, text

    if db.engine.dialect.name == "postgresql":
        engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text("VACUUM (ANALYZE) users, conversations, participants, messages, posts"))
        finally:
            engine.dispose()


def inbox_cursor_near_oldest(db, reader: int, per_page: int) -> str:
    """A `before` cursor of the reader's inbox with two pages of older conversations left."""
    from webapp.models import Participant

    return cursor_at_offset(db, Participant.last_activity_at, Participant.id, Participant.user_id == reader, 2 * per_page)


def thread_cursor_near_oldest(db, conversation: int, per_page: int) -> str:
    """A `before` cursor of the long thread with two pages of older messages left: its deepest full page."""
    from webapp.models import Message

    return cursor_at_offset(db, None, Message.id, Message.conversation_id == conversation, 2 * per_page)


def timeline_cursor_near_oldest(db, per_page: int) -> str:
    """A `before` cursor with two pages of older posts left."""
    from webapp.models import Post

    return cursor_at_offset(db, Post.timestamp, Post.id, None, 2 * per_page)


def add_mentions(db, reader: int, authors: list[int], count: int) -> None:
    """`count` notifications for the reader: mentions in the authors' newest posts, one group
    each, read (as a reader who has been through them: the list's pages then only read)."""
    from sqlalchemy import insert, select

    from webapp.models import Notification, NotificationGroup, Post, utcnow

    posts = db.session.execute(select(Post.id, Post.user_id).where(Post.user_id.in_(authors))
                               .order_by(Post.id.desc()).limit(count)).all()
    start = utcnow() - timedelta(seconds=count + 60)
    for first in range(0, len(posts), SEED_CHUNK):
        chunk = posts[first:first + SEED_CHUNK]
        notes = [{"recipient_id": reader, "kind": "mentioned", "actor_id": post.user_id, "post_id": post.id,
                  "event_key": f"mentioned:post:{post.id}", "group_key": f"mentioned:post:{post.id}",
                  "created_at": start + timedelta(seconds=first + i)} for i, post in enumerate(chunk)]
        db.session.execute(insert(Notification), notes)
        ids = dict(db.session.execute(select(Notification.event_key, Notification.id).where(
            Notification.recipient_id == reader, Notification.event_key.in_([n["event_key"] for n in notes]))).all())
        db.session.execute(insert(NotificationGroup), [
            {"recipient_id": reader, "kind": "mentioned", "group_key": note["group_key"], "post_id": note["post_id"],
             "latest_at": note["created_at"], "latest_notification_id": ids[note["event_key"]],
             "read_through_id": ids[note["event_key"]], "latest_actor_id": note["actor_id"], "count": 1,
             "unread_count": 0} for note in notes])
        db.session.commit()


def notifications_cursor_near_oldest(db, reader: int, per_page: int) -> str:
    """A `before` cursor of the reader's notifications with two pages of older groups left."""
    from webapp.models import NotificationGroup

    return cursor_at_offset(db, NotificationGroup.latest_at, NotificationGroup.id,
                            NotificationGroup.recipient_id == reader, 2 * NOTIFICATIONS_PER_PAGE)


def newest_home_cursor(db, reader: int) -> str:
    """The cursor of the newest post of the reader's home timeline: where its new-posts poll asks after."""
    from sqlalchemy import select

    from webapp.models import Follow, Post
    from webapp.pagination import Cursor

    followed = select(Follow.followed_id).where(Follow.follower_id == reader)
    row = db.session.execute(select(Post.timestamp, Post.id).where(Post.user_id.in_(followed) | (Post.user_id == reader))
                             .order_by(Post.timestamp.desc(), Post.id.desc()).limit(1)).one()
    return Cursor(*row).encode()


def home_cursor_near_oldest(db, reader: int, followed: list[int], per_page: int) -> str:
    """A `before` cursor of the reader's home timeline with two pages of older posts left."""
    from sqlalchemy import select

    from webapp.models import Follow, Post

    followed_ids = select(Follow.followed_id).where(Follow.follower_id == reader)
    condition = Post.user_id.in_(followed_ids) | (Post.user_id == reader)
    return cursor_at_offset(db, Post.timestamp, Post.id, condition, 2 * per_page)


def comments_cursor_near_oldest(db, post: int) -> str:
    """A `before` cursor of the post's comments with two pages of older comments left."""
    from webapp.models import Comment

    return cursor_at_offset(db, None, Comment.id, Comment.post_id == post, 2 * COMMENTS_PER_PAGE)


def cursor_at_offset(db, timestamp, id_, condition, offset: int) -> str:
    """The encoded cursor of the row (ordered by `timestamp`, `id_`, where `condition` holds; by
    `id_` alone when `timestamp` is None, as a thread is) `offset` places from the oldest (the
    oldest row if fewer)."""
    from sqlalchemy import null, select

    from webapp.pagination import Cursor

    columns = [id_] if timestamp is None else [timestamp, id_]
    ordered = select(timestamp if timestamp is not None else null(), id_).order_by(*[c.asc() for c in columns])
    if condition is not None:
        ordered = ordered.where(condition)
    row = db.session.execute(ordered.offset(offset).limit(1)).first() or db.session.execute(ordered.limit(1)).first()
    return Cursor(*row).encode()
