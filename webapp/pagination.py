"""Keyset pagination for every newest-first list: the cost of a page never grows with its depth.

A page is addressed by a cursor, the (timestamp, id) of the row next to it, rather than
by an offset, so the database seeks straight to it through the (…, timestamp, id) index.
`?before=C` asks for the rows older than C, `?after=C` for the rows newer than C.

A list is a `Keyset`: a select of plain columns (rows, not ORM objects: a page of twenty costs
what its query costs), whose statements (the newest page, the page before a cursor, the page
after one, and the rows up to one) are built once, with bound parameters, and reused by every
request.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

from flask import request
from sqlalchemy import ColumnElement, Integer, Select, bindparam, tuple_

from .extensions import db

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# ASCII digits only; ids fit the 32-bit INTEGER column, so PostgreSQL never sees one out of range.
CURSOR_PATTERN = re.compile(r"([0-9]{1,17})_([0-9]{1,10})", re.ASCII)
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Cursor:
    """A position in a newest-first list: the timestamp and id of a row."""

    timestamp: datetime
    id: int

    def encode(self) -> str:
        """The cursor as it appears in a URL: microseconds since the epoch, underscore, id."""
        return f"{(self.timestamp - EPOCH) // timedelta(microseconds=1)}_{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """Parse a cursor from a URL; anything malformed means no cursor (the first page)."""
        match = CURSOR_PATTERN.fullmatch(text or "")
        if not match or int(match.group(2)) > MAX_ID:
            return None
        # 17 digits of microseconds reach the year 5138, well inside what datetime holds.
        return cls(EPOCH + timedelta(microseconds=int(match.group(1))), int(match.group(2)))

    @classmethod
    def of(cls, row: Any) -> Cursor:
        """The cursor that points at a row."""
        return cls(row.timestamp, row.id)


# Before every row: where a list that was never read starts.
START = Cursor(EPOCH, 0)


@dataclass
class Page:
    """One page of a list, with the cursors of the pages beside it (None where there is none)."""

    items: list = field(default_factory=list)
    newer: str | None = None
    older: str | None = None


@dataclass(frozen=True)
class Keyset:
    """A newest-first list as SQL: a select of columns that include `timestamp` and `id` (the
    columns given, which order it), with bound parameters for whose list it is."""

    select: Select
    timestamp: ColumnElement
    id: ColumnElement

    @cached_property
    def newest(self) -> Select:
        """The newest rows, newest first."""
        return self._newest_first(self.select)

    @cached_property
    def before(self) -> Select:
        """The rows older than the cursor, newest first."""
        return self._newest_first(self.select.where(self._key < self._cursor))

    @cached_property
    def after(self) -> Select:
        """The rows newer than the cursor, oldest first."""
        return self._limited(self.select.where(self._key > self._cursor).order_by(self.timestamp.asc(), self.id.asc()))

    @cached_property
    def through(self) -> Select:
        """The rows at or before the cursor, newest first."""
        return self._newest_first(self.select.where(self._key <= self._cursor))

    @property
    def _key(self):
        return tuple_(self.timestamp, self.id)

    @property
    def _cursor(self):
        return tuple_(bindparam("cursor_timestamp", type_=self.timestamp.type), bindparam("cursor_id", type_=Integer))

    def _newest_first(self, stmt: Select) -> Select:
        return self._limited(stmt.order_by(self.timestamp.desc(), self.id.desc()))

    @staticmethod
    def _limited(stmt: Select) -> Select:
        return stmt.limit(bindparam("limit", type_=Integer))


@dataclass(frozen=True)
class Listing:
    """One list to page through: its keyset and the values of its parameters (whose list it is)."""

    keyset: Keyset
    params: Mapping[str, Any]

    def rows(self, direction: str, limit: int, cursor: Cursor | None = None) -> list:
        """Up to `limit` rows of the keyset's statement `direction` (newest, before, after or
        through), read in the request's session (so a page sees that request's own writes)."""
        params = {**self.params, "limit": limit}
        if cursor is not None:
            params.update(cursor_timestamp=cursor.timestamp, cursor_id=cursor.id)
        return list(db.session.execute(getattr(self.keyset, direction), params))


def paginate(listing: Listing, per_page: int, start_after: Cursor | None = None) -> Page:
    """One newest-first page of a listing, placed by the request's `before` or `after` cursor;
    without either, the newest page, or the page just after `start_after` when one is given (a
    conversation opening at its first unread message)."""
    before = Cursor.decode(request.args.get("before"))
    after = None if before else Cursor.decode(request.args.get("after"))
    if before is None and after is None:
        after = start_after
    # One row more than a page tells whether another page lies beyond, without a count.
    if after:
        rows = listing.rows("after", per_page + 1, after)
    else:
        rows = listing.rows("before" if before else "newest", per_page + 1, before)
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    if after:
        rows.reverse()
        has_newer, has_older = has_more, after != START
    else:
        has_newer, has_older = before is not None, has_more
    if not rows:
        # Past either end: offer the way back to the start of the list only.
        return Page(items=[], newer=None, older=None)
    return Page(
        items=rows,
        newer=Cursor.of(rows[0]).encode() if has_newer else None,
        older=Cursor.of(rows[-1]).encode() if has_older else None,
    )
