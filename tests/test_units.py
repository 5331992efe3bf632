"""Small pure pieces: relative times, cursors, avatars, safe redirects."""
from datetime import datetime, timedelta, timezone

import pytest

from webapp.pagination import Cursor
from webapp.security import safe_next
from webapp.timefmt import iso_utc, relative_time
from webapp.users.avatars import avatar_svg

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("delta", "text"),
    [(timedelta(seconds=10), "just now"), (timedelta(seconds=50), "1 minute ago"),
     (timedelta(minutes=5), "5 minutes ago"), (timedelta(hours=1), "1 hour ago"), (timedelta(days=2), "2 days ago"),
     (timedelta(days=15), "2 weeks ago"), (timedelta(days=400), "1 year ago"), (timedelta(seconds=-30), "just now")],
)
def test_relative_time(delta, text):
    assert relative_time(NOW - delta, now=NOW) == text


def test_iso_utc_is_what_the_datetime_attribute_wants():
    assert iso_utc(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))) == "2026-01-02T01:04:05Z"


def test_cursors_round_trip():
    cursor = Cursor(datetime(2026, 11, 24, 8, 0, 0, 123456, tzinfo=timezone.utc), 42)
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("text", [None, "", "abc", "1_", "_1", "-1_2", "1_2_3", "9" * 18 + "_1", "1.5_2",
                                  "1_2147483648", "1_99999999999", "\u0661\u0662_\u0663", "1_2\n"])
def test_malformed_cursors_decode_to_none(text):
    assert Cursor.decode(text) is None


def test_id_cursors_round_trip_and_refuse_time_cursors():
    assert Cursor.decode_id(Cursor(None, 42).encode()) == Cursor(None, 42)
    for text in (None, "", "1_2", "-1", "2147483648", "\u0661", "1 ", "99999999999"):
        assert Cursor.decode_id(text) is None, text


def test_avatars_are_stable_and_differ_by_name():
    assert avatar_svg("alice") == avatar_svg("ALICE")
    assert avatar_svg("alice") != avatar_svg("bob")


def test_avatars_escape_the_initial():
    assert ">&lt;</text>" in avatar_svg("<b>")


@pytest.mark.parametrize(("name", "letters"), [("alice", "A"), ("bob_smith", "BS"), ("x.y-z", "XY"), ("_a", "A")])
def test_avatars_show_initials(name, letters):
    assert f">{letters}</text>" in avatar_svg(name)


@pytest.mark.parametrize(("target", "safe"), [("/messages?before=1_2", True), ("/", True), ("", False),
                                              ("//evil.example", False), ("https://evil.example/", False),
                                              ("/\\evil", False), ("javascript:x", False), ("/a\nb", False),
                                              ("//[", False), ("http://[::1", False), ("/[::1]", True)])
def test_safe_next(target, safe):
    assert (safe_next(target) == target) is safe
