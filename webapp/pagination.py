"""Keyset pagination for every newest-first list: the cost of a page never grows with its depth.

A page is addressed by a cursor, the (timestamp, id) of the row next to it, rather than
by an offset, so the database seeks straight to it through the (…, timestamp, id) index.
`?before=C` asks for the rows older than C, `?after=C` for the rows newer than C.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import request
from sqlalchemy import Select, tuple_

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


def paginate(stmt: Select, per_page: int, start_after: Cursor | None = None) -> Page:
    """Run one newest-first page of stmt (a select of one model), placed by the request's
    `before` or `after` cursor; without either, the newest page, or the page just after
    `start_after` when one is given (a conversation opening at its first unread message)."""
    model = stmt.column_descriptions[0]["entity"]
    key = tuple_(model.timestamp, model.id)
    before = Cursor.decode(request.args.get("before"))
    after = None if before else Cursor.decode(request.args.get("after"))
    if before is None and after is None:
        after = start_after
    if after:
        stmt = stmt.where(key > (after.timestamp, after.id)).order_by(model.timestamp.asc(), model.id.asc())
    else:
        if before:
            stmt = stmt.where(key < (before.timestamp, before.id))
        stmt = stmt.order_by(model.timestamp.desc(), model.id.desc())
    # One row more than a page tells whether another page lies beyond, without a count.
    rows = list(db.session.scalars(stmt.limit(per_page + 1)))
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
