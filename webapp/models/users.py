"""People: their accounts and profiles, and finding them by name."""
from __future__ import annotations

import re
import secrets
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from flask import abort
from flask_login import UserMixin
from sqlalchemy import Index, Integer, String, bindparam, func, select
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from ..extensions import db
from ..mentions import mentioned_names
from .common import (
    ABOUT_ME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    USERNAME_CHARACTERS,
    USERNAME_MAX_LENGTH,
    USERNAME_PATTERN,
    UTCDateTime,
    bytewise,
    utcnow,
)

# Where the placeholder address of a person who has not confirmed one lives.
UNCONFIRMED_DOMAIN = "unconfirmed.invalid"
# The name a deleted account's row keeps (for the other side of its conversations): a name no one
# may take (forms.username_field refuses it).
TOMBSTONE_NAME = re.compile(r"deleted-\d+")

if TYPE_CHECKING:
    from .posts import Post
    from .sessions import UserSession


class User(UserMixin, db.Model):
    """A registered person: their account and their profile."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    # The address the person confirmed, or until they do a placeholder no mail reaches (the one
    # they gave waits in an AccountToken). Addresses from before confirmation existed are kept.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    about_me: Mapped[str] = mapped_column(String(ABOUT_ME_MAX_LENGTH), default="")
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Kept by Post.publish and Follow.start/stop in the event's own transaction: a card reads one
    # row, however many posts and follows its person has, instead of counting them.
    post_count: Mapped[int] = mapped_column(default=0, server_default="0")
    follower_count: Mapped[int] = mapped_column(default=0, server_default="0")
    following_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # What this person wants to be told of (notifications.KINDS): off means not stored at all.
    notify_followed: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    notify_commented: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    notify_mentioned: Mapped[bool] = mapped_column(default=True, server_default=sa_true())

    posts: WriteOnlyMapped[Post] = relationship(back_populates="author", passive_deletes=True)

    # Set when a request's session is loaded (UserSession.user_for) or started at login: the
    # cookie's identifier and its record. Flask-Login stores get_id() in both cookies.
    session_token: ClassVar[str | None] = None
    current_session: ClassVar[UserSession | None] = None

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    def get_id(self) -> str:
        """What the session and remember cookies carry: this session's random identifier, never
        the user's id, so ending the session on the server ends both cookies."""
        if not self.session_token:
            raise RuntimeError("sign in through UserSession.start: a user has no id of its own to put in a cookie")
        return self.session_token

    @staticmethod
    def name_key(username: str) -> str | None:
        """What a lookup by name compares with lower(username) (its index): the name lower-cased;
        None for a name no user can have: callers skip the query, or let it match no one (and
        PostgreSQL never sees a NUL)."""
        return username.lower() if USERNAME_PATTERN.fullmatch(username) else None

    @classmethod
    def by_username(cls, username: str) -> User | None:
        """Find a user by name without regard to case."""
        key = cls.name_key(username)
        return None if key is None else db.session.scalar(user_named(), {"name": key})

    @classmethod
    def by_username_or_404(cls, username: str) -> User:
        """The user with this name (any case), or a 404 page (also for what stays of a deleted account)."""
        user = cls.by_username(username)
        if user is None or user.is_deleted:
            abort(404)
        return user

    @staticmethod
    def tombstone_name(user_id: int) -> str:
        """The name a deleted account's row keeps."""
        return f"deleted-{user_id}"

    @property
    def is_deleted(self) -> bool:
        """Whether this is what stays of a deleted account."""
        return is_tombstone_name(self.username)

    @staticmethod
    def unconfirmed_email() -> str:
        """A placeholder address, unique, under a domain reserved never to exist (RFC 2606), which
        the address field refuses: no one can give it, no lookup finds it, no mail reaches it."""
        return f"{secrets.token_hex(12)}@{UNCONFIRMED_DOMAIN}"

    @property
    def confirmed_email(self) -> str | None:
        """The address this person confirmed, if any."""
        return None if self.email.endswith("@" + UNCONFIRMED_DOMAIN) else self.email

    @classmethod
    def by_email(cls, email: str) -> User | None:
        """The user whose confirmed e-mail address this is (stored lowercased)."""
        return db.session.scalar(select(cls).where(cls.email == email.strip().lower()))

    @classmethod
    def mentioned_in(cls, text: str, author: User) -> tuple[str | None, list[int]]:
        """The @names in `text` that are people: as stored with the text for its links (lowercased,
        space-separated; None for none) and their ids but the author's (who is told). One query
        on the name index, none for a text without a mention."""
        names = mentioned_names(text)
        if not names:
            return None, []
        found = db.session.execute(select(cls.id, cls.username).where(name_key_of(cls.username).in_(names))).all()
        return (" ".join(sorted(row.username.lower() for row in found)) or None,
                [row.id for row in found if row.id != author.id])

    @classmethod
    def most_active(cls, limit: int, excluding: User) -> list:
        """Up to `limit` people with the most posts (a walk down the post-count index), as rows
        (id, username, about_me, post_count): whom a newcomer might follow."""
        return list(db.session.execute(most_active(), {"limit": limit, "viewer_id": excluding.id}))

    @classmethod
    def named_like(cls, text: str, limit: int, excluding: User) -> list:
        """Up to `limit` people whose name starts with `text` (any case), in name order, as rows
        (id, username, about_me), leaving out `excluding`; none when `text` is empty or holds
        what no name can (a seek on the name index, bounded whatever the query)."""
        prefix = text.strip().lower()[:USERNAME_MAX_LENGTH]
        if not prefix or not NAME_PREFIX_PATTERN.fullmatch(prefix):
            return []
        # Every name with the prefix sorts at or after it, and before it with its last byte raised.
        after_prefix = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        params = {"low": prefix, "high": after_prefix, "viewer_id": excluding.id, "limit": limit}
        return list(db.session.execute(people_named_like(), params))


