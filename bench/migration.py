"""Migration 0003 (conversations) on a large database: seed revision 0002 in bulk, time the upgrade.

    .venv/bin/python bench/migration.py [--messages N] [--conversations N] [--database-url URL]
                                        [--replace-0003 FILE] [--statements]

Makes a throwaway SQLite database in a temp folder (or, given a PostgreSQL URL, a throwaway
database on that server, dropped at the end), upgrades it to 0002 through Flask-Migrate, stores
users and messages with executemany (some users with a `last_message_read_time`), then times
`upgrade(revision="0003")` and checks every conversation side against what was seeded.
`--replace-0003 FILE` runs another version of the migration in its place (say the one before a
change: `git show 53b66fd:migrations/versions/0003_conversations.py > /tmp/old.py`), from a copy of
the migrations folder; the project's own files are never touched.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestConfig
from databases import throwaway_database
from webapp import create_app
from webapp.database import MIGRATIONS
from webapp.extensions import db
from webapp.models import UTCDateTime

CHUNK = 10_000
START = datetime(2026, 1, 1, tzinfo=timezone.utc)

USERS = sa.table("users", sa.column("id"), sa.column("username"), sa.column("email"),
                 sa.column("password_hash"), sa.column("about_me"), sa.column("last_seen", UTCDateTime()),
                 sa.column("last_message_read_time", UTCDateTime()))
MESSAGES = sa.table("messages", sa.column("id"), sa.column("sender_id"), sa.column("recipient_id"),
                    sa.column("body"), sa.column("timestamp", UTCDateTime()), sa.column("submission_token"))
# Bodies of 10 to 140 characters, as sent through the form (with its 32-hex-digit token): a table as
# large on disk as a real one, since a scan's cost is its pages.
TEXT = "the quick brown fox jumps over a lazy dog while seven tired owls watch it from an old oak " * 5


@dataclass
class Expected:
    """What the migration must produce, worked out in Python while seeding."""

    conversations: int = 0
    messages: Counter = field(default_factory=Counter)  # pair -> messages
    last_id: dict = field(default_factory=dict)  # pair -> newest message id
    read_id: dict = field(default_factory=dict)  # (pair, recipient) -> newest id read
    unread: Counter = field(default_factory=Counter)  # (pair, recipient) -> messages after the read time


def main() -> int:
    """Seed, time the upgrade to 0003, check it; the exit status is 1 when the result is wrong."""
    options = parse_options()
    with throwaway_database(options.database_url, "migration_bench") as url, migrations_folder(options.replace_0003) as folder:
        # The app's own settings, its request deadlines included: migrations run without them (migrations/env.py).
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            try:
                return run(options, folder)
            finally:
                db.session.remove()
                db.engine.dispose()


def parse_options() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--conversations", type=int, default=2_000)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (default: a temporary SQLite file)")
    parser.add_argument("--replace-0003", type=Path, help="run this file in place of migrations/versions/0003_*.py")
    parser.add_argument("--statements", action="store_true", help="also print the slowest statements of the upgrade")
    options = parser.parse_args()
    if not 1 <= options.conversations <= options.messages:
        parser.error("need 1 <= --conversations <= --messages")
    return options


def run(options: argparse.Namespace, folder: str) -> int:
    """Upgrade to 0002, seed, time the upgrade to 0003 and check it."""
    upgrade(directory=folder, revision="0002")
    version = ".".join(map(str, db.engine.dialect.server_version_info))
    print(f"database: {db.engine.dialect.name} {version}; migration 0003: {options.replace_0003 or 'this work tree'}")
    started = time.perf_counter()
    expected = seed(options.messages, options.conversations)
    print(f"seeded {options.messages:,} messages in {options.conversations:,} conversations "
          f"in {time.perf_counter() - started:.1f} s")
    with statement_times() as times:
        started = time.perf_counter()
        upgrade(directory=folder, revision="0003")
        seconds = time.perf_counter() - started
    print(f"upgrade 0002 -> 0003: {seconds:.2f} s")
    if options.statements:
        for statement, spent in times.most_common(8):
            print(f"  {spent:8.2f} s  {statement}")
    problems = check(expected)
    print("result: " + ("; ".join(problems) or "every side's marker, last message and unread count as expected"))
    return 1 if problems else 0


def seed(messages: int, conversations: int) -> Expected:
    """Users, pairs of them, and a message a second spread over the pairs, stored in chunks with executemany."""
    rng = random.Random(3)
    pairs = distinct_pairs(conversations, users=conversations // 2 + 2)
    people = {person for pair in pairs for person in pair}
    # Two users in three had read up to some time along the way; the others never opened their messages.
    read_times = {uid: START + timedelta(seconds=messages * (uid % 7 + 1) // 8) if uid % 3 else None for uid in people}
    with db.engine.begin() as connection:
        connection.execute(sa.insert(USERS), [
            {"id": uid, "username": f"user{uid}", "email": f"user{uid}@example.org", "password_hash": "x",
             "about_me": "", "last_seen": START, "last_message_read_time": read_times[uid]} for uid in sorted(people)])
    expected = Expected(conversations=len(pairs))
    # Half the conversations fall silent after the first tenth of the messages: a plan that looks for a
    # conversation's last message by walking back from the newest message of all pays for that.
    quiet_after, lively = messages // 10, pairs[len(pairs) // 2:]
    rows = []
    # Each pair gets one message first, so every conversation exists.
    for mid in range(1, messages + 1):
        pair = pairs[mid - 1] if mid <= len(pairs) else rng.choice(pairs if mid <= quiet_after else lively)
        sender, recipient = pair if rng.random() < 0.5 else pair[::-1]
        stamp = START + timedelta(seconds=mid)
        rows.append({"id": mid, "sender_id": sender, "recipient_id": recipient, "body": body(rng), "timestamp": stamp,
                     "submission_token": f"{rng.getrandbits(128):032x}"})
        note(expected, pair, recipient, mid, read_times[recipient] is not None and stamp <= read_times[recipient])
        if len(rows) == CHUNK:
            store_messages(rows)
            rows = []
    store_messages(rows)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("ANALYZE"))  # what autovacuum would have done on a live database
    return expected


def body(rng: random.Random) -> str:
    """Some words, 10 to 140 characters."""
    start = rng.randrange(200)
    return TEXT[start:start + rng.randint(10, 140)]


def distinct_pairs(count: int, users: int) -> list[tuple[int, int]]:
    """`count` different pairs of user ids (low, high) among 1..users: neighbours, then the next but one..."""
    pairs, seen = [], set()
    for step in range(1, users):
        for low in range(1, users + 1):
            pair = tuple(sorted((low, (low + step - 1) % users + 1)))
            if pair not in seen and len(pairs) < count:
                seen.add(pair)
                pairs.append(pair)
    assert len(pairs) == count, "not enough users for that many conversations"
    return pairs


def note(expected: Expected, pair: tuple[int, int], recipient: int, mid: int, read: bool) -> None:
    """Count one message (ids grow with time) into what the migration should find."""
    expected.messages[pair] += 1
    expected.last_id[pair] = mid
    if read:
        expected.read_id[pair, recipient] = mid
    else:
        expected.unread[pair, recipient] += 1


def store_messages(rows: list[dict]) -> None:
    """One executemany of a chunk, in its own transaction."""
    if rows:
        with db.engine.begin() as connection:
            connection.execute(sa.insert(MESSAGES), rows)


def check(expected: Expected) -> list[str]:
    """Every side and every conversation against what was seeded; what differs, at most a few of each."""
    with db.engine.connect() as connection:
        sides = connection.execute(sa.text("""
            SELECT c.user_low_id, c.user_high_id, p.user_id, p.last_read_message_id, p.last_message_id, p.unread_count
            FROM participants p JOIN conversations c ON c.id = p.conversation_id""")).all()
        counts = connection.execute(sa.text("""
            SELECT c.user_low_id, c.user_high_id, COUNT(*)
            FROM messages m JOIN conversations c ON c.id = m.conversation_id
            GROUP BY c.user_low_id, c.user_high_id""")).all()
    problems = []
    if len(sides) != 2 * expected.conversations:
        problems.append(f"{len(sides)} sides for {expected.conversations} conversations")
    wrong_sides = [row for row in sides if tuple(row[3:]) != (
        expected.read_id.get((tuple(row[:2]), row[2]), 0), expected.last_id[tuple(row[:2])],
        expected.unread[tuple(row[:2]), row[2]])]
    if wrong_sides:
        problems.append(f"{len(wrong_sides)} sides wrong, e.g. {[tuple(row) for row in wrong_sides[:3]]}")
    if {(low, high): n for low, high, n in counts} != dict(expected.messages):
        problems.append("messages per conversation differ")
    return problems


@contextmanager
def statement_times():
    """Seconds spent in each statement run meanwhile (its first 100 characters), summed."""
    times, started = Counter(), {}

    def before(_connection, _cursor, statement, _parameters, context, _many):
        started[id(context)] = time.perf_counter()

    def after(_connection, _cursor, statement, _parameters, context, _many):
        times[" ".join(statement.split())[:100]] += time.perf_counter() - started.pop(id(context))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield times
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        sa.event.remove(db.engine, "after_cursor_execute", after)


@contextmanager
def migrations_folder(replacement: Path | None):
    """The project's migrations, or a temporary copy of them with another 0003 in place."""
    if replacement is None:
        yield MIGRATIONS
        return
    with tempfile.TemporaryDirectory(prefix="migrations-") as folder:
        copy = Path(folder) / "migrations"
        shutil.copytree(MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
        for old in copy.glob("versions/0003_*.py"):
            old.unlink()
        shutil.copy(replacement, copy / "versions" / "0003_conversations.py")
        yield str(copy)


if __name__ == "__main__":
    sys.exit(main())
