"""typed facts: a report's cycle and data window, a preparation's conference, the task's own words, a
delivery's plan

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00

The new columns are filled by the next ``issue`` of each plan: the plans' digests are cleared so that
re-issuing an unchanged file refreshes its occurrences (their SEQUENCE rises once).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("what", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("cycle", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("data_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("data_to", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("cutoff", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("conference_uid", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_occurrences_conference_uid"), ["conference_uid"], unique=False)
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_id", sa.String(length=120), nullable=True))
    op.execute("UPDATE plans SET digest = ''")


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("plan_id")
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occurrences_conference_uid"))
        for name in ("conference_uid", "cutoff", "data_to", "data_from", "cycle", "what"):
            batch_op.drop_column(name)