# What a name typed into a search may be: the start of a name (names are lowercased to compare).
NAME_PREFIX_PATTERN = re.compile(f"[{USERNAME_CHARACTERS.lower()}]+")


def is_tombstone_name(username: str) -> bool:
    """Whether a name is that of a deleted account (or one reserved for them), in any case."""
    return TOMBSTONE_NAME.fullmatch(username.lower()) is not None


def name_key_of(username_column):
    """lower(username), bytewise: the key of the unique name index, of lookups and of prefix searches."""
    return bytewise(func.lower(username_column))


# Usernames are unique without regard to case: "Alice" and "alice" are one account.
Index("uq_users_username_lower", name_key_of(User.username), unique=True)
# The people with the most posts, for suggestions.
Index("ix_users_post_count_id", User.post_count, User.id)


def named(username_column):
    """The condition of a lookup by name: its key (the unique index) equals :name, a User.name_key."""
    return name_key_of(username_column) == bindparam("name")


@cache
def people_named_like():
    """Up to :limit users other than :viewer_id whose name key lies in [:low, :high), in name
    order: a range of the unique name index."""
    users = User.__table__.c
    key = name_key_of(users.username)
    return (select(users.id, users.username, users.about_me)
            .where(key >= bindparam("low"), key < bindparam("high"), users.id != bindparam("viewer_id"))
            .order_by(key).limit(bindparam("limit", type_=Integer)))


@cache
def user_named():
    """A user by name (:name, a User.name_key)."""
    return select(User).where(named(User.username))


@cache
def most_active():
    """Up to :limit users other than :viewer_id who posted, the most posts first."""
    users = User.__table__.c
    return (select(users.id, users.username, users.about_me, users.post_count)
            .where(users.post_count > 0, users.id != bindparam("viewer_id"))
            .order_by(users.post_count.desc(), users.id.desc()).limit(bindparam("limit", type_=Integer)))
