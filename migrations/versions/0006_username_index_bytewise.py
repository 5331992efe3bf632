"""the unique name index compares bytes on PostgreSQL too, so a name prefix is a range of it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 01:00:00

The people search (/messages/new) reads the names that start with what was typed as a range of
the lower(username) index. Under a linguistic collation (en_US and the like) dots and dashes are
ignored at first, so such a range is not the set of names with that prefix; COLLATE "C" orders
bytes, as SQLite's index already does (nothing changes there).
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        recreate_name_index('lower(username) COLLATE "C"')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        recreate_name_index('lower(username)')


def recreate_name_index(expression: str) -> None:
    """Build the unique name index anew over `expression`, then swap it in for the old one."""
    op.execute(f"CREATE UNIQUE INDEX uq_users_username_lower_new ON users ({expression})")
    op.execute("DROP INDEX uq_users_username_lower")
    op.execute("ALTER INDEX uq_users_username_lower_new RENAME TO uq_users_username_lower")
