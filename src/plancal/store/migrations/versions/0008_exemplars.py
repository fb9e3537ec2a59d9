"""the register of exemplars (điển hình tiên tiến)

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exemplars",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("collective", sa.Boolean(), nullable=False),
        sa.Column("unit_id", sa.String(length=80), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("introduced", sa.Date(), nullable=False),
        sa.Column("source_document", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "unit_id", "name", "introduced", name="uq_exemplars_entry"),
    )
    with op.batch_alter_table("exemplars", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exemplars_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exemplars_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exemplars_introduced"), ["introduced"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exemplars", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exemplars_introduced"))
        batch_op.drop_index(batch_op.f("ix_exemplars_unit_id"))
        batch_op.drop_index(batch_op.f("ix_exemplars_plan_id"))
    op.drop_table("exemplars")
