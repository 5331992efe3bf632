"""The domain: users, their signed-in sessions, their posts and the private messages between them."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import ClassVar

from flask import abort, current_app
from flask_login import UserMixin
from sqlalchemy import (DateTime, ForeignKey, Index, Select, String, UniqueConstraint, delete, func, or_, select,
                        update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, WriteOnlyMapped, joinedload, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator

from .extensions import db
from .signals import message_sent

# The limits of the domain, defined once: the columns, the forms and the templates read them.
# What a username may be: the forms enforce it, and lookups skip anything else.
USERNAME_MIN_LENGTH, USERNAME_MAX_LENGTH = 3, 32
USERNAME_CHARACTERS = "A-Za-z0-9_.-"
USERNAME_PATTERN = re.compile(f"[{USERNAME_CHARACTERS}]{{{USERNAME_MIN_LENGTH},{USERNAME_MAX_LENGTH}}}")
EMAIL_MAX_LENGTH = 254
PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH = 8, 256
# A post or a message: 1 to 140 characters once trimmed.
BODY_MAX_LENGTH = 140
ABOUT_ME_MAX_LENGTH = 280
USER_AGENT_MAX_LENGTH = 256


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (called per row, never once at import)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always aware and in UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store UTC; SQLite has no time zones, so it gets the naive UTC value."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is required")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Hand back an aware UTC datetime from either database."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class User(UserMixin, db.Model):
    """A registered person: their account, their profile and their read marker."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    about_me: Mapped[str] = mapped_column(String(ABOUT_ME_MAX_LENGTH), default="")
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Messages received after this moment are unread; None means nothing was ever read.
    last_message_read_time: Mapped[datetime | None] = mapped_column(UTCDateTime)

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

    def sessions(self) -> list[UserSession]:
        """Where this user is signed in, the most recently used first."""
        return list(db.session.scalars(
            select(UserSession).where(UserSession.user_id == self.id)
            .order_by(UserSession.last_used_at.desc(), UserSession.id.desc())
        ))

    def end_session(self, session_id: int) -> bool:
        """Sign out one of this user's sessions; False if no such session of theirs exists."""
        ended = db.session.execute(
            delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == self.id)
        ).rowcount
        db.session.commit()
        return bool(ended)

    def end_other_sessions(self) -> int:
        """Sign out every session of this user but the current one; returns how many ended."""
        ended = db.session.execute(self._other_sessions()).rowcount
        db.session.commit()
        return ended

    def change_password(self, password_hash: str) -> None:
        """Store a new password hash and end every other session, in one transaction."""
        self.password_hash = password_hash
        db.session.execute(self._other_sessions())
        db.session.commit()

    def _other_sessions(self):
        """The DELETE of every session of this user but the current one."""
        stmt = delete(UserSession).where(UserSession.user_id == self.id)
        if self.current_session is not None:
            stmt = stmt.where(UserSession.id != self.current_session.id)
        return stmt

    @classmethod
    def named(cls, username: str):
        """The condition "is called `username`", without regard to case (the lower(username) index);
        None for a name no user can have, so callers skip the query (and PostgreSQL never sees a NUL)."""
        if not USERNAME_PATTERN.fullmatch(username):
            return None
        return func.lower(cls.username) == username.lower()

    @classmethod
    def by_username(cls, username: str) -> User | None:
        """Find a user by name without regard to case."""
        condition = cls.named(username)
        return None if condition is None else db.session.scalar(select(cls).where(condition))

    @classmethod
    def by_username_or_404(cls, username: str) -> User:
        """The user with this name (any case), or a 404 page."""
        user = cls.by_username(username)
        if user is None:
            abort(404)
        return user

    @classmethod
    def by_email(cls, email: str) -> User | None:
        """Find a user by e-mail address, which is stored lowercased."""
        return db.session.scalar(select(cls).where(cls.email == email.strip().lower()))

    def update_profile(self, username: str, about_me: str) -> None:
        """Change the name and 'about me' (the caller commits, to report a name taken meanwhile)."""
        self.username = username
        self.about_me = about_me

    def unread_message_count(self, cap: int | None = None) -> int:
        """Messages received since the last read, counted up to `cap` (the configured
        UNREAD_COUNT_CAP by default) so the cost stays bounded."""
        cap = cap or current_app.config["UNREAD_COUNT_CAP"]
        return db.session.scalar(select(func.count()).select_from(self.unread_messages_query(cap).subquery()))

    def unread_messages_query(self, limit: int):
        """At most `limit` unread message ids, read along the (recipient_id, timestamp) index."""
        stmt = select(Message.id).where(Message.recipient_id == self.id)
        if self.last_message_read_time is not None:
            stmt = stmt.where(Message.timestamp > self.last_message_read_time)
        # The ORDER BY follows the index, so PostgreSQL walks it and stops at the limit; without
        # it the planner may scan the whole table (measured by bench/run.py on 200k messages).
        return stmt.order_by(Message.timestamp).limit(limit)

    def mark_messages_read_up_to(self, moment: datetime) -> None:
        """Move the read marker forward to `moment`, never back, even against another tab."""
        if self.last_message_read_time is not None and moment <= self.last_message_read_time:
            return
        # The condition is in the UPDATE itself: two inboxes opened at once cannot move it back.
        db.session.execute(
            update(User)
            .where(User.id == self.id)
            .where(or_(User.last_message_read_time.is_(None), User.last_message_read_time < moment))
            .values(last_message_read_time=moment)
        )
        db.session.commit()
        set_committed_value(self, "last_message_read_time", moment)

    @classmethod
    def card_by_username(cls, username: str) -> tuple[User, int] | None:
        """A user and their number of posts, in one query (for the popover card)."""
        condition = cls.named(username)
        if condition is None:
            return None
        post_count = select(func.count(Post.id)).where(Post.user_id == cls.id).scalar_subquery()
        row = db.session.execute(select(cls, post_count).where(condition)).first()
        return (row[0], row[1]) if row else None


