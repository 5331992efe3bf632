"""users.post_count: each person's number of posts, kept as they publish, for the popover card

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 04:00:00

A card counted the person's posts on every hover: its cost grew with how much they wrote (on
PostgreSQL an index-only scan that also checks the visibility map). Existing posts are counted
once here.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite has ADD COLUMN, and DROP COLUMN since 3.35): a
# batch operation would rebuild the users table on SQLite and lose its lower(username) index,
# which Alembic cannot reflect.
def upgrade():
    op.add_column('users', sa.Column('post_count', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE users SET post_count = (SELECT count(*) FROM posts WHERE posts.user_id = users.id)")


def downgrade():
    op.drop_column('users', 'post_count')
