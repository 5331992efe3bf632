"""conversations: a read marker and an unread count per side, instead of one time per user

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 00:10:00

Existing messages are gathered into one conversation per pair of people. Each side's marker
becomes the newest message it received at or before the old `last_message_read_time`, and its
unread count the number received after it, so the badge shows the same number as before.
The downgrade keeps, per user, the newest time they had read up to in any conversation.
"""
import warnings
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_low_id', sa.Integer(), nullable=False),
    sa.Column('user_high_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('user_low_id < user_high_id', name='ck_conversations_pair_order'),
    sa.ForeignKeyConstraint(['user_high_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_low_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_low_id', 'user_high_id', name='uq_conversations_pair')
    )
    op.create_index('ix_conversations_user_high_id', 'conversations', ['user_high_id'], unique=False)
    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.Column('last_message_id', sa.Integer(), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unread_count', sa.Integer(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id', 'user_id', name='uq_participants_conversation_id_user_id')
    )
    op.create_index('ix_participants_inbox', 'participants', ['user_id', 'hidden', 'last_activity_at', 'id'])
    op.create_index('ix_participants_other_id', 'participants', ['other_id'])
    op.create_index('ix_participants_user_id_other_id', 'participants', ['user_id', 'other_id'])
    op.create_index('ix_participants_user_id_unread_count', 'participants', ['user_id', 'unread_count'])

    with rebuilt('messages') as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.Integer(), nullable=True))
    gather_messages_into_conversations()
    with rebuilt('messages') as batch_op:
        batch_op.alter_column('conversation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_messages_conversation_id_conversations', 'conversations',
                                    ['conversation_id'], ['id'], ondelete='CASCADE')
        # The indexes by person are gone and those by conversation exist already
        # (gather_messages_into_conversations); on SQLite the rebuild copies every index it reflects.
        batch_op.create_index('ix_messages_recipient_id', ['recipient_id'])
    drop_users_column('last_message_read_time')


@contextmanager
def rebuilt(table: str):
    """batch_alter_table, which on SQLite rebuilds the table; reflecting its neighbours warns that the
    users' lower(username) index cannot be reflected, which is harmless here (users is not rebuilt)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table(table, schema=None) as batch_op:
            yield batch_op


def gather_messages_into_conversations():
    """One conversation per pair, each message in it, and each side's marker and unread count
    from the old per-user read time (portable SQL: SQLite and PostgreSQL)."""
    create_conversations()
    # The indexes by person, which those by conversation replace, go first: on PostgreSQL the UPDATE
    # would add an entry to each of them for every message.
    op.drop_index('ix_messages_sender_id_timestamp_id', table_name='messages')
    op.drop_index('ix_messages_recipient_id_timestamp_id', table_name='messages')
    # Those by conversation must exist before the fill. PostgreSQL gets them before the UPDATE: an
    # index built after it, in its transaction, would not be usable until the migration commits
    # (rows updated in place, pg_index.indcheckxmin). SQLite gets them after it: one sorted build,
    # rather than an entry moved for every message.
    if op.get_bind().dialect.name == "postgresql":
        index_messages_by_conversation()
        put_messages_in_conversations()
    else:
        put_messages_in_conversations()
        index_messages_by_conversation()
    fill_sides()


def pair_of(m: str) -> tuple[str, str]:
    """A message's two people as SQL, lower id first; `m` names the messages table or its alias."""
    return (f"CASE WHEN {m}.sender_id < {m}.recipient_id THEN {m}.sender_id ELSE {m}.recipient_id END",
            f"CASE WHEN {m}.sender_id < {m}.recipient_id THEN {m}.recipient_id ELSE {m}.sender_id END")


def create_conversations():
    """One conversation per pair of people who exchanged messages."""
    low, high = pair_of("m")
    op.execute(f"""
        INSERT INTO conversations (user_low_id, user_high_id, created_at)
        SELECT {low}, {high}, MIN(m.timestamp) FROM messages m GROUP BY {low}, {high}
    """)


