"""Keyset pagination for every newest-first list: the cost of a page never grows with its depth.

A page is addressed by a cursor, the (timestamp, id) of the row next to it, rather than
by an offset, so the database seeks straight to it through the (…, timestamp, id) index.
`?before=C` asks for the rows older than C, `?after=C` for the rows newer than C. A list
whose order is the order its rows were stored (a conversation) is ordered by id alone, and its
cursors are ids: no clock can then put two of its rows in another order than their ids.

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
ID_CURSOR_PATTERN = re.compile(r"[0-9]{1,10}", re.ASCII)
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Cursor:
    """A position in a newest-first list: the timestamp and id of a row (no timestamp in a list
    ordered by id alone)."""

    timestamp: datetime | None
    id: int

    def encode(self) -> str:
        """The cursor as it appears in a URL: microseconds since the epoch, underscore, id; or the id."""
        if self.timestamp is None:
            return str(self.id)
        return f"{(self.timestamp - EPOCH) // timedelta(microseconds=1)}_{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """Parse a (timestamp, id) cursor from a URL; anything malformed means no cursor (the first page)."""
        match = CURSOR_PATTERN.fullmatch(text or "")
        if not match or int(match.group(2)) > MAX_ID:
            return None
        # 17 digits of microseconds reach the year 5138, well inside what datetime holds.
        return cls(EPOCH + timedelta(microseconds=int(match.group(1))), int(match.group(2)))

    @classmethod
    def decode_id(cls, text: str | None) -> Cursor | None:
        """Parse an id cursor from a URL; anything malformed means no cursor."""
        if not ID_CURSOR_PATTERN.fullmatch(text or "") or int(text) > MAX_ID:
            return None
        return cls(None, int(text))

    @classmethod
    def of(cls, row: Any) -> Cursor:
        """The (timestamp, id) cursor that points at a row."""
        return cls(row.timestamp, row.id)


# Before every row: where a list that was never read starts (by time, and by id).
START = Cursor(EPOCH, 0)
ID_START = Cursor(None, 0)


@dataclass
class Page:
    """One page of a list, with the cursors of the pages beside it (None where there is none).
    starts_after: the position just before its oldest item; the page holds every row after it up
    to its newest item (the list's start when the page reaches back to its first row)."""

    items: list = field(default_factory=list)
    newer: str | None = None
    older: str | None = None
    starts_after: Cursor | None = None


@dataclass(frozen=True)
class Keyset:
    """A newest-first list as SQL: a select of columns that include `timestamp` and `id` (the
    columns given, which order it; `timestamp` None: ordered by id alone), with bound parameters
    for whose list it is."""

    select: Select
    timestamp: ColumnElement | None
    id: ColumnElement

    @property
    def by_id(self) -> bool:
        """Whether the list is ordered by id alone."""
        return self.timestamp is None

    @property
    def start(self) -> Cursor:
        """The position before every row."""
        return ID_START if self.by_id else START

    def decode(self, text: str | None) -> Cursor | None:
        """A cursor of this list from a URL; None when malformed."""
        return Cursor.decode_id(text) if self.by_id else Cursor.decode(text)

    def cursor_of(self, row: Any) -> Cursor:
        """The cursor of this list that points at a row."""
        return Cursor(None, row.id) if self.by_id else Cursor.of(row)

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
        return self._limited(self.select.where(self._key > self._cursor).order_by(*self._order(ascending=True)))

    @cached_property
    def through(self) -> Select:
        """The rows at or before the cursor, newest first."""
        return self._newest_first(self.select.where(self._key <= self._cursor))

    @property
    def _key(self):
        return self.id if self.by_id else tuple_(self.timestamp, self.id)

    @property
    def _cursor(self):
        cursor_id = bindparam("cursor_id", type_=Integer)
        return cursor_id if self.by_id else tuple_(bindparam("cursor_timestamp", type_=self.timestamp.type), cursor_id)

    def _order(self, ascending: bool) -> list:
        columns = [self.id] if self.by_id else [self.timestamp, self.id]
        return [column.asc() if ascending else column.desc() for column in columns]

    def _newest_first(self, stmt: Select) -> Select:
        return self._limited(stmt.order_by(*self._order(ascending=False)))

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
            params["cursor_id"] = cursor.id
            if not self.keyset.by_id:
                params["cursor_timestamp"] = cursor.timestamp
        return list(db.session.execute(getattr(self.keyset, direction), params))


def paginate(listing: Listing, per_page: int, start_after: Cursor | None = None) -> Page:
    """One newest-first page of a listing, placed by the request's `before` or `after` cursor;
    without either, the newest page, or the page just after `start_after` when one is given (a
    conversation opening at its first unread message)."""
    keyset = listing.keyset
    before = keyset.decode(request.args.get("before"))
    after = None if before else keyset.decode(request.args.get("after"))
    if before is None and after is None:
        after = start_after
    # One row more than a page tells whether another page lies beyond, without a count.
    if after:
        rows = listing.rows("after", per_page + 1, after)
    else:
        rows = listing.rows("before" if before else "newest", per_page + 1, before)
    has_more = len(rows) > per_page
    if after:
        rows = rows[:per_page]
        rows.reverse()
        has_newer, has_older, starts_after = has_more, after != keyset.start, after
    else:
        # The row beyond the page is the one just before its oldest item.
        starts_after = keyset.cursor_of(rows[per_page]) if has_more else keyset.start
        rows = rows[:per_page]
        has_newer, has_older = before is not None, has_more
    if not rows:
        # Past either end: offer the way back to the start of the list only.
        return Page(items=[], newer=None, older=None)
    return Page(
        items=rows,
        newer=keyset.cursor_of(rows[0]).encode() if has_newer else None,
        older=keyset.cursor_of(rows[-1]).encode() if has_older else None,
        starts_after=starts_after,
    )
