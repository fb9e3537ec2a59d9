"""change numbers: every insert or change of an occurrence row takes the next number of one counter, so
that a feed export finds the rows changed since its last run with one indexed query; and what the last
complete export wrote its files from

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 16:30:00

Existing rows take number 0 and the counter starts at 0: the first export after the upgrade has no
record of a previous one and looks at every row, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_number", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_occurrences_change_number"), ["change_number"], unique=False)
    counter = op.create_table(
        "change_numbers",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(counter, [{"id": 1, "last": 0}])
    op.create_table(
        "feed_exports",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("context", sa.String(length=64), nullable=False),
        sa.Column("change_number", sa.Integer(), nullable=False),
        sa.Column("today", sa.Date(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("DELETE FROM feeds WHERE name = '.export'")  # the fingerprint row of the previous exporter


def downgrade() -> None:
    op.drop_table("feed_exports")
    op.drop_table("change_numbers")
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occurrences_change_number"))
        batch_op.drop_column("change_number")