# Usernames are unique without regard to case: "Alice" and "alice" are one account.
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class Post(db.Model):
    """A short public note on the timeline."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_timestamp_id", "timestamp", "id"),
        Index("ix_posts_user_id_timestamp_id", "user_id", "timestamp", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(BODY_MAX_LENGTH))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    author: Mapped[User] = relationship(back_populates="posts")

    def __repr__(self) -> str:
        return f"<Post {self.id} by {self.user_id}>"

    @classmethod
    def timeline(cls) -> Select:
        """Everyone's posts, with their authors loaded in the same query (paginate orders them)."""
        return select(cls).options(joinedload(cls.author))

    @classmethod
    def by_author(cls, user: User) -> Select:
        """One user's posts; their author is `user`, already loaded, so reading it costs no query."""
        return select(cls).where(cls.user_id == user.id)

    @classmethod
    def publish(cls, author: User, body: str) -> Post:
        """Store a new post by `author`."""
        post = cls(author=author, body=body)
        db.session.add(post)
        db.session.commit()
        return post


class Message(db.Model):
    """A private message from one user to another."""

    __tablename__ = "messages"
    __table_args__ = (
        # "My inbox, newest first" and "my unread count" are both seeks on this index.
        Index("ix_messages_recipient_id_timestamp_id", "recipient_id", "timestamp", "id"),
        Index("ix_messages_sender_id_timestamp_id", "sender_id", "timestamp", "id"),
        # A form is sent once: its submission token makes a double submit a no-op.
        UniqueConstraint("sender_id", "submission_token", name="uq_messages_sender_id_submission_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(String(BODY_MAX_LENGTH))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submission_token: Mapped[str | None] = mapped_column(String(64))

    sender: Mapped[User] = relationship(foreign_keys=[sender_id])
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])

    def __repr__(self) -> str:
        return f"<Message {self.id} from {self.sender_id} to {self.recipient_id}>"

    @classmethod
    def received_by(cls, user: User) -> Select:
        """The messages `user` received, with their senders loaded in the same query."""
        return select(cls).where(cls.recipient_id == user.id).options(joinedload(cls.sender))

    @classmethod
    def sent_by(cls, user: User) -> Select:
        """The messages `user` sent, with their recipients loaded in the same query."""
        return select(cls).where(cls.sender_id == user.id).options(joinedload(cls.recipient))

    @classmethod
    def sent_with_token(cls, sender: User, token: str) -> Message | None:
        """The message `sender` already sent from the form that carried this token, if any."""
        return db.session.scalar(select(cls).where(cls.sender_id == sender.id, cls.submission_token == token))

    @classmethod
    def send_once(cls, sender: User, recipient: User, body: str, token: str | None) -> Message | None:
        """Store a message once: the same form sent twice with the same text is one message.
        Returns the stored message (or its twin), None when the recipient no longer exists."""
        if token:
            earlier = cls.sent_with_token(sender, token)
            if earlier is not None:
                if earlier.body == body:
                    return earlier
                token = None  # an old form brought back (say by Back) with new text: a new message
        message = cls(sender=sender, recipient=recipient, body=body, submission_token=token)
        db.session.add(message)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            # Either the twin submission won the race and stored this very message, or the
            # recipient's account was deleted meanwhile and nothing was sent.
            return cls.sent_with_token(sender, token) if token else None
        message_sent.send(current_app._get_current_object(), message=message)
        return message

    def other_party(self, user: User) -> User:
        """The person on the other side of this message from `user`."""
        return self.recipient if self.sender_id == user.id else self.sender

    def is_new_for(self, user: User, read_before: datetime | None) -> bool:
        """Whether `user` received this message after their read marker stood at `read_before`."""
        return self.recipient_id == user.id and (read_before is None or self.timestamp > read_before)


