"""submission history: every status change kept; a submission's document number, file and source

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10 10:00:00

Existing submissions get one history row each (on time or late, from their received date), so that
the history of an upgraded database starts with what it already knew.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_number", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("file_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("file_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=20), nullable=False, server_default="coordinator"))
    op.create_table(
        "submission_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("occurrence_uid", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("previous", sa.String(length=12), nullable=True),
        sa.Column("received", sa.Date(), nullable=True),
        sa.Column("document_number", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("corrects", sa.Integer(), nullable=True),
        sa.Column("changed_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["occurrence_uid"], ["occurrences.uid"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_submission_history_occurrence_uid"), "submission_history", ["occurrence_uid"], unique=False)
    op.execute(
        "INSERT INTO submission_history (occurrence_uid, unit_id, status, previous, received, document_number, note, "
        "reason, source, changed_on, recorded_at) "
        "SELECT s.occurrence_uid, s.unit_id, CASE WHEN s.received > o.due_effective THEN 'late' ELSE 'on_time' END, "
        "'pending', s.received, '', s.note, '', 'coordinator', s.received, s.recorded_at "
        "FROM submissions s JOIN occurrences o ON o.uid = s.occurrence_uid")


def downgrade() -> None:
    op.drop_index(op.f("ix_submission_history_occurrence_uid"), table_name="submission_history")
    op.drop_table("submission_history")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        for name in ("source", "file_name", "file_sha256", "document_number"):
            batch_op.drop_column(name)
