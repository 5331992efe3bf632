"""What every area of the domain shares: its limits, the clock, timestamps that are always UTC,
and text compared byte by byte."""
import re
from datetime import datetime, timezone

from sqlalchemy import DateTime, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

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
