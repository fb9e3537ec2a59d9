"""Submissions: what a unit sent for an occurrence, when it was received — and every change of status.

An occurrence's status moves between pending, submitted on time, submitted late, missing, waived (with
a reason) and cancelled. Each change is a new row of ``submission_history``; nothing is overwritten: a
correction (a second submission with another date or number) is a new row naming the one it corrects.
A received date after ``today`` or before the plan was issued is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from plancal.errors import Problem, StoreError
from plancal.schedule.occurrence import ACTIONABLE
from plancal.store.occurrences import next_change_number
from plancal.store.session import Database
from plancal.store.tables import OccurrenceRow, PlanRow, StatusChangeRow, SubmissionRow, vn_midnight_utc
from plancal.vn.dates import short


class Transition(StrEnum):
    """The statuses an occurrence's history records."""

    PENDING = "pending"
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    WAIVED = "waived"
    CANCELLED = "cancelled"


TRANSITION_LABEL = {
    Transition.PENDING: "chờ gửi",
    Transition.ON_TIME: "đã gửi đúng hạn",
    Transition.LATE: "đã gửi muộn",
    Transition.MISSING: "không gửi (quá hạn)",
    Transition.WAIVED: "được miễn",
    Transition.CANCELLED: "đã hủy",
}


@dataclass(frozen=True)
class StoredFile:
    """A file that came with a submission, kept under its SHA-256 (see :mod:`plancal.intake.uploads`)."""

    sha256: str
    name: str
    size: int


@dataclass(frozen=True)
class Submission:
    occurrence_uid: str
    unit_id: str
    received: date
    note: str = ""
    #: the number of the document sent, as written on it ("15/BC-UBND")
    document_number: str = ""
    file: StoredFile | None = None
    #: who recorded it: coordinator | unit | import | sub-plan
    source: str = "coordinator"
    #: which alternative deliverable was sent (1-based), for a duty with ``either:``
    alternative: int | None = None


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    occurrence_uid: str
    unit_id: str | None
    status: Transition
    previous: Transition | None
    received: date | None
    document_number: str
    note: str
    reason: str
    file_sha256: str | None
    file_name: str | None
    source: str
    corrects: int | None
    changed_on: date | None

    @property
    def label(self) -> str:
        return TRANSITION_LABEL[self.status]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _last(s: Session, uid: str) -> StatusChangeRow | None:
    q = select(StatusChangeRow).where(StatusChangeRow.occurrence_uid == uid).order_by(StatusChangeRow.id.desc()).limit(1)
    return s.scalars(q).first()


def _current(s: Session, row: OccurrenceRow) -> Transition:
    last = _last(s, row.uid)
    if last is not None:
        return Transition(last.status)
    if row.status == "cancelled":
        return Transition.CANCELLED
    if row.status == "waived":
        return Transition.WAIVED
    if row.status == "done" and row.done_on is not None:
        return Transition.LATE if row.done_on > row.due_limit else Transition.ON_TIME
    return Transition.PENDING


def log_change(s: Session, row: OccurrenceRow, status: Transition, *, source: str, changed_on: date | None,
               received: date | None = None, document_number: str = "", note: str = "", reason: str = "",
               file: StoredFile | None = None, corrects: int | None = None) -> StatusChangeRow:
    """Add one row to the history of ``row`` (inside the caller's transaction)."""
    entry = StatusChangeRow(
        occurrence_uid=row.uid, unit_id=row.unit_id, status=str(status), previous=str(_current(s, row)),
        received=received, document_number=document_number, note=note, reason=reason,
        file_sha256=file.sha256 if file else None, file_name=file.name if file else None,
        file_size=file.size if file else None, source=source, corrects=corrects, changed_on=changed_on,
        recorded_at=_now())
    s.add(entry)
    s.flush()
    return entry


def _received_problems(received: date, plan: PlanRow | None, today: date | None, file: str | None,
                       line: int | None) -> list[Problem]:
    problems = []
    if today is not None and received > today:
        problems.append(Problem(f"ngày nhận {short(received)} ở sau hôm nay ({short(today)})", field="received",
                                hint="ghi ngày văn bản đã đến, không ghi ngày trong tương lai", file=file, line=line))
    if plan is not None and received < plan.issued:
        problems.append(Problem(f"ngày nhận {short(received)} ở trước ngày ban hành kế hoạch {plan.display_number} "
                                f"({short(plan.issued)})", field="received",
                                hint="kiểm tra lại ngày hoặc kế hoạch của văn bản này", file=file, line=line))
    return problems


