"""Posts: short public notes, and the lists they appear in."""
from __future__ import annotations

from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, Text, bindparam, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..pagination import Keyset, Listing
from ..signals import mentioned, post_published
from .common import BODY_MAX_LENGTH, UTCDateTime, utcnow
from .users import User


class Post(db.Model):
    """A short public note on the timeline."""

    __tablename__ = "posts"
    __table_args__ = (
        # Everyone's posts, newest first; with the author, so the home timeline's walk along it
        # (follows.home_keyset) reads the index alone until it finds the posts it keeps.
        Index("ix_posts_timestamp_id_user_id", "timestamp", "id", "user_id"),
        Index("ix_posts_user_id_timestamp_id", "user_id", "timestamp", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(BODY_MAX_LENGTH))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Kept by Comment.add in the comment's transaction: a row shows it without counting.
    comment_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # The @names that were people when it was stored, lowercased, space-separated (mentions.py).
    mentions: Mapped[str | None] = mapped_column(Text)

    author: Mapped[User] = relationship(back_populates="posts")

    def __repr__(self) -> str:
        return f"<Post {self.id} by {self.user_id}>"

    @property
    def author_name(self) -> str:
        """The author's username (a listed post's row has it as a column of the same name)."""
        return self.author.username

    @classmethod
    def timeline(cls) -> Listing:
        """Everyone's posts, as rows with their author's name (timeline_keyset)."""
        return Listing(timeline_keyset(), {})

    @classmethod
    def row(cls, post_id: int):
        """One post as a list's row (with its author's name), or None."""
        return db.session.execute(post_row(), {"post_id": post_id}).first()

    @classmethod
    def by_author(cls, user: User) -> Listing:
        """One user's posts, as rows (author_keyset)."""
        return Listing(author_keyset(), {"user_id": user.id})

    @classmethod
    def publish(cls, author: User, body: str, timestamp: datetime | None = None) -> Post:
        """Store a new post by `author` (now, or at `timestamp` for demo data) and count it on
        the author, in one transaction with what subscribers add (notifications of mentions)."""
        db.session.add(author)
        db.session.flush()  # an author not saved yet (demo data) gets its id: the count needs it
        names, mentioned_ids = User.mentioned_in(body, author)
        post = cls(author=author, body=body, timestamp=timestamp or utcnow(), mentions=names)
        db.session.add(post)
        db.session.flush()
        # In SQL (post_count + 1): two posts published at once both count.
        db.session.execute(update(User).where(User.id == post.user_id).values(post_count=User.post_count + 1))
        app = current_app._get_current_object()
        post_published.send(app, post=post)
        if mentioned_ids:
            mentioned.send(app, author=author, mentioned_ids=mentioned_ids, post=post)
        db.session.commit()
        return post

    @classmethod
    def recount(cls, user_ids: list[int] | None = None) -> int:
        """Set the stored post count of these users (None: everyone) to their number of posts, for
        posts that did not come through Post.publish (a bulk load, a fix by hand); returns how
        many counts were wrong."""
        counted = select(func.count(cls.id)).where(cls.user_id == User.id).scalar_subquery()
        wrong = update(User).where(User.post_count != counted).values(post_count=counted)
        if user_ids is not None:
            wrong = wrong.where(User.id.in_(user_ids))
        fixed = db.session.execute(wrong.execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        return fixed


# The lists, as rows of the columns their pages show (see pagination.Keyset).

@cache
def timeline_keyset() -> Keyset:
    """Everyone's posts with their author's name."""
    return posts_keyset(None)


@cache
def author_keyset() -> Keyset:
    """One user's posts (:user_id) with their author's name."""
    return posts_keyset(Post.__table__.c.user_id == bindparam("user_id"))


@cache
def post_row():
    """One post (:post_id) as a list's row."""
    return posts_keyset(Post.__table__.c.id == bindparam("post_id")).select


def posts_keyset(condition) -> Keyset:
    """Posts with their author's name, where `condition` holds (None: all of them)."""
    posts, users = Post.__table__.c, User.__table__.c
    stmt = (select(posts.id, posts.body, posts.timestamp, posts.user_id, posts.comment_count, posts.mentions,
                   users.username.label("author_name"))
            .join_from(Post.__table__, User.__table__, users.id == posts.user_id))
    if condition is not None:
        stmt = stmt.where(condition)
    return Keyset(stmt, posts.timestamp, posts.id)
