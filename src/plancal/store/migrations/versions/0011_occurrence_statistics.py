"""statistics of the occurrences for SQLite's query planner: without them, the index on kind (0010) looked as
good as any, and the day's mark queries read every row through it instead of a window of due days through
the index on due days. Every issue measures them again from now on (Store._refresh_statistics); PostgreSQL
keeps its own (autovacuum)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:40:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA analysis_limit=1000")
        op.execute("ANALYZE occurrences")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'occurrences'")