def index_messages_by_conversation():
    """The model's two indexes by conversation, which the fill's subqueries seek (SQLite's rebuild copies them)."""
    # Without them each subquery reads every message: conversations x messages rows for the fill.
    op.create_index('ix_messages_conversation_id_recipient_id_id', 'messages', ['conversation_id', 'recipient_id', 'id'])
    op.create_index('ix_messages_conversation_id_timestamp_id', 'messages', ['conversation_id', 'timestamp', 'id'])


def put_messages_in_conversations():
    """Each message into its pair's conversation: one seek of the pair's unique key per message."""
    low, high = pair_of("messages")
    op.execute(f"""
        UPDATE messages SET conversation_id = (
            SELECT c.id FROM conversations c WHERE c.user_low_id = {low} AND c.user_high_id = {high})
    """)


def fill_sides():
    """Each side of each conversation: its marker, the last message, its unread count."""
    # Every figure is a seek or one conversation's range of an index by conversation: the marker and
    # the unread count read the side's messages by (conversation_id, recipient_id), the last activity
    # is the end of (conversation_id, timestamp). The last message names both recipients (every message
    # has one of the two) to be read by (conversation_id, recipient_id) too: asked by conversation
    # alone, PostgreSQL, with no statistics yet on the new column, walks the primary key back from
    # the newest message of all, past everything sent since a quiet conversation's last message.
    for side, other in (("user_low_id", "user_high_id"), ("user_high_id", "user_low_id")):
        op.execute(f"""
            INSERT INTO participants (conversation_id, user_id, other_id, last_read_message_id, last_message_id,
                                      last_activity_at, unread_count, hidden)
            SELECT c.id, c.{side}, c.{other},
                   COALESCE((SELECT MAX(m.id) FROM messages m, users u
                             WHERE m.conversation_id = c.id AND m.recipient_id = c.{side} AND u.id = c.{side}
                               AND u.last_message_read_time IS NOT NULL
                               AND m.timestamp <= u.last_message_read_time), 0),
                   (SELECT MAX(m.id) FROM messages m
                    WHERE m.conversation_id = c.id AND m.recipient_id IN (c.user_low_id, c.user_high_id)),
                   (SELECT MAX(m.timestamp) FROM messages m WHERE m.conversation_id = c.id),
                   (SELECT COUNT(*) FROM messages m, users u
                    WHERE m.conversation_id = c.id AND m.recipient_id = c.{side} AND u.id = c.{side}
                      AND (u.last_message_read_time IS NULL OR m.timestamp > u.last_message_read_time)),
                   {sa.false().compile(dialect=op.get_bind().dialect)}
            FROM conversations c
        """)


def drop_users_column(name: str) -> None:
    """Drop a column of users without rebuilding the table (which would lose the expression index)."""
    op.execute(f"ALTER TABLE users DROP COLUMN {name}")


def downgrade():
    op.execute("ALTER TABLE users ADD COLUMN last_message_read_time TIMESTAMP WITH TIME ZONE"
               if op.get_bind().dialect.name == "postgresql" else
               "ALTER TABLE users ADD COLUMN last_message_read_time DATETIME")
    op.execute("""
        UPDATE users SET last_message_read_time = (
            SELECT MAX(m.timestamp) FROM participants p, messages m
            WHERE p.user_id = users.id AND m.id = p.last_read_message_id)
    """)
    with rebuilt('messages') as batch_op:
        batch_op.drop_index('ix_messages_recipient_id')
        batch_op.drop_index('ix_messages_conversation_id_recipient_id_id')
        batch_op.drop_index('ix_messages_conversation_id_timestamp_id')
        batch_op.drop_constraint('fk_messages_conversation_id_conversations', type_='foreignkey')
        batch_op.drop_column('conversation_id')
        batch_op.create_index('ix_messages_recipient_id_timestamp_id', ['recipient_id', 'timestamp', 'id'])
        batch_op.create_index('ix_messages_sender_id_timestamp_id', ['sender_id', 'timestamp', 'id'])
    op.drop_table('participants')
    op.drop_table('conversations')
