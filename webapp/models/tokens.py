"""Links sent by e-mail that act on an account (choose a new password): a random token in the
link, its SHA-256 in the database, single use, short-lived (ACCOUNT_TOKEN_SECONDS), and void once
the password changes (sessions.UserSession.change_password and reset_password)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import TOKEN_PATTERN, UTCDateTime, new_token, token_digest, utcnow
from .users import User

RESET_PASSWORD = "reset-password"


class AccountToken(db.Model):
    """One link sent to a person: what it may do (`purpose`) and when it was made."""

    __tablename__ = "account_tokens"
    __table_args__ = (Index("ix_account_tokens_user_id_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<AccountToken {self.id} {self.purpose} of {self.user_id}>"

    @classmethod
    def issue(cls, user: User, purpose: str) -> str:
        """A new token for `user` (committed), which the caller puts in a link; only its digest is kept."""
        token = new_token()
        db.session.add(cls(user_id=user.id, purpose=purpose, token_hash=token_digest(token)))
        db.session.commit()
        return token

    @classmethod
    def holder(cls, token, purpose: str) -> User | None:
        """The person a live token of `purpose` was issued to; None for a malformed, unknown, used
        or expired one (all alike)."""
        if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
            return None
        oldest = utcnow() - timedelta(seconds=current_app.config["ACCOUNT_TOKEN_SECONDS"])
        return db.session.scalar(
            select(User).join(cls, cls.user_id == User.id)
            .where(cls.token_hash == token_digest(token), cls.purpose == purpose, cls.created_at > oldest))

    @classmethod
    def voided(cls, user: User):
        """The DELETE of every reset link of `user` (their password changed: what was sent is void)."""
        return delete(cls).where(cls.user_id == user.id, cls.purpose == RESET_PASSWORD)
