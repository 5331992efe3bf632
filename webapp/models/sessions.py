"""Signed-in sessions that live on the server, and the statements that read a live session
together with what a poll or a card shows."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import ForeignKey, Index, Integer, String, bindparam, delete, func, or_, select, tuple_
from sqlalchemy.engine import Row
from sqlalchemy.orm import Mapped, mapped_column

from ..database import read_connection
from ..extensions import db
from ..signals import sessions_ended
from .common import TOKEN_PATTERN, USER_AGENT_MAX_LENGTH, UTCDateTime, new_token, token_digest, utcnow
from .common import keep_counts, kept_counts
from .conversations import unread_count_cap, unread_sum
from .follows import Follow, by_followed
from .posts import Post
from .tokens import AccountToken
from .notifications import notification_sum
from .users import User, named


# A session identifier is a token of the common shape.
SESSION_TOKEN_PATTERN = TOKEN_PATTERN


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
        token = new_token()
        record = cls(user_id=user.id, token_hash=token_digest(token), user_agent=user_agent[:USER_AGENT_MAX_LENGTH])
        db.session.add(record)
        db.session.commit()
        user.session_token, user.current_session = token, record
        return token

    @classmethod
    def list_for(cls, user: User) -> list[UserSession]:
        """Where `user` is signed in, the most recently used first."""
        return list(db.session.scalars(
            select(cls).where(cls.user_id == user.id).order_by(cls.last_used_at.desc(), cls.id.desc())))

    @classmethod
    def end_for(cls, user: User, session_id: int) -> bool:
        """Sign out one of `user`'s sessions; False if no such session of theirs exists."""
        ended = db.session.execute(delete(cls).where(cls.id == session_id, cls.user_id == user.id)).rowcount
        db.session.commit()
        sessions_ended.send(current_app._get_current_object(), user_id=user.id)
        return bool(ended)

    @classmethod
    def end_others(cls, user: User) -> int:
        """Sign out every session of `user` but the current one; returns how many ended."""
        ended = db.session.execute(cls._others_of(user)).rowcount
        db.session.commit()
        sessions_ended.send(current_app._get_current_object(), user_id=user.id)
        return ended

    @classmethod
    def change_password(cls, user: User, password_hash: str) -> None:
        """Store `user`'s new password hash, end every other session of theirs and void the reset
        links sent to them, in one transaction."""
        user.password_hash = password_hash
        db.session.execute(cls._others_of(user))
        db.session.execute(AccountToken.voided(user))
        db.session.commit()
        sessions_ended.send(current_app._get_current_object(), user_id=user.id)

    @classmethod
    def reset_password(cls, user: User, password_hash: str) -> None:
        """Set `user`'s new password through a reset link: every session of theirs ends (the
        browser that used the link then signs in anew) and every reset link of theirs dies, in one
        transaction."""
        user.password_hash = password_hash
        db.session.execute(delete(cls).where(cls.user_id == user.id))
        db.session.execute(AccountToken.voided(user))
        db.session.commit()
        sessions_ended.send(current_app._get_current_object(), user_id=user.id)

    @classmethod
    def _others_of(cls, user: User):
        """The DELETE of every session of `user` but the current one."""
        stmt = delete(cls).where(cls.user_id == user.id)
        if user.current_session is not None:
            stmt = stmt.where(cls.id != user.current_session.id)
        return stmt

    @classmethod
    def user_for(cls, token: str) -> User | None:
        """The user of a live session, with the session attached and their unread count kept for
        the navbar (see common.KEPT_COUNTS), in one query; None when the identifier is malformed,
        unknown, ended, idle too long or past its lifetime."""
        if not SESSION_TOKEN_PATTERN.fullmatch(token):
            return None
        cap = unread_count_cap()
        row = db.session.execute(live_session_user(), {**cls.live_session_params(token), "cap": cap}).first()
        if row is None:
            return None
        user, record, unread, notifications = row
        user.session_token, user.current_session = token, record
        keep_counts(user.id, messages=min(cap, unread), notifications=min(cap, notifications))
        return user

    @classmethod
    def live_row(cls, token: str, statement, params: dict) -> Row | None:
        """The row of a statement about a live session (the same rules as user_for: see
        about_live_session) with `params`; one query on the read connection and no ORM object,
        for the polls and cards. None when the session is not live."""
        if not SESSION_TOKEN_PATTERN.fullmatch(token):
            return None
        return read_connection().execute(statement, {**cls.live_session_params(token), **params}).first()

    @classmethod
    def live_session_params(cls, token: str) -> dict:
        """The parameters of the live-session lookups: the identifier's digest and the expiry bounds."""
        idle_since, born_after = cls.expiry_bounds()
        return {"digest": token_digest(token), "idle_since": idle_since, "born_after": born_after}

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
        sessions_ended.send(current_app._get_current_object(), user_id=self.user_id)

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


