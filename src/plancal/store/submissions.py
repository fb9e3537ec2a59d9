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
    #: which alternative deliverable was sent (1-based), for a duty with ``either:``
    alternative: int | None = None


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
            choices = list(row.alternatives or [])
            if sub.alternative is not None and not 1 <= sub.alternative <= len(choices):
                raise StoreError([Problem(f"nhiệm vụ này không có cách thực hiện thứ {sub.alternative}", field="alternative",
                                          hint=("chọn một trong: " + "; ".join(f"{i}. {c}" for i, c in enumerate(choices, 1)))
                                          if choices else "nhiệm vụ chỉ có một cách thực hiện: bỏ lựa chọn này")])
            existing = s.scalars(select(SubmissionRow).where(SubmissionRow.occurrence_uid == sub.occurrence_uid)).first()
            if existing is not None and (existing.received, existing.note, existing.alternative) == \
                    (sub.received, sub.note, sub.alternative):
                return False
            if existing is None:
                s.add(SubmissionRow(occurrence_uid=sub.occurrence_uid, unit_id=sub.unit_id, received=sub.received,
                                    note=sub.note, alternative=sub.alternative,
                                    recorded_at=datetime.now(UTC).replace(tzinfo=None)))
            else:
                existing.received, existing.note, existing.alternative = sub.received, sub.note, sub.alternative
            row.status = "done"
            row.done_on = sub.received
            row.sequence += 1
            row.modified_at = max(row.modified_at, vn_midnight_utc(sub.received))
        return True
