"""notifications: each event told to a person, and the groups a page shows as one line

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 01:30:00

A notification (followed, commented, mentioned) is stored in its event's transaction, once per
event and person (unique event_key), into a group (the follows of a day, the comments on one
post in a day, each mention) that keeps its count, its unread count and its latest two people.
Each person can switch each kind off (users.notify_*, on by default). Existing databases start
with no notifications: the events before this had none.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('group_key', sa.String(length=64), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('latest_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latest_notification_id', sa.Integer(), nullable=False),
    sa.Column('read_through_id', sa.Integer(), nullable=False),
    sa.Column('latest_actor_id', sa.Integer(), nullable=True),
    sa.Column('previous_actor_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('unread_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['latest_actor_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_actor_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('recipient_id', 'group_key', name='uq_notification_groups_recipient_id_group_key')
    )
    with op.batch_alter_table('notification_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_groups_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_groups_latest_actor_id'), ['latest_actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_groups_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_groups_previous_actor_id'), ['previous_actor_id'], unique=False)
        batch_op.create_index('ix_notification_groups_recipient_id_latest_at_id', ['recipient_id', 'latest_at', 'id'], unique=False)
        batch_op.create_index('ix_notification_groups_recipient_id_unread_count', ['recipient_id', 'unread_count'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('event_key', sa.String(length=64), nullable=False),
    sa.Column('group_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('recipient_id', 'event_key', name='uq_notifications_recipient_id_event_key')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_actor_id', ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_notifications_recipient_id_group_key_id', ['recipient_id', 'group_key', 'id'], unique=False)

    # Plain ALTER TABLE: a batch would rebuild users on SQLite and lose its lower(username) index.
    for kind in ("followed", "commented", "mentioned"):
        op.add_column('users', sa.Column(f'notify_{kind}', sa.Boolean(), server_default=sa.true(), nullable=False))

def downgrade():
    for kind in ("mentioned", "commented", "followed"):
        op.drop_column('users', f'notify_{kind}')
    op.drop_table('notifications')
    op.drop_table('notification_groups')
