"""a conversation is read in the order its messages were stored: its index is (conversation_id, id)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 23:00:00

A thread was ordered by (timestamp, id) while read markers move by id; on SQLite a message's
time was read before the write lock and its id after, so the two orders could disagree and a
message be counted read unseen, or shown as new twice. A thread is now ordered by id alone.
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


# Plain CREATE and DROP INDEX on both databases: no table is rebuilt.
def upgrade():
    op.create_index('ix_messages_conversation_id_id', 'messages', ['conversation_id', 'id'])
    op.drop_index('ix_messages_conversation_id_timestamp_id', table_name='messages')


def downgrade():
    op.create_index('ix_messages_conversation_id_timestamp_id', 'messages', ['conversation_id', 'timestamp', 'id'])
    op.drop_index('ix_messages_conversation_id_id', table_name='messages')
