"""follows, comments and mentions: the events the app notifies of, with their counts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 00:30:00

Follows (one per pair, counted on both people: users.follower_count, users.following_count),
comments (counted on their post: posts.comment_count), and the @mentions of a post or comment
(the names that were people when it was stored, lowercased: posts.mentions, comments.mentions).
Existing databases: every count starts at zero, which is what it is; the posts already there
get their mentions found, as a new post would.
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# As webapp.mentions.MENTION was when this was written (a migration does not follow the code).
NAME = "A-Za-z0-9_.-"
MENTION = re.compile(f"(?<![{NAME}@])@([{NAME}]{{2,31}}[A-Za-z0-9_])(?![A-Za-z0-9_])")


def upgrade():
    op.create_table('follows',
    sa.Column('follower_id', sa.Integer(), nullable=False),
    sa.Column('followed_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('follower_id <> followed_id', name='ck_follows_not_oneself'),
    sa.ForeignKeyConstraint(['followed_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['follower_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('follower_id', 'followed_id')
    )
    op.create_index('ix_follows_followed_id_created_at', 'follows', ['followed_id', 'created_at', 'follower_id'])
    op.create_index('ix_follows_follower_id_created_at', 'follows', ['follower_id', 'created_at', 'followed_id'])
    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=140), nullable=False),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mentions', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_comments_post_id_id', 'comments', ['post_id', 'id'])
    op.create_index('ix_comments_user_id', 'comments', ['user_id'])
    # Plain ALTER TABLE on both databases: a batch operation would rebuild the tables on SQLite
    # (users would lose its lower(username) index, which Alembic cannot reflect).
    op.add_column('posts', sa.Column('comment_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('posts', sa.Column('mentions', sa.Text(), nullable=True))
    op.add_column('users', sa.Column('follower_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('users', sa.Column('following_count', sa.Integer(), server_default='0', nullable=False))
    op.create_index('ix_users_post_count_id', 'users', ['post_count', 'id'])
    find_mentions_in_posts()


def find_mentions_in_posts():
    """The @names of the posts already there that are people, as a new post stores them."""
    bind = op.get_bind()
    people = {name.lower() for (name,) in bind.execute(sa.text("SELECT username FROM users"))}
    posts = bind.execute(sa.text("SELECT id, body FROM posts WHERE body LIKE '%@%'")).all()
    found = [{"id": post_id, "mentions": " ".join(sorted(names))} for post_id, body in posts
             if (names := {name.lower() for name in MENTION.findall(body)} & people)]
    if found:
        bind.execute(sa.text("UPDATE posts SET mentions = :mentions WHERE id = :id"), found)


def downgrade():
    op.drop_index('ix_users_post_count_id', table_name='users')
    op.drop_column('users', 'following_count')
    op.drop_column('users', 'follower_count')
    op.drop_column('posts', 'mentions')
    op.drop_column('posts', 'comment_count')
    op.drop_index('ix_comments_user_id', table_name='comments')
    op.drop_index('ix_comments_post_id_id', table_name='comments')
    op.drop_table('comments')
    op.drop_index('ix_follows_follower_id_created_at', table_name='follows')
    op.drop_index('ix_follows_followed_id_created_at', table_name='follows')
    op.drop_table('follows')
