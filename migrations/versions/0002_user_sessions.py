"""user sessions: one record per signed-in browser, so sessions end on the server

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 23:40:00

Existing cookies carry a user id rather than a session identifier, so everyone signs in
once more after this upgrade.
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=256), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_user_sessions_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_user_sessions_last_used_at', ['last_used_at'], unique=False)
        batch_op.create_index('ix_user_sessions_user_id_last_used_at', ['user_id', 'last_used_at'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_user_sessions_user_id_last_used_at')
        batch_op.drop_index('ix_user_sessions_last_used_at')
        batch_op.drop_index('ix_user_sessions_created_at')
    op.drop_table('user_sessions')
