"""Private conversations: one per pair of people, a side each with its read marker and unread
count, and their messages in the order they were stored."""
from __future__ import annotations

from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    func,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import lock_for_writing
from ..extensions import db
from ..pagination import Cursor, Keyset, Listing, Page
from ..signals import message_sent, read_moved
from .common import BODY_MAX_LENGTH, UTCDateTime, capped_sum, utcnow
from .users import User, named


class Conversation(db.Model):
    """The private conversation of two people: one per pair, whoever wrote first."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("user_low_id", "user_high_id", name="uq_conversations_pair"),
        CheckConstraint("user_low_id < user_high_id", name="ck_conversations_pair_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_low_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_high_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Conversation {self.id} of {self.user_low_id} and {self.user_high_id}>"

    @classmethod
    def between(cls, a: User, b: User) -> Conversation | None:
        """The conversation of these two people, if they have one."""
        return cls.of_pair(a.id, b.id)

    @classmethod
    def of_pair(cls, a_id: int, b_id: int) -> Conversation | None:
        """The conversation of the two people with these ids, if they have one."""
        low, high = sorted((a_id, b_id))
        return db.session.scalar(select(cls).where(cls.user_low_id == low, cls.user_high_id == high))

    @classmethod
    def open(cls, a: User, b: User) -> Conversation | None:
        """The conversation of these two, started (with a side for each) if need be; None when one
        of them was deleted meanwhile. Two first messages at once still make one conversation:
        the second INSERT meets the pair's unique constraint, and finds the first one's."""
        a_id, b_id = a.id, b.id  # a rollback expires both, and one of them may be gone
        found = cls.of_pair(a_id, b_id)
        if found is not None:
            return found
        low, high = sorted((a_id, b_id))
        conversation = cls(user_low_id=low, user_high_id=high)
        try:
            db.session.add(conversation)
            db.session.flush()
            db.session.add_all([Participant(conversation_id=conversation.id, user_id=a_id, other_id=b_id),
                                Participant(conversation_id=conversation.id, user_id=b_id, other_id=a_id)])
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # the twin request started it first (committed: we waited), or a user is gone
            return cls.of_pair(a_id, b_id)
        return conversation


class Participant(db.Model):
    """One side of a conversation: its read marker (the newest message shown to this side, which
    only moves forward), its unread count (kept exact by the statements that store a message or
    move the marker), whether it is hidden, and the conversation's last activity."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("conversation_id", "user_id", name="uq_participants_conversation_id_user_id"),
        # The inbox: my visible conversations, latest activity first, a keyset seek.
        Index("ix_participants_inbox", "user_id", "hidden", "last_activity_at", "id"),
        # The badge: my conversations with unread messages, at most UNREAD_COUNT_CAP of them.
        Index("ix_participants_user_id_unread_count", "user_id", "unread_count"),
        Index("ix_participants_user_id_other_id", "user_id", "other_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_read_message_id: Mapped[int] = mapped_column(default=0)
    last_message_id: Mapped[int | None]
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unread_count: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<Participant {self.user_id} in {self.conversation_id}>"

    @classmethod
    def unread_count_of(cls, user: User, cap: int | None = None) -> int:
        """`user`'s unread messages across all conversations, up to `cap` (by default the badge's),
        as this request's session sees them (its own writes included). The navbar's count is
        sessions.navbar_counts'."""
        cap = cap or unread_count_cap()
        return min(cap, db.session.scalar(unread_count_query(), {"user_id": user.id, "cap": cap}))

    @classmethod
    def mark_all_read(cls, user: User) -> None:
        """Every conversation of `user` read up to its last message (their own choice, "Mark all as read")."""
        db.session.execute(
            update(cls)
            .where(cls.user_id == user.id, cls.unread_count > 0)
            .values(last_read_message_id=func.coalesce(cls.last_message_id, 0), unread_count=0)
        )
        db.session.commit()
        read_moved.send(current_app._get_current_object(), user_id=user.id)

    @classmethod
    def inbox(cls, user: User) -> Listing:
        """`user`'s visible conversations, as rows with the other person's name and the last message
        (inbox_keyset)."""
        return Listing(inbox_keyset(), {"user_id": user.id})

    def inbox_row(self) -> Row | None:
        """This side as a row of its inbox (None once hidden), for an answer that replaces one row."""
        keyset = inbox_keyset()
        return db.session.execute(keyset.select.where(keyset.id == self.id), {"user_id": self.user_id}).first()

    @classmethod
    def of(cls, user: User, other: User) -> Participant | None:
        """`user`'s side of their conversation with `other`, if there is one, in one query (see
        partner_and_side); as it is now, even when this request had loaded it before (say before
        sending a message)."""
        return cls.partner_and_side(user, other.username, reload=True)[1]

    @classmethod
    def partner_and_side(cls, user: User, username: str,
                         reload: bool = False) -> tuple[User | None, Participant | None]:
        """The user named `username` (any case) and `user`'s side of their conversation (None
        before its first message), in one query; (None, None) for a name no one has.
        `reload`: overwrite what this request had loaded."""
        key = User.name_key(username)
        options = {"populate_existing": True} if reload else {}
        row = None if key is None else db.session.execute(
            partner_and_side(), {"name": key, "user_id": user.id}, execution_options=options).first()
        return (None, None) if row is None else (row[0], row[1])

    @property
    def caught_up(self) -> bool:
        """Whether this side had seen the conversation's last message (as loaded)."""
        return self.last_read_message_id >= (self.last_message_id or 0)

    def read_cursor(self) -> Cursor:
        """The position of the newest message shown to this side in its thread (its start when none was)."""
        return Cursor(None, self.last_read_message_id)

    def messages_up_to(self, cursor: Cursor, limit: int) -> list[Row]:
        """Up to `limit` messages of this conversation at or before `cursor`, newest first, as rows."""
        return Message.thread(self.conversation_id).rows("through", limit, cursor)

    def messages_after(self, cursor: Cursor, limit: int) -> list[Row]:
        """Up to `limit` messages of this conversation after `cursor` (a pagination.Cursor), oldest first, as rows."""
        return Message.thread(self.conversation_id).rows("after", limit, cursor)

    def mark_read_up_to(self, message_id: int, shown_after: int = 0) -> bool:
        """Move the marker forward to `message_id` (never back) and subtract what became read,
        when every message after `shown_after` up to it was shown (0: all of them, or the person
        chose to mark them read) and that joins what was read already: the marker is at or past
        `shown_after`. A page past the marker (a shared or edited URL, another tab's cursor)
        shows but counts nothing: the messages between were never shown.
        One UPDATE whose conditions and count are taken against the row's own old marker: two
        tabs, or a message stored at the same moment, leave the count exact. Nothing is written
        when this side had seen that far already when it was loaded (a conversation opened again).
        Whether the marker moved; a message of another conversation never moves it."""
        if self.last_read_message_id >= message_id:
            return False
        moved = db.session.execute(mark_read(), {"side_id": self.id, "message_id": message_id,
                                                 "shown_after": shown_after}).rowcount
        db.session.commit()
        if moved:
            read_moved.send(current_app._get_current_object(), user_id=self.user_id)
        return bool(moved)

    def mark_shown(self, page: Page) -> bool:
        """Count as read what a page of this conversation showed (see mark_read_up_to); whether
        the marker moved."""
        if not page.items:
            return False
        return self.mark_read_up_to(page.items[0].id, shown_after=page.starts_after.id)  # newest first

    @staticmethod
    def incoming_between(low, high):
        """How many messages to a side have an id in (low, high]: a count correlated with the side's row."""
        return (select(func.count(Message.id))
                .where(Message.conversation_id == Participant.conversation_id,
                       Message.recipient_id == Participant.user_id, Message.id > low, Message.id <= high)
                .scalar_subquery())

    def mark_unread(self) -> bool:
        """Make the latest message to this side unread again (moving the marker back: the one
        exception to "forward only", asked for by the user). False when there is nothing to mark."""
        latest_incoming = (select(func.max(Message.id))
                           .where(Message.conversation_id == self.conversation_id,
                                  Message.recipient_id == self.user_id).scalar_subquery())
        before = func.coalesce(select(func.max(Message.id))
                               .where(Message.conversation_id == self.conversation_id,
                                      Message.id < latest_incoming).scalar_subquery(), 0)
        changed = db.session.execute(
            update(Participant)
            .where(Participant.id == self.id, Participant.last_read_message_id >= latest_incoming)
            .values(unread_count=Participant.unread_count
                    + self.incoming_between(before, Participant.last_read_message_id),
                    last_read_message_id=before, hidden=False)
        ).rowcount
        db.session.commit()
        if changed:
            read_moved.send(current_app._get_current_object(), user_id=self.user_id)
        return bool(changed)

    def hide(self) -> None:
        """Hide this conversation from the inbox until its next message; what it holds counts as read."""
        db.session.execute(update(Participant).where(Participant.id == self.id).values(hidden=True))
        if self.last_message_id:
            self.mark_read_up_to(self.last_message_id)
        db.session.commit()


class Message(db.Model):
    """A private message from one user to another, in their conversation."""

    __tablename__ = "messages"
    __table_args__ = (
        # A conversation's pages are keyset seeks on this index: a thread is in the order its
        # messages were stored (their ids), the order its read markers move in.
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        # What became read when a marker moves: a range of one side's ids in one conversation.
        Index("ix_messages_conversation_id_recipient_id_id", "conversation_id", "recipient_id", "id"),
        Index("ix_messages_recipient_id", "recipient_id"),
        # A form is sent once: its submission token makes a double submit a no-op.
        UniqueConstraint("sender_id", "submission_token", name="uq_messages_sender_id_submission_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
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
    def thread(cls, conversation_id: int) -> Listing:
        """The messages of one conversation, as rows (thread_keyset)."""
        return Listing(thread_keyset(), {"conversation_id": conversation_id})

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
        try:
            return cls.deliver(sender, recipient, body, token=token)
        except IntegrityError:
            db.session.rollback()
            # The twin submission won the race and stored this very message.
            return cls.sent_with_token(sender, token) if token else None

    @classmethod
    def deliver(cls, sender: User, recipient: User, body: str, token: str | None = None,
                timestamp: datetime | None = None) -> Message | None:
        """Store a new message in the two people's conversation and count it on both sides, in one
        transaction, then announce it (signals.message_sent). None when a user no longer exists."""
        conversation = Conversation.open(sender, recipient)
        if conversation is None:
            return None
        # Lock both sides first (in id order, so two senders never deadlock; on SQLite the
        # database's write lock): messages of one conversation then get their ids in the order
        # they commit. A reader's marker moves by id, so a message committed after a page was
        # read must have a higher id than every message on that page, or it would count as read
        # unseen. Its time is read after the lock too, and never before the last message's (a
        # clock set back), so times follow the same order.
        lock_for_writing()
        last_activity = db.session.scalars(
            select(Participant.last_activity_at).where(Participant.conversation_id == conversation.id)
            .order_by(Participant.id).with_for_update()).all()
        message = cls(conversation_id=conversation.id, sender=sender, recipient=recipient, body=body,
                      submission_token=token, timestamp=timestamp or max([utcnow(), *last_activity]))
        db.session.add(message)
        db.session.flush()  # the token's unique constraint speaks here (IntegrityError)
        db.session.execute(message.count_on_both_sides())
        db.session.commit()
        message_sent.send(current_app._get_current_object(), message=message)
        return message

    def count_on_both_sides(self):
        """The UPDATE that records this new message on both sides of its conversation, in the
        transaction that stores it: one more unread for the recipient, the last activity for
        both (never set back by an older message committed later), both sides shown again, and
        the sender's marker on it when the sender had nothing unread (they wrote it: the
        conversation then opens at it; with unread messages it still opens at the first of those)."""
        is_newer = func.coalesce(Participant.last_message_id, 0) < self.id
        sender_caught_up = and_(Participant.user_id == self.sender_id, Participant.unread_count == 0)
        return (
            update(Participant)
            .where(Participant.conversation_id == self.conversation_id)
            .values(
                last_read_message_id=case((sender_caught_up, self.id), else_=Participant.last_read_message_id),
                unread_count=Participant.unread_count + case((Participant.user_id == self.recipient_id, 1), else_=0),
                last_message_id=case((is_newer, self.id), else_=Participant.last_message_id),
                last_activity_at=case((is_newer, self.timestamp), else_=Participant.last_activity_at),
                hidden=False,
            )
        )

    def is_from(self, user: User) -> bool:
        """Whether `user` wrote this message."""
        return self.sender_id == user.id


def unread_count_cap() -> int:
    """How many unread messages a count goes up to (the badge shows "99+" past it)."""
    return current_app.config["UNREAD_COUNT_CAP"]


@cache
def unread_count_query():
    """A user's (:user_id) unread messages (see unread_sum)."""
    return select(unread_sum(bindparam("user_id")))


def unread_sum(user_id):
    """The unread messages of `user_id` (a parameter or a column), summed over at most :cap sides
    with any unread (see common.capped_sum): a seek on (user_id, unread_count)."""
    sides = Participant.__table__
    return capped_sum(sides, sides.c.unread_count, sides.c.user_id, user_id)


@cache
def inbox_keyset() -> Keyset:
    """A user's (:user_id) visible conversations with a message: the other person's name, the last
    message, the unread count, whether any message came from the other person (what "Mark
    unread" needs: one seek of the recipient index); `timestamp` is the last activity."""
    sides, users, messages = Participant.__table__.c, User.__table__.c, Message.__table__.c
    incoming = Message.__table__.alias("incoming").c
    has_incoming = (select(incoming.id).where(incoming.conversation_id == sides.conversation_id,
                                              incoming.recipient_id == sides.user_id).exists())
    stmt = (select(sides.id, sides.conversation_id, sides.unread_count, sides.last_activity_at.label("timestamp"),
                   sides.other_id, users.username.label("other_name"), messages.body.label("last_body"),
                   messages.sender_id.label("last_sender_id"), messages.timestamp.label("last_at"),
                   has_incoming.label("has_incoming"))
            .join_from(Participant.__table__, User.__table__, users.id == sides.other_id)
            .join(Message.__table__, messages.id == sides.last_message_id)
            .where(sides.user_id == bindparam("user_id"), sides.hidden.is_(False)))
    return Keyset(stmt, sides.last_activity_at, sides.id)


@cache
def thread_keyset() -> Keyset:
    """The messages of one conversation (:conversation_id), in the order they were stored (ids)."""
    messages = Message.__table__.c
    stmt = (select(messages.id, messages.sender_id, messages.recipient_id, messages.body, messages.timestamp)
            .where(messages.conversation_id == bindparam("conversation_id")))
    return Keyset(stmt, None, messages.id)


# The statements of a conversation page, built once.


@cache
def partner_and_side():
    """A user by name (:name, a User.name_key) and another's (:user_id) side of their
    conversation (None when they have none)."""
    return (select(User, Participant)
            .outerjoin(Participant, and_(Participant.user_id == bindparam("user_id"), Participant.other_id == User.id))
            .where(named(User.username)))


@cache
def mark_read():
    """Move one side's (:side_id) marker forward to :message_id, a message of its conversation,
    subtracting what became read, when the messages shown (after :shown_after) join what it had
    read."""
    message_id = bindparam("message_id", type_=Integer)
    in_this_conversation = (select(Message.id).where(Message.id == message_id,
                                                     Message.conversation_id == Participant.conversation_id).exists())
    # No ORM synchronisation of the loaded side (its evaluation would cost more than the UPDATE):
    # a request reads a side's marker before it moves it, never after (an inbox row is read anew).
    return (update(Participant)
            .where(Participant.id == bindparam("side_id"), Participant.last_read_message_id < message_id,
                   Participant.last_read_message_id >= bindparam("shown_after", type_=Integer), in_this_conversation)
            .values(unread_count=Participant.unread_count
                    - Participant.incoming_between(Participant.last_read_message_id, message_id),
                    last_read_message_id=message_id)
            .execution_options(synchronize_session=False))
