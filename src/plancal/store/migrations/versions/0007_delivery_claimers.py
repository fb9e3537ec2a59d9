"""the delivery log knows which process holds a claim (host and pid), so that a claim of a process
that died on this machine is taken over at once instead of waiting for its lease

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00

Rows now also take the statuses ``owed`` (planned before the first mail of a run goes out, not claimed
yet) and ``dropped`` (re-planned away: an amendment cancelled what the letter was about); the status
column is wide enough for both.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimer_host", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("claimer_pid", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("claimer_pid")
        batch_op.drop_column("claimer_host")
