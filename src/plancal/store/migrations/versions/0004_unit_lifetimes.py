"""unit lifetimes and formal names: valid_from, valid_to, successor_id, formal_name

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00

Existing units get no dates (they exist since always and still do) and no formal name (derived by rule);
the next ``plancal units import`` of their files fills what the files say.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("formal_name", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("successor_id", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        for name in ("successor_id", "valid_to", "valid_from", "formal_name"):
            batch_op.drop_column(name)
