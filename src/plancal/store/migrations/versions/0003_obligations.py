"""obligations: the legal limit next to the aim, who set the date, assigned or requested, the standing
agency's own items

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 10:00:00

``due_limit`` starts as the old ``due_effective`` (the stored dates are recomputed by the next ``issue``);
the plans' digests are cleared so that re-issuing an unchanged file refreshes its occurrences.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_limit", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("date_source", sa.String(length=12), nullable=False, server_default="plan"))
        batch_op.add_column(sa.Column("relation", sa.String(length=12), nullable=False, server_default="assigned"))
        batch_op.add_column(sa.Column("agency_own", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE occurrences SET due_limit = due_effective")
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.alter_column("due_limit", existing_type=sa.Date(), nullable=False)
    op.execute("UPDATE plans SET digest = ''")


def downgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        for name in ("agency_own", "relation", "date_source", "due_limit"):
            batch_op.drop_column(name)
