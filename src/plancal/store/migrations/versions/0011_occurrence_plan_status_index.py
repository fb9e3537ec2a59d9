"""an index on (plan, status, legal limit, relation, kind, done on) of the occurrences in place of the one on
plan alone (its first column): the weekly summary counts what each plan's units still owe within it (no
row read) and finds the late and the done rows through it; each was a scan of every row of the plan (two
per summary day, ~25 ms each at national scale)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:00:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ["plan_id", "status", "due_limit", "relation", "kind", "done_on"]


def upgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.create_index("ix_occ_plan_status", COLUMNS, unique=False)
        batch_op.drop_index("ix_occurrences_plan_id")


def downgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.create_index("ix_occurrences_plan_id", ["plan_id"], unique=False)
        batch_op.drop_index("ix_occ_plan_status")
