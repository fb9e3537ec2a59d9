"""an index on the kind of an occurrence: a unit's feed (after an export's change, after its web form)
shows the conferences, themes and anniversaries of its plans, a few dozen rows among tens of thousands,
which were found by reading every row

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:30:00
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_occurrences_kind"), ["kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occurrences_kind"))
