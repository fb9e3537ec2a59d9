"""Submissions as they come in: from a unit's own page (its private address) and from the office's records.

A unit sees its open items by due date and marks one as sent — date, number of the document sent, a
note, optionally the file. The office imports its register of received documents: each row matched to
an open occurrence, the whole file recorded in one transaction or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from plancal.errors import PlancalError, Problem
from plancal.intake.matching import Match, match_records
from plancal.intake.records import read_records
from plancal.intake.uploads import check_upload, store_upload
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings
from plancal.store import OccurrenceRow, PlanRow, Store, StoredFile, Submission, UnitRow
from plancal.vn.text import one_line


class SubmissionError(PlancalError):
    """A unit's submission was refused (an item not its own or not open, a bad date, a bad file)."""


#: how far back a unit's page shows what it already sent
RECENT_DAYS = 60


@dataclass(frozen=True)
class UnitItems:
    """What a unit's page shows: its open items by due date, what it sent recently."""

    unit: UnitRow
    plans: dict[str, PlanRow]
    open: list[OccurrenceRow]
    recent: list[OccurrenceRow]


def unit_items(store: Store, unit: UnitRow, today: date, *, recent_days: int = RECENT_DAYS) -> UnitItems:
    rows = [r for r in store.occurrences(unit_id=unit.id, kinds=ACTIONABLE, statuses=["open", "done"])]
    plans = {p.id: p for p in store.plans()}
    open_rows = [r for r in rows if r.status == "open" and r.plan_id in plans and not plans[r.plan_id].closed]
    recent = sorted((r for r in rows if r.status == "done" and r.done_on and r.done_on >= today - timedelta(days=recent_days)),
                    key=lambda r: (r.done_on or date.min, r.uid), reverse=True)
    return UnitItems(unit, plans, open_rows, recent)


def submit_from_unit(store: Store, settings: Settings, unit: UnitRow, occurrence_uid: str, *, received: date,
                     document_number: str, note: str, today: date, file_name: str | None = None,
                     file_data: bytes | None = None) -> OccurrenceRow:
    """Record what a unit says it sent. The item must be the unit's own and still open (or already sent:
    then this is a correction, kept in the history). Returns the occurrence as stored now."""
    rows = store.occurrences(unit_id=unit.id, kinds=ACTIONABLE, statuses=["open", "done"])
    row = next((r for r in rows if r.uid == occurrence_uid), None)
    if row is None:
        raise SubmissionError([Problem("việc này không có trong danh sách của đơn vị", field="occurrence",
                                       hint="tải lại trang và chọn việc trong danh sách")])
    number = one_line(document_number)
    if len(number) > 120:
        raise SubmissionError([Problem("số văn bản dài quá 120 ký tự", field="document_number")])
    stored: StoredFile | None = None
    if file_data is not None and file_name:
        check_upload(file_name, len(file_data), settings)
        stored = store_upload(settings, row.plan_id, unit.id, file_name, file_data)
    store.record_submission(Submission(row.uid, unit.id, received, " ".join(note.split())[:2000], number, stored, "unit"),
                            today=today)
    fresh = [r for r in store.occurrences(unit_id=unit.id, kinds=[row.kind], include_cancelled=True) if r.uid == row.uid]
    return fresh[0]


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do (or did): every record with its match."""

    file: Path
    matches: list[Match]
    recorded: int = 0
    dry_run: bool = True

    @property
    def matched(self) -> list[Match]:
        return [m for m in self.matches if m.matched]

    @property
    def unmatched(self) -> list[Match]:
        return [m for m in self.matches if not m.matched]


def import_records(store: Store, path: Path, *, today: date, dry_run: bool = False,
                   plan_id: str | None = None) -> ImportPreview:
    """Read a records file, match each row and record the matched ones — in one transaction, all or nothing.

    Refused with every bad row named by its row number: a row that cannot be read, a sender that is not
    a unit, two rows for the same item, a date in the future or before the plan. Rows of known units that
    match no open item are shown in the preview and not recorded."""
    records = read_records(path)
    matches = match_records(store, records, plan_id=plan_id)
    problems = [Problem(m.why, file=str(path), line=m.record.line, field="Cơ quan gửi",
                        hint="sửa tên cho đúng danh mục đơn vị ('plancal units list')")
                for m in matches if m.unit is None]
    seen: dict[tuple[str, str], int] = {}
    for m in matches:
        key = (fold_key(m.record.sender), fold_key(m.record.number))
        if key in seen:
            problems.append(Problem(f"trùng với dòng {seen[key]}: cùng cơ quan gửi, cùng số “{m.record.number}”",
                                    file=str(path), line=m.record.line, field="Số, ký hiệu",
                                    hint="xóa dòng trùng"))
        else:
            seen[key] = m.record.line
    if problems:
        raise SubmissionError(problems)
    matched = [m for m in matches if m.occurrence is not None]
    subs = [Submission(m.occurrence.uid, m.occurrence.unit_id or "", m.record.received, m.record.subject,
                       m.record.number, None, "import") for m in matched if m.occurrence is not None]
    lines = [m.record.line for m in matched]
    changed = store.record_submissions(subs, today=today, file=str(path), lines=lines, dry_run=dry_run)
    return ImportPreview(path, matches, sum(changed), dry_run)


def fold_key(text: str) -> str:
    return " ".join(text.lower().split())
