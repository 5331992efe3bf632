"""Links sent by e-mail that act on an account: choose a new password, confirm an address. A
random token in the link, its SHA-256 in the database, single use, short-lived
(ACCOUNT_TOKEN_SECONDS); a reset link is void once the password changes
(sessions.UserSession.change_password and reset_password)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, delete, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import EMAIL_MAX_LENGTH, TOKEN_PATTERN, UTCDateTime, new_token, token_digest, utcnow
from .users import User

RESET_PASSWORD = "reset-password"
CONFIRM_EMAIL = "confirm-email"


class AccountToken(db.Model):
    """One link sent to a person: what it may do (`purpose`) and when it was made."""

    __tablename__ = "account_tokens"
    __table_args__ = (Index("ix_account_tokens_user_id_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The address a confirmation link confirms.
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX_LENGTH))

    def __repr__(self) -> str:
        return f"<AccountToken {self.id} {self.purpose} of {self.user_id}>"

    @classmethod
    def issue(cls, user: User, purpose: str, email: str | None = None) -> str:
        """A new token for `user` (committed), which the caller puts in a link; only its digest is
        kept. A new confirmation link replaces the ones sent before (the latest address is the one
        waiting)."""
        token = new_token()
        if purpose == CONFIRM_EMAIL:
            db.session.execute(delete(cls).where(cls.user_id == user.id, cls.purpose == CONFIRM_EMAIL))
        db.session.add(cls(user_id=user.id, purpose=purpose, token_hash=token_digest(token), email=email))
        db.session.commit()
        return token

    @classmethod
    def issue_to_address(cls, address: str, purpose: str, token: str) -> int | None:
        """Store `token` (its digest; committed) for the account whose confirmed address is
        `address`, and return that account's id; None, with nothing stored, when no account uses
        it. One statement either way (a reset request's time must not tell them apart): what
        differs is only the row written, about a tenth of a reset's cost (bench/README.md)."""
        owner = select(User.id, literal(purpose), literal(token_digest(token)), literal(utcnow(), UTCDateTime)) \
            .where(User.email == address)
        stored = insert(cls).from_select(["user_id", "purpose", "token_hash", "created_at"], owner)
        owner_id = db.session.scalar(stored.returning(cls.user_id))
        db.session.commit()
        return owner_id

    @classmethod
    def live(cls, token, purpose: str) -> AccountToken | None:
        """The live token of `purpose` (its person loaded); None for a malformed, unknown, used or
        expired one (all alike)."""
        if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
            return None
        return db.session.scalar(cls._live().where(cls.token_hash == token_digest(token), cls.purpose == purpose))

    @classmethod
    def holder(cls, token, purpose: str) -> User | None:
        """The person a live token of `purpose` was issued to (see live)."""
        found = cls.live(token, purpose)
        return None if found is None else db.session.get(User, found.user_id)

    @classmethod
    def address_waiting(cls, user: User) -> str | None:
        """The address `user` gave last and has not confirmed yet (even once its link expired: a
        new one can be sent), if any."""
        return db.session.scalar(select(cls.email).where(cls.user_id == user.id, cls.purpose == CONFIRM_EMAIL)
                                 .order_by(cls.id.desc()).limit(1))

    @classmethod
    def _live(cls):
        """The tokens made within ACCOUNT_TOKEN_SECONDS."""
        oldest = utcnow() - timedelta(seconds=current_app.config["ACCOUNT_TOKEN_SECONDS"])
        return select(cls).where(cls.created_at > oldest)

    def confirm_email(self) -> bool:
        """Make this link's address its person's, and the link (with any other of theirs) used;
        False when the address became another account's meanwhile (nothing changes then)."""
        user = db.session.get(User, self.user_id)
        owner = User.by_email(self.email)
        if owner is not None and owner.id != user.id:
            return False
        user.email = self.email
        db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id,
                                                      AccountToken.purpose == CONFIRM_EMAIL))
        try:
            db.session.commit()
        except IntegrityError:  # confirmed by someone else at the same moment
            db.session.rollback()
            return False
        return True

    @classmethod
    def voided(cls, user: User):
        """The DELETE of every reset link of `user` (their password changed: what was sent is void)."""
        return delete(cls).where(cls.user_id == user.id, cls.purpose == RESET_PASSWORD)