class Submissions(Database):
    def record_submission(self, sub: Submission, *, today: date | None = None) -> bool:
        """Mark an occurrence done (on time or late). Returns False when the same submission was already
        recorded; another date, number or file for the same occurrence is a correction, kept in the history.
        With ``today``, a received date after it is refused; a date before the plan's issue always is."""
        return self.record_submissions([sub], today=today)[0]

    def record_submissions(self, subs: Sequence[Submission], *, today: date | None = None, file: str | None = None,
                           lines: Sequence[int] | None = None, dry_run: bool = False) -> list[bool]:
        """Record many submissions in one transaction: all or nothing. Every problem is reported at once,
        located by ``file`` and ``lines`` (one line number per submission) when given. With ``dry_run``
        every check runs and what would change is returned, but the transaction is rolled back."""
        changed: list[bool] = []
        problems: list[Problem] = []
        seen: dict[str, int] = {}
        with self.session() as s:
            plans: dict[str, PlanRow | None] = {}
            for n, sub in enumerate(subs):
                line = lines[n] if lines is not None else None
                row = s.get(OccurrenceRow, sub.occurrence_uid)
                if row is None:
                    problems.append(Problem(f"không có nhiệm vụ mã '{sub.occurrence_uid}'", field="occurrence",
                                            file=file, line=line))
                    continue
                if row.unit_id != sub.unit_id:
                    problems.append(Problem(f"nhiệm vụ này thuộc đơn vị '{row.unit_id}', không phải '{sub.unit_id}'",
                                            field="unit", file=file, line=line))
                    continue
                choices = list(row.alternatives or [])
                if sub.alternative is not None and not 1 <= sub.alternative <= len(choices):
                    problems.append(Problem(
                        f"nhiệm vụ này không có cách thực hiện thứ {sub.alternative}", field="alternative", file=file,
                        line=line, hint=("chọn một trong: " + "; ".join(f"{i}. {c}" for i, c in enumerate(choices, 1)))
                        if choices else "nhiệm vụ chỉ có một cách thực hiện: bỏ lựa chọn này"))
                    continue
                if sub.occurrence_uid in seen:
                    first = seen[sub.occurrence_uid]
                    at = f"dòng {lines[first]}" if lines is not None else f"mục {first + 1}"
                    problems.append(Problem(f"trùng với {at}: cùng đơn vị, cùng nhiệm vụ, cùng kỳ ({row.period_label})",
                                            field="row", hint="mỗi văn bản chỉ ghi một lần", file=file, line=line))
                    continue
                seen[sub.occurrence_uid] = n
                if row.status == "cancelled":
                    problems.append(Problem(f"nhiệm vụ '{row.title}' đã bị hủy (kế hoạch sửa đổi), không ghi nhận được",
                                            field="occurrence", file=file, line=line))
                    continue
                if row.plan_id not in plans:
                    plans[row.plan_id] = s.get(PlanRow, row.plan_id)
                found = _received_problems(sub.received, plans[row.plan_id], today, file, line)
                if found:
                    problems += found
                    continue
                if not problems:
                    changed.append(self._record(s, row, sub, today))
            if problems:
                raise StoreError(problems)  # rolls the whole batch back
            if dry_run:
                s.rollback()
        return changed

    @staticmethod
    def _record(s: Session, row: OccurrenceRow, sub: Submission, today: date | None) -> bool:
        existing = s.scalars(select(SubmissionRow).where(SubmissionRow.occurrence_uid == sub.occurrence_uid)).first()
        file_sha = sub.file.sha256 if sub.file else None
        if existing is not None and row.status == "done" and \
                (existing.received, existing.note, existing.document_number, existing.file_sha256, existing.alternative) == \
                (sub.received, sub.note, sub.document_number, file_sha, sub.alternative):
            return False
        # the change number before any write: every writer locks the counter first (no deadlock between them)
        row.change_number = next_change_number(s)
        corrects = None
        if existing is not None and row.status == "done":
            last = _last(s, row.uid)
            corrects = last.id if last is not None else None
        # late only after the legal limit: a submission on the stated last day is on time
        status = Transition.LATE if sub.received > row.due_limit else Transition.ON_TIME
        log_change(s, row, status, source=sub.source, changed_on=today, received=sub.received,
                   document_number=sub.document_number, note=sub.note, file=sub.file, corrects=corrects)
        values = dict(unit_id=sub.unit_id, received=sub.received, note=sub.note, document_number=sub.document_number,
                      file_sha256=file_sha, file_name=sub.file.name if sub.file else None, source=sub.source,
                      alternative=sub.alternative,
                      recorded_at=_now())
        if existing is None:
            s.add(SubmissionRow(occurrence_uid=sub.occurrence_uid, **values))
        else:
            for k, v in values.items():
                setattr(existing, k, v)
        row.status = "done"
        row.done_on = sub.received
        row.sequence += 1
        row.modified_at = max(row.modified_at, vn_midnight_utc(sub.received))
        return True

    def waive(self, occurrence_uid: str, reason: str, *, today: date, source: str = "coordinator") -> bool:
        """Excuse a unit from an occurrence, with a reason (kept in the history). False if already waived."""
        reason = " ".join(reason.split())
        if not reason:
            raise StoreError([Problem("miễn thực hiện phải ghi lý do", field="reason",
                                      hint="ví dụ: đơn vị sáp nhập, đã báo cáo chung với cấp trên")])
        with self.session() as s:
            row = self._actionable(s, occurrence_uid)
            if row.status == "waived":
                return False
            if row.status == "cancelled":
                raise StoreError([Problem(f"nhiệm vụ '{row.title}' đã bị hủy, không cần miễn", field="occurrence")])
            row.change_number = next_change_number(s)
            log_change(s, row, Transition.WAIVED, source=source, changed_on=today, reason=reason)
            self._forget_submission(s, row)
            row.status, row.done_on = "waived", None
            row.sequence += 1
            row.modified_at = max(row.modified_at, vn_midnight_utc(today))
        return True

    def reopen(self, occurrence_uid: str, reason: str, *, today: date, source: str = "coordinator") -> bool:
        """Back to pending (a submission recorded by mistake, a waiver withdrawn); the history keeps what was."""
        with self.session() as s:
            row = self._actionable(s, occurrence_uid)
            if row.status == "open":
                return False
            if row.status == "cancelled":
                raise StoreError([Problem(f"nhiệm vụ '{row.title}' đã bị hủy theo kế hoạch sửa đổi", field="occurrence")])
            row.change_number = next_change_number(s)
            log_change(s, row, Transition.PENDING, source=source, changed_on=today, reason=" ".join(reason.split()))
            self._forget_submission(s, row)
            row.status, row.done_on = "open", None
            row.sequence += 1
            row.modified_at = max(row.modified_at, vn_midnight_utc(today))
        return True

    def mark_missing(self, today: date, *, plan_id: str | None = None) -> int:
        """Record "missing" for every actionable occurrence past due and not sent (once per occurrence and
        pending spell). Returns how many were recorded."""
        q = select(OccurrenceRow).where(OccurrenceRow.status == "open", OccurrenceRow.due_effective < today,
                                        OccurrenceRow.kind.in_(sorted(ACTIONABLE)), OccurrenceRow.unit_id.is_not(None))
        if plan_id:
            q = q.where(OccurrenceRow.plan_id == plan_id)
        n = 0
        with self.session() as s:
            rows = list(s.scalars(q))
            last = self._last_statuses(s, [r.uid for r in rows])
            for row in rows:
                if last.get(row.uid) != Transition.MISSING:
                    log_change(s, row, Transition.MISSING, source="tracking", changed_on=today)
                    n += 1
        return n

    def history(self, occurrence_uid: str) -> list[HistoryEntry]:
        """Every status change of an occurrence, oldest first."""
        q = select(StatusChangeRow).where(StatusChangeRow.occurrence_uid == occurrence_uid).order_by(StatusChangeRow.id)
        with self.session() as s:
            return [_entry(r) for r in s.scalars(q)]

    def submission(self, occurrence_uid: str) -> SubmissionRow | None:
        with self.session() as s:
            return s.scalars(select(SubmissionRow).where(SubmissionRow.occurrence_uid == occurrence_uid)).first()

    @staticmethod
    def _last_statuses(s: Session, uids: Sequence[str]) -> dict[str, Transition]:
        out: dict[str, Transition] = {}
        for start in range(0, len(uids), 500):
            chunk = list(uids[start:start + 500])
            q = select(StatusChangeRow.occurrence_uid, StatusChangeRow.status).where(
                StatusChangeRow.occurrence_uid.in_(chunk)).order_by(StatusChangeRow.id)
            for uid, status in s.execute(q):
                out[uid] = Transition(status)
        return out

    @staticmethod
    def _actionable(s: Session, occurrence_uid: str) -> OccurrenceRow:
        row = s.get(OccurrenceRow, occurrence_uid)
        if row is None:
            raise StoreError([Problem(f"không có nhiệm vụ mã '{occurrence_uid}'", field="occurrence")])
        if row.kind not in ACTIONABLE:
            raise StoreError([Problem(f"'{row.title}' là mục thông tin, không phải việc phải gửi", field="occurrence")])
        return row

    @staticmethod
    def _forget_submission(s: Session, row: OccurrenceRow) -> None:
        existing = s.scalars(select(SubmissionRow).where(SubmissionRow.occurrence_uid == row.uid)).first()
        if existing is not None:
            s.delete(existing)


def _entry(r: StatusChangeRow) -> HistoryEntry:
    return HistoryEntry(r.id, r.occurrence_uid, r.unit_id, Transition(r.status),
                        Transition(r.previous) if r.previous else None, r.received, r.document_number or "",
                        r.note or "", r.reason or "", r.file_sha256, r.file_name, r.source, r.corrects, r.changed_on)
