"""What every area of the domain shares: its limits, the clock, timestamps that are always UTC,
text compared byte by byte, secret tokens kept as digests, and the navbar's unread counts (their
capped sums, kept per request)."""
import hashlib
import re
import secrets
from datetime import datetime, timezone

from sqlalchemy import DateTime, Integer, String, bindparam, event, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from ..extensions import RequestSession, db

# The limits of the domain, defined once: the columns, the forms and the templates read them.
# What a username may be: the forms enforce it, and lookups skip anything else.
USERNAME_MIN_LENGTH, USERNAME_MAX_LENGTH = 3, 32
USERNAME_CHARACTERS = "A-Za-z0-9_.-"
USERNAME_PATTERN = re.compile(f"[{USERNAME_CHARACTERS}]{{{USERNAME_MIN_LENGTH},{USERNAME_MAX_LENGTH}}}")
EMAIL_MAX_LENGTH = 254
PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH = 8, 256
# A post or a message: 1 to 140 characters once trimmed.
BODY_MAX_LENGTH = 140
ABOUT_ME_MAX_LENGTH = 280
USER_AGENT_MAX_LENGTH = 256
# A secret the app hands out (a session identifier, a link's token): 32 random bytes, URL-safe.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """A new secret token (TOKEN_PATTERN)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database keeps of a token: its SHA-256, so a leaked table signs nobody in."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (called per row, never once at import)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always aware and in UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store UTC; SQLite has no time zones, so it gets the naive UTC value."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is required")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Hand back an aware UTC datetime from either database."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class bytewise(FunctionElement):
    """A text expression ordered and compared byte by byte, whatever the database's locale: on
    PostgreSQL COLLATE "C" (a linguistic collation ignores dots and dashes at first, so a prefix
    would not be a range of its index), on SQLite as it is (its default collation is bytewise).
    An index and the queries it serves must use it alike."""

    type = String()
    name = "bytewise"
    inherit_cache = True


@compiles(bytewise)
def compile_bytewise(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(bytewise, "postgresql")
def compile_bytewise_postgresql(element, compiler, **kw):
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'


def capped_sum(table, counts, owners, owner_id):
    """The sum of `counts` over the rows of `table` whose `owners` is `owner_id` (a parameter or a
    column of the outer query) and whose count is not zero, reading at most :cap of them (each
    holds at least one, so the cap is still reached): bounded whatever their number, a seek on an
    (owner, count) index. The badge and the bell are such sums."""
    # A derived table is not correlated by itself: `owner_id`'s table would join it, not bind it.
    rows = (select(counts).where(owners == owner_id, counts > 0)
            .limit(bindparam("cap", type_=Integer)).correlate_except(table).subquery())
    return select(func.coalesce(func.sum(rows.c[counts.name]), 0)).scalar_subquery()


# Every page's navbar shows the viewer's unread messages and notifications: they are read with the
# viewer's session (UserSession.user_for) and kept in the request's ORM session until that session
# writes anything. A page that marked something read, or changed anything else, counts again.
KEPT_COUNTS = "kept_unread_counts"


def keep_counts(user_id: int, **counts: int) -> dict:
    """Keep `user_id`'s unread counts (messages=, notifications=) for this request's navbar."""
    kept = db.session.info[KEPT_COUNTS] = {"user_id": user_id, **counts}
    return kept


def kept_counts(user_id: int) -> dict | None:
    """The kept counts of `user_id`, or None when there are none (or a write made them stale)."""
    kept = db.session.info.get(KEPT_COUNTS)
    return kept if kept is not None and kept["user_id"] == user_id else None


@event.listens_for(RequestSession, "do_orm_execute")
def forget_counts_on_write(state) -> None:
    """A statement that is not a SELECT may change the counts: the kept ones no longer hold."""
    if not state.is_select:
        state.session.info.pop(KEPT_COUNTS, None)


@event.listens_for(RequestSession, "after_flush")
def forget_counts_after_flush(session, _flush_context) -> None:
    """Objects written by a flush may change the counts: the kept ones no longer hold."""
    session.info.pop(KEPT_COUNTS, None)
