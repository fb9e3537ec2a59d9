"""format: several recipients, alternative deliverables, tentative dates, the document's type and an unknown
issue date, which alternative a submission sent

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-15 10:00:00

The new occurrence columns are filled by the next ``issue`` of each plan: the plans' digests are cleared so
that re-issuing an unchanged file refreshes its occurrences.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("also_to", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("alternatives", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("tentative", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("doc_type", sa.String(length=20), nullable=False, server_default="kế hoạch"))
        batch_op.add_column(sa.Column("issued_known", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alternative", sa.Integer(), nullable=True))
    op.execute("UPDATE plans SET digest = ''")


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("alternative")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("issued_known")
        batch_op.drop_column("doc_type")
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        for name in ("tentative", "alternatives", "also_to"):
            batch_op.drop_column(name)