# The statements of the hottest paths, built once: SQLAlchemy then reuses their compiled form
# without rebuilding the expression and its cache key on each request (a third of a poll's time).

@cache
def live_session_user():
    """A live session's user, record, unread messages and notifications (see unread_sum,
    notification_sum), by the digest of its identifier and the expiry bounds."""
    user_id = User.__table__.c.id
    return (select(User, UserSession, unread_sum(user_id), notification_sum(user_id))
            .join(UserSession, UserSession.user_id == User.id).where(*live_session()))


def live_session(columns=UserSession) -> tuple:
    """What makes a session live: its identifier's digest, used lately enough, not too old."""
    return (columns.token_hash == bindparam("digest"), columns.last_used_at > bindparam("idle_since"),
            columns.created_at > bindparam("born_after"))


def about_live_session(*columns, outer_join=None):
    """One row about a live session (UserSession.live_row): its user's id as viewer_id, then
    `columns`, scalar subqueries on that id or columns of `outer_join` (a table and its condition).
    Checking the session and reading what the answer shows is then a single statement."""
    sessions = UserSession.__table__.c
    stmt = select(sessions.user_id.label("viewer_id"), *columns).select_from(UserSession.__table__)
    if outer_join is not None:
        stmt = stmt.outerjoin(*outer_join)
    return stmt.where(*live_session(sessions))


@cache
def viewer_unread():
    """The navbar poll's statement: a live session's user, their unread messages (unread) and
    unread notifications (notifications)."""
    viewer = UserSession.__table__.c.user_id
    return about_live_session(unread_sum(viewer).label("unread"), notification_sum(viewer).label("notifications"))


@cache
def viewer_and_card():
    """The popover's statement: a live session's user and the card of the user named :name (a
    User.name_key; the lower(username) index), one row of each, with whether the viewer follows
    them (`following`, a seek of the follows' primary key). The card's columns are None when no
    one has that name."""
    users, sessions, follows = User.__table__.c, UserSession.__table__.c, Follow.__table__.c
    following = (select(follows.follower_id)
                 .where(follows.follower_id == sessions.user_id, follows.followed_id == users.id).exists())
    return about_live_session(users.id, users.username, users.about_me, users.last_seen, users.post_count,
                              users.follower_count, users.following_count, following.label("following"),
                              outer_join=(User.__table__, named(users.username)))


def navbar_counts(user: User) -> dict:
    """The navbar's unread messages and notifications of `user` (messages=, notifications=),
    capped: those kept when their session was loaded, else (a write of the request made them
    stale) both counted again in one statement, and kept."""
    kept = kept_counts(user.id)
    if kept is None:
        cap = unread_count_cap()
        messages, notifications = db.session.execute(both_counts(), {"user_id": user.id, "cap": cap}).one()
        kept = keep_counts(user.id, messages=min(cap, messages), notifications=min(cap, notifications))
    return kept


@cache
def both_counts():
    """A user's (:user_id) unread messages and notifications (unread_sum, notification_sum)."""
    user_id = bindparam("user_id")
    return select(unread_sum(user_id), notification_sum(user_id))


@cache
def viewer_new_posts():
    """The home timeline's poll: a live session's user and how many posts by people they follow
    are newer than the cursor (:cursor_timestamp, :cursor_id), up to :cap (new). Their own are
    not news: the form that posts one shows it."""
    posts, viewer = Post.__table__.c, UserSession.__table__.c.user_id
    cursor = tuple_(bindparam("cursor_timestamp", type_=posts.timestamp.type), bindparam("cursor_id", type_=Integer))
    newer = (select(posts.id).where(by_followed(viewer), tuple_(posts.timestamp, posts.id) > cursor)
             .limit(bindparam("cap", type_=Integer)).correlate_except(Post.__table__, Follow.__table__).subquery())
    return about_live_session(select(func.count()).select_from(newer).scalar_subquery().label("new"))
