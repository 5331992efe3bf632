"""Notifications: what someone did that concerns a person (followed them, commented on their post,
mentioned them), stored in the transaction of the event, and gathered into groups that a page
shows as one line ("ana, ben and 3 others followed you")."""
from __future__ import annotations

from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, bindparam, case, delete, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, aliased, mapped_column

from ..extensions import db
from ..pagination import Keyset, Listing
from ..signals import notifications_changed, read_moved
from .comments import Comment
from .common import UTCDateTime, capped_sum, utcnow
from .posts import Post
from .users import User

# The kinds, each with the switch on users that lets a person turn it off (off: not stored).
FOLLOWED, COMMENTED, MENTIONED = "followed", "commented", "mentioned"
KINDS = (FOLLOWED, COMMENTED, MENTIONED)


class Notification(db.Model):
    """One event told to one person; never to the one who did it, never twice for one event."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "event_key", name="uq_notifications_recipient_id_event_key"),
        # A group's notifications (to recount it when one goes), newest last.
        Index("ix_notifications_recipient_id_group_key_id", "recipient_id", "group_key", "id"),
        Index("ix_notifications_actor_id", "actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    # The event, once per recipient ("followed:12", "commented:345"), and the group it joins.
    event_key: Mapped[str] = mapped_column(String(64))
    group_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to {self.recipient_id}>"

    @classmethod
    def record(cls, recipient_ids: list[int], kind: str, actor: User, post_id: int | None = None,
               comment_id: int | None = None) -> int:
        """Tell each of `recipient_ids` (never the actor, nor one who turned the kind off) of an
        event, in the caller's transaction, and put each notification in its group; returns how
        many were stored. Once per event and recipient: a second time stores nothing."""
        now, stored = utcnow(), []
        event_key, group_key = event_and_group_keys(kind, actor.id, post_id, comment_id, now)
        for recipient_id in recipient_ids:
            if recipient_id == actor.id:
                continue
            new_id = db.session.execute(store_notification(kind, dialect_name()), {
                "recipient_id": recipient_id, "kind": kind, "actor_id": actor.id, "post_id": post_id,
                "comment_id": comment_id, "event_key": event_key, "group_key": group_key, "created_at": now,
            }).scalar()
            if new_id is not None:
                NotificationGroup.add(recipient_id, kind, group_key, new_id, actor.id, post_id, comment_id, now)
                stored.append(recipient_id)
        if stored:
            notifications_changed.send(current_app._get_current_object(), recipient_ids=stored)
        return len(stored)

    @classmethod
    def withdraw(cls, recipient_id: int, kind: str, actor_id: int) -> None:
        """Take back the notification of an event that was undone (an unfollow), and recount its group."""
        gone = db.session.execute(delete(cls).where(
            cls.recipient_id == recipient_id, cls.event_key == f"{kind}:{actor_id}").returning(cls.group_key)).scalar()
        if gone is not None:
            NotificationGroup.refresh(recipient_id, gone)
            notifications_changed.send(current_app._get_current_object(), recipient_ids=[recipient_id])


def event_and_group_keys(kind: str, actor_id: int, post_id: int | None, comment_id: int | None,
                         now: datetime) -> tuple[str, str]:
    """What makes an event one (a follow by someone; a comment; a mention in one post or comment)
    and the group it is shown in: the follows of a day, the comments on one post in a day, each
    mention on its own."""
    day = now.date().isoformat()
    if kind == FOLLOWED:
        return f"{FOLLOWED}:{actor_id}", f"{FOLLOWED}:{day}"
    if kind == COMMENTED:
        return f"{COMMENTED}:{comment_id}", f"{COMMENTED}:{post_id}:{day}"
    source = f"comment:{comment_id}" if comment_id else f"post:{post_id}"
    return f"{MENTIONED}:{source}", f"{MENTIONED}:{source}"


class NotificationGroup(db.Model):
    """What a page shows as one line: a person's notifications of one kind about one thing in one
    window, with their count, how many are unread, and the last two people who acted. Read like
    a conversation: shown on a page, what it held then counts as read."""

    __tablename__ = "notification_groups"
    __table_args__ = (
        UniqueConstraint("recipient_id", "group_key", name="uq_notification_groups_recipient_id_group_key"),
        # The list: a person's groups, the latest first, a keyset seek.
        Index("ix_notification_groups_recipient_id_latest_at_id", "recipient_id", "latest_at", "id"),
        # The bell: a person's groups with anything unread, at most the cap of them.
        Index("ix_notification_groups_recipient_id_unread_count", "recipient_id", "unread_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    group_key: Mapped[str] = mapped_column(String(64))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    latest_at: Mapped[datetime] = mapped_column(UTCDateTime)
    latest_notification_id: Mapped[int]
    # The newest notification shown to the person (a page showed the group): those after it are unread.
    read_through_id: Mapped[int] = mapped_column(default=0)
    latest_actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    previous_actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    count: Mapped[int] = mapped_column(default=1)
    unread_count: Mapped[int] = mapped_column(default=1)

    def __repr__(self) -> str:
        return f"<NotificationGroup {self.group_key} of {self.recipient_id}>"

    @classmethod
    def add(cls, recipient_id: int, kind: str, group_key: str, notification_id: int, actor_id: int,
            post_id: int | None, comment_id: int | None, at: datetime) -> None:
        """Count a new notification in its group (made if need be): one more, one more unread, the
        actor the latest (the one before becoming the previous). One upsert: twenty people
        following at once make one group of twenty."""
        table = cls.__table__
        insert = DIALECTS[dialect_name()].insert(table).values(
            recipient_id=recipient_id, kind=kind, group_key=group_key, post_id=post_id, comment_id=comment_id,
            latest_at=at, latest_notification_id=notification_id, latest_actor_id=actor_id, count=1, unread_count=1)
        new_actor = table.c.latest_actor_id.is_distinct_from(insert.excluded.latest_actor_id)
        db.session.execute(insert.on_conflict_do_update(
            index_elements=[table.c.recipient_id, table.c.group_key],
            set_={"count": table.c.count + 1, "unread_count": table.c.unread_count + 1,
                  "latest_at": insert.excluded.latest_at,
                  "latest_notification_id": insert.excluded.latest_notification_id,
                  "previous_actor_id": case((new_actor, table.c.latest_actor_id), else_=table.c.previous_actor_id),
                  "latest_actor_id": insert.excluded.latest_actor_id}))

    @classmethod
    def refresh(cls, recipient_id: int, group_key: str) -> None:
        """Make a group what its notifications say after some went (an unfollow, a deleted
        account): its count, its unread count, its latest two people, the comment it points to
        (one that is still there); gone when empty."""
        notes = Notification.__table__.c
        rows = db.session.execute(
            select(notes.id, notes.actor_id, notes.created_at, notes.comment_id)
            .where(notes.recipient_id == recipient_id, notes.group_key == group_key).order_by(notes.id.desc())).all()
        group = db.session.scalar(select(cls).where(cls.recipient_id == recipient_id, cls.group_key == group_key))
        if group is None:
            return
        if not rows:
            db.session.delete(group)
            return
        actors = list(dict.fromkeys(row.actor_id for row in rows))
        group.unread_count = sum(1 for row in rows if row.id > group.read_through_id)
        group.count, group.latest_at, group.latest_notification_id = len(rows), rows[0].created_at, rows[0].id
        group.latest_actor_id, group.previous_actor_id = actors[0], actors[1] if len(actors) > 1 else None
        group.comment_id = rows[0].comment_id

    @classmethod
    def of(cls, user: User) -> Listing:
        """`user`'s groups, the latest first, as rows to show (groups_keyset)."""
        return Listing(groups_keyset(), {"user_id": user.id})

    @classmethod
    def mark_shown(cls, user: User, rows: list) -> None:
        """Count as read the groups a page showed, each as it was shown: a group that something
        joined since (its latest notification is another) stays unread, to be shown again."""
        shown = [(row.id, row.latest_notification_id) for row in rows if row.unread_count]
        if not shown:
            return
        db.session.execute(
            update(cls).where(cls.recipient_id == user.id, tuple_(cls.id, cls.latest_notification_id).in_(shown))
            .values(unread_count=0, read_through_id=cls.latest_notification_id)
            .execution_options(synchronize_session=False))
        db.session.commit()
        read_moved.send(current_app._get_current_object(), user_id=user.id)

    @classmethod
    def mark_all_read(cls, user: User) -> None:
        """Every group of `user` read (their own choice, "Mark all as read")."""
        db.session.execute(update(cls).where(cls.recipient_id == user.id, cls.unread_count > 0)
                           .values(unread_count=0, read_through_id=cls.latest_notification_id)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        read_moved.send(current_app._get_current_object(), user_id=user.id)


DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


def dialect_name() -> str:
    """The database's dialect (its INSERT ... ON CONFLICT is its own in SQLAlchemy)."""
    return db.session.get_bind().dialect.name


@cache
def store_notification(kind: str, dialect: str):
    """INSERT a notification of `kind` for :recipient_id, when that person has the kind switched on,
    and not a second time for one event; RETURNING its id (no row: not stored)."""
    notes, users = Notification.__table__.c, User.__table__.c
    switch = {FOLLOWED: users.notify_followed, COMMENTED: users.notify_commented, MENTIONED: users.notify_mentioned}[kind]
    columns = ("recipient_id", "kind", "actor_id", "post_id", "comment_id", "event_key", "group_key", "created_at")
    values = select(*[bindparam(name, type_=notes[name].type) for name in columns]).where(
        users.id == bindparam("recipient_id"), switch.is_(True))
    return (DIALECTS[dialect].insert(Notification.__table__).from_select(columns, values)
            .on_conflict_do_nothing().returning(notes.id))


def notification_sum(user_id):
    """The unread notifications of `user_id` (a parameter or a column), summed over at most :cap
    groups with any unread: a seek on (recipient_id, unread_count), bounded whatever their number."""
    groups = NotificationGroup.__table__
    return capped_sum(groups, groups.c.unread_count, groups.c.recipient_id, user_id)


@cache
def groups_keyset() -> Keyset:
    """A user's (:user_id) notification groups with what a line shows: the latest two people's
    names, the post (its start, its author) or the comment they are about; `timestamp` is the
    latest notification's time."""
    groups, users = NotificationGroup.__table__.c, User.__table__
    latest, previous = aliased(users, name="latest"), aliased(users, name="previous")
    posts, comments = Post.__table__.c, Comment.__table__.c
    stmt = (select(groups.id, groups.kind, groups.count, groups.unread_count, groups.latest_notification_id,
                   groups.latest_at.label("timestamp"), groups.post_id, groups.comment_id,
                   latest.c.username.label("latest_name"), previous.c.username.label("previous_name"),
                   posts.body.label("post_body"), comments.body.label("comment_body"))
            .select_from(NotificationGroup.__table__)
            .outerjoin(latest, latest.c.id == groups.latest_actor_id)
            .outerjoin(previous, previous.c.id == groups.previous_actor_id)
            .outerjoin(Post.__table__, posts.id == groups.post_id)
            .outerjoin(Comment.__table__, comments.id == groups.comment_id)
            .where(groups.recipient_id == bindparam("user_id")))
    return Keyset(stmt, groups.latest_at, groups.id)
