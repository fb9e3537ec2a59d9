"""Submissions: what a unit sent for an occurrence, and when it was received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select

from plancal.errors import Problem, StoreError
from plancal.store.session import Database
from plancal.store.tables import OccurrenceRow, SubmissionRow, vn_midnight_utc


@dataclass(frozen=True)
class Submission:
    occurrence_uid: str
    unit_id: str
    received: date
    note: str = ""


class Submissions(Database):
    def record_submission(self, sub: Submission) -> bool:
        """Mark an occurrence done. Returns False when the same submission was already recorded."""
        with self.session() as s:
            row = s.get(OccurrenceRow, sub.occurrence_uid)
            if row is None:
                raise StoreError([Problem(f"không có nhiệm vụ mã '{sub.occurrence_uid}'", field="occurrence")])
            if row.unit_id != sub.unit_id:
                raise StoreError([Problem(f"nhiệm vụ này thuộc đơn vị '{row.unit_id}', không phải '{sub.unit_id}'",
                                          field="unit")])
            existing = s.scalars(select(SubmissionRow).where(SubmissionRow.occurrence_uid == sub.occurrence_uid)).first()
            if existing is not None and (existing.received, existing.note) == (sub.received, sub.note):
                return False
            if existing is None:
                s.add(SubmissionRow(occurrence_uid=sub.occurrence_uid, unit_id=sub.unit_id, received=sub.received,
                                    note=sub.note, recorded_at=datetime.now(UTC).replace(tzinfo=None)))
            else:
                existing.received, existing.note = sub.received, sub.note
            row.status = "done"
            row.done_on = sub.received
            row.sequence += 1
            row.modified_at = max(row.modified_at, vn_midnight_utc(sub.received))
        return True
