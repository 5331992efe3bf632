"""Follows: who follows whom, the counts on both people, and the lists of followers and followed."""
from __future__ import annotations

from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import CheckConstraint, ForeignKey, Index, bindparam, case, delete, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from ..database import insert_ignoring_duplicates
from ..extensions import db
from ..pagination import Keyset, Listing
from ..signals import followed, unfollowed
from .common import UTCDateTime, utcnow
from .posts import Post, posts_keyset
from .users import User


class Follow(db.Model):
    """One person following another (never oneself): once per pair."""

    __tablename__ = "follows"
    __table_args__ = (
        CheckConstraint("follower_id <> followed_id", name="ck_follows_not_oneself"),
        # A person's followers, newest first (and the follower count's recount).
        Index("ix_follows_followed_id_created_at", "followed_id", "created_at", "follower_id"),
        # Whom a person follows, newest first.
        Index("ix_follows_follower_id_created_at", "follower_id", "created_at", "followed_id"),
    )

    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    followed_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Follow {self.follower_id} -> {self.followed_id}>"

    @classmethod
    def follower_ids(cls, user_id: int) -> list[int]:
        """The ids of everyone who follows `user_id` (a seek of the followers' index)."""
        return list(db.session.scalars(select(cls.follower_id).where(cls.followed_id == user_id)))

    @classmethod
    def start(cls, follower: User, followed_user: User) -> bool:
        """`follower` follows `followed_user`, counted on both, in one transaction; False when
        they did already (following twice is one follow, also when two requests race: the
        second INSERT meets the first's row and does nothing)."""
        added = db.session.execute(insert_ignoring_duplicates(cls).values(
            follower_id=follower.id, followed_id=followed_user.id, created_at=utcnow())
            .returning(cls.follower_id)).first() is not None
        if added:
            count_follow(follower, followed_user, +1)
            followed.send(current_app._get_current_object(), follower=follower, followed=followed_user)
        db.session.commit()
        return bool(added)

    @classmethod
    def stop(cls, follower: User, followed_user: User) -> bool:
        """`follower` no longer follows `followed_user`, counted on both; False when they did not."""
        removed = db.session.execute(delete(cls).where(cls.follower_id == follower.id,
                                                       cls.followed_id == followed_user.id)).rowcount
        if removed:
            count_follow(follower, followed_user, -1)
            unfollowed.send(current_app._get_current_object(), follower=follower, followed=followed_user)
        db.session.commit()
        return bool(removed)

    @classmethod
    def exists(cls, follower: User, followed_user: User) -> bool:
        """Whether `follower` follows `followed_user` (a seek of the primary key)."""
        return db.session.get(cls, (follower.id, followed_user.id)) is not None

    @classmethod
    def home_of(cls, user: User) -> Listing:
        """The posts of `user` and of the people they follow, newest first, as rows (home_keyset)."""
        return Listing(home_keyset(), {"user_id": user.id})

    @classmethod
    def followers_of(cls, user: User) -> Listing:
        """The people who follow `user`, the latest follow first, as rows (followers_keyset)."""
        return Listing(followers_keyset(), {"user_id": user.id})

    @classmethod
    def followed_by(cls, user: User) -> Listing:
        """The people `user` follows, the latest follow first, as rows (following_keyset)."""
        return Listing(following_keyset(), {"user_id": user.id})

    @classmethod
    def recount(cls) -> int:
        """Set everyone's stored follower and following counts to what the follows say; returns
        how many counts were wrong."""
        fixed = 0
        for column, side in ((User.follower_count, cls.followed_id), (User.following_count, cls.follower_id)):
            counted = select(func.count()).select_from(cls).where(side == User.id).scalar_subquery()
            fixed += db.session.execute(update(User).where(column != counted).values({column: counted})
                                        .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        return fixed


def count_follow(follower: User, followed_user: User, step: int) -> None:
    """Add `step` to the follower's following count and the followed's follower count, in SQL (two
    follows at once both count), one UPDATE of both rows; the loaded users get the new counts."""
    rows = db.session.execute(
        update(User).where(User.id.in_([follower.id, followed_user.id]))
        .values(follower_count=User.follower_count + case((User.id == followed_user.id, step), else_=0),
                following_count=User.following_count + case((User.id == follower.id, step), else_=0))
        .returning(User.id, User.follower_count, User.following_count)
        .execution_options(synchronize_session=False)).all()
    for user in (follower, followed_user):
        row = next(row for row in rows if row.id == user.id)
        set_committed_value(user, "follower_count", row.follower_count)
        set_committed_value(user, "following_count", row.following_count)


@cache
def followers_keyset() -> Keyset:
    """The followers of :user_id with their name and about me; `timestamp` is when they followed."""
    return people_keyset(Follow.__table__.c.followed_id, Follow.__table__.c.follower_id)


@cache
def following_keyset() -> Keyset:
    """The people :user_id follows, with their name and about me; `timestamp` is when."""
    return people_keyset(Follow.__table__.c.follower_id, Follow.__table__.c.followed_id)


def people_keyset(whose, who) -> Keyset:
    """People (`who`) on the :user_id side (`whose`) of follows, latest follow first: a seek of the
    side's (…, created_at, other) index."""
    follows, users = Follow.__table__.c, User.__table__.c
    stmt = (select(who.label("id"), follows.created_at.label("timestamp"), users.username, users.about_me)
            .join_from(Follow.__table__, User.__table__, users.id == who)
            .where(whose == bindparam("user_id")))
    return Keyset(stmt, follows.created_at, who)


@cache
def home_keyset() -> Keyset:
    """The posts of :user_id and of the people they follow, with their author's name (home_of)."""
    return posts_keyset(home_of(bindparam("user_id")))


def home_of(user_id):
    """Whether a post is in the home timeline of `user_id` (a parameter or a column): the reader's
    own or by someone they follow. Posts are read newest first along their (timestamp, id,
    user_id) index, each kept by a seek of the follows' primary key, until a page is full (an
    IN over the people followed would read all their posts and sort them)."""
    return or_(Post.__table__.c.user_id == user_id, by_followed(user_id))


def by_followed(user_id):
    """Whether a post's author is someone `user_id` follows (a seek of the follows' primary key)."""
    posts, follows = Post.__table__.c, Follow.__table__.c
    return select(follows.followed_id).where(follows.follower_id == user_id, follows.followed_id == posts.user_id).exists()