SESSION_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def token_digest(token: str) -> str:
    """What the database keeps of a session identifier: its SHA-256, so a leaked table signs nobody in."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class UserSession(db.Model):
    """One signed-in browser (device): its cookies carry a random identifier whose digest is here.
    Deleting the row ends the session and its remember-me cookie, wherever they were copied."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        Index("ix_user_sessions_user_id_last_used_at", "user_id", "last_used_at"),
        Index("ix_user_sessions_last_used_at", "last_used_at"),
        Index("ix_user_sessions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_MAX_LENGTH), default="")

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of {self.user_id}>"

    @classmethod
    def start(cls, user: User, user_agent: str) -> str:
        """Open a new session for `user` (a fresh identifier at every login: no fixation), purge
        expired ones on the way, and return the identifier for the cookies."""
        cls.purge_expired()
        token = secrets.token_urlsafe(32)
        record = cls(user_id=user.id, token_hash=token_digest(token), user_agent=user_agent[:USER_AGENT_MAX_LENGTH])
        db.session.add(record)
        db.session.commit()
        user.session_token, user.current_session = token, record
        return token

    @classmethod
    def user_for(cls, token: str) -> User | None:
        """The user of a live session, with the session attached, in one query; None when the
        identifier is malformed, unknown, ended, idle too long or past its lifetime."""
        if not SESSION_TOKEN_PATTERN.fullmatch(token):
            return None
        idle_since, born_after = cls.expiry_bounds()
        row = db.session.execute(
            select(User, cls).join(cls, cls.user_id == User.id)
            .where(cls.token_hash == token_digest(token), cls.last_used_at > idle_since, cls.created_at > born_after)
        ).first()
        if row is None:
            return None
        user, record = row
        user.session_token, user.current_session = token, record
        return user

    @classmethod
    def expiry_bounds(cls) -> tuple[datetime, datetime]:
        """A session is live when used after the first moment and created after the second."""
        config, now = current_app.config, utcnow()
        return (now - timedelta(seconds=config["SESSION_IDLE_TIMEOUT_SECONDS"]),
                now - timedelta(seconds=config["SESSION_LIFETIME_SECONDS"]))

    @classmethod
    def purge_expired(cls) -> None:
        """Delete the records of every expired session (run at login: no cron job needed)."""
        idle_since, born_after = cls.expiry_bounds()
        db.session.execute(delete(cls).where(or_(cls.last_used_at <= idle_since, cls.created_at <= born_after)))

    def end(self) -> None:
        """Sign this session out on the server."""
        db.session.execute(delete(UserSession).where(UserSession.id == self.id))
        db.session.commit()

    @property
    def browser(self) -> str:
        """A short human name for the browser and system, e.g. "Chrome on Linux"."""
        return describe_user_agent(self.user_agent)


BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
            ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl")]
SYSTEMS = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def describe_user_agent(user_agent: str) -> str:
    """"Firefox on Windows", "Safari on iPhone"... or "Unknown browser"."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"
