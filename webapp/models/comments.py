"""Comments on posts: oldest first under their post, counted on it."""
from __future__ import annotations

from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, Text, bindparam, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..pagination import Keyset, Listing
from ..signals import comment_stored, mentioned
from .common import BODY_MAX_LENGTH, UTCDateTime, utcnow
from .posts import Post
from .users import User


class Comment(db.Model):
    """A short reply to a post, shown under it."""

    __tablename__ = "comments"
    __table_args__ = (
        # A post's comments are keyset seeks on this index: in the order they were stored.
        Index("ix_comments_post_id_id", "post_id", "id"),
        Index("ix_comments_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(String(BODY_MAX_LENGTH))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The @names that were people when it was stored, lowercased, space-separated (mentions.py).
    mentions: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.post_id} by {self.user_id}>"

    @classmethod
    def add(cls, post_id: int, author: User, body: str) -> Comment | None:
        """Store `author`'s comment on a post and count it there, in one transaction with what
        subscribers add (notifications); None when the post is gone (nothing is stored)."""
        post_author_id = db.session.scalar(
            update(Post).where(Post.id == post_id).values(comment_count=Post.comment_count + 1)
            .returning(Post.user_id).execution_options(synchronize_session=False))
        if post_author_id is None:
            db.session.rollback()
            return None
        names, mentioned_ids = User.mentioned_in(body, author)
        comment = cls(post_id=post_id, user_id=author.id, body=body, timestamp=utcnow(), mentions=names)
        db.session.add(comment)
        db.session.flush()
        app = current_app._get_current_object()
        comment_stored.send(app, comment=comment, author=author, post_author_id=post_author_id)
        if mentioned_ids:
            mentioned.send(app, author=author, mentioned_ids=mentioned_ids, comment=comment,
                           post_author_id=post_author_id)
        db.session.commit()
        return comment

    @classmethod
    def under(cls, post_id: int) -> Listing:
        """A post's comments, as rows with their author's name (comments_keyset)."""
        return Listing(comments_keyset(), {"post_id": post_id})

    @classmethod
    def recount(cls) -> int:
        """Set every post's stored comment count to its number of comments; returns how many were wrong."""
        counted = select(func.count(cls.id)).where(cls.post_id == Post.id).scalar_subquery()
        fixed = db.session.execute(update(Post).where(Post.comment_count != counted).values(comment_count=counted)
                                   .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        return fixed


@cache
def comments_keyset() -> Keyset:
    """The comments of :post_id in the order they were stored, with their author's name."""
    comments, users = Comment.__table__.c, User.__table__.c
    stmt = (select(comments.id, comments.body, comments.timestamp, comments.user_id, comments.mentions,
                   users.username.label("author_name"))
            .join_from(Comment.__table__, User.__table__, users.id == comments.user_id)
            .where(comments.post_id == bindparam("post_id")))
    return Keyset(stmt, None, comments.id)
