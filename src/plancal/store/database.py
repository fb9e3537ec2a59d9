"""The store: units, plans, occurrences, submissions, feed tokens and the delivery log.

SQLAlchemy 2 on SQLite (embedded default) or PostgreSQL (production), schema managed by Alembic.
Issuing the same plan twice changes nothing; issuing an amended plan keeps the status of unchanged
occurrences, marks removed ones cancelled (kept, not deleted) and adds new ones. Timestamps that
reach calendar feeds (``modified_at``) come from the data — the plan's revision date, the date a
submission was received — never from the wall clock, so feeds are reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import (
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from plancal.errors import Problem, StoreError
from plancal.plans.loading import LoadedPlan
from plancal.schedule.expansion import recipients
from plancal.schedule.occurrence import Occurrence
from plancal.store.tables import (
    Base,
    FeedRow,
    OccurrenceRow,
    PlanRow,
    SubmissionRow,
    UnitRow,
    _naive_utc,
    new_token,
    vn_midnight_utc,
)
from plancal.units.directory import Directory, Unit


@dataclass(frozen=True)
class IssueResult:
    plan_id: str
    added: int = 0
    changed: int = 0
    cancelled: int = 0
    unchanged: int = 0
    units_added: int = 0

    @property
    def nothing_changed(self) -> bool:
        return not (self.added or self.changed or self.cancelled or self.units_added)


@dataclass(frozen=True)
class Submission:
    occurrence_uid: str
    unit_id: str
    received: date
    note: str = ""


_OCC_FIELDS = ("plan_id", "kind", "source_id", "unit_id", "period_key", "period_label", "window_start",
               "due_stated", "due_effective", "title", "detail", "to_unit_id", "quota", "pilot", "peak")


class Store:
    """All database access goes through here. Create with :func:`open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_factory = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.session_factory() as s:
            try:
                yield s
                s.commit()
            except SQLAlchemyError as exc:
                s.rollback()
                raise StoreError(f"cơ sở dữ liệu từ chối thao tác: {exc.__class__.__name__}: {exc.args[0]}",
                                 hint="kiểm tra PLANCAL_DATABASE_URL và chạy 'plancal db upgrade'") from exc
            except BaseException:
                s.rollback()
                raise

    # -- units ------------------------------------------------------------------------------
    def import_units(self, units: Iterable[Unit]) -> tuple[int, int]:
        """Upsert units; keeps existing feed tokens. Returns (added, updated)."""
        units = list(units)
        added = updated = 0
        with self.session() as s:
            existing = {r.id: r for r in s.scalars(select(UnitRow).where(UnitRow.id.in_([u.id for u in units])))}
            for u in units:
                row = existing.get(u.id)
                if row is None:
                    s.add(UnitRow(id=u.id, name=u.name, kind=u.kind, parent_id=u.parent, emails=list(u.emails),
                                  feed_token=new_token()))
                    added += 1
                elif (row.name, row.kind, row.parent_id, list(row.emails or [])) != \
                        (u.name, u.kind, u.parent, list(u.emails)):
                    row.name, row.kind, row.parent_id, row.emails = u.name, u.kind, u.parent, list(u.emails)
                    updated += 1
        return added, updated

    def directory(self) -> Directory:
        with self.session() as s:
            return Directory(r.to_unit() for r in s.scalars(select(UnitRow)))

    def unit_rows(self) -> list[UnitRow]:
        with self.session() as s:
            return list(s.scalars(select(UnitRow).order_by(UnitRow.id)))

    def unit_row(self, unit_id: str) -> UnitRow | None:
        with self.session() as s:
            return s.get(UnitRow, unit_id)

    def unit_by_token(self, token: str) -> UnitRow | None:
        with self.session() as s:
            return s.scalars(select(UnitRow).where(UnitRow.feed_token == token)).first()

    def rotate_token(self, unit_id: str) -> str:
        token = new_token()
        with self.session() as s:
            row = s.get(UnitRow, unit_id)
            if row is None:
                raise StoreError([Problem(f"không có đơn vị '{unit_id}'", field="unit",
                                          hint="xem danh sách bằng 'plancal units list'")])
            row.feed_token = token
        return token

    # -- plans ------------------------------------------------------------------------------
    def issue(self, loaded: LoadedPlan, occurrences: Sequence[Occurrence]) -> IssueResult:
        """Store a plan and its occurrences in one transaction (all or nothing)."""
        plan = loaded.plan
        units_added, _ = self.import_units(loaded.directory)
        modified = vn_midnight_utc(plan.revision_date)
        added = changed = cancelled = unchanged = 0
        with self.session() as s:
            prow = s.get(PlanRow, plan.id)
            if prow is not None and prow.digest == loaded.digest:
                n = len(occurrences)
                return IssueResult(plan.id, unchanged=n, units_added=units_added)
            values = dict(number=plan.number, title=plan.title, issuer_id=plan.issuer,
                          standing_agency_id=plan.standing_agency, parent_id=plan.parent, issued=plan.issued,
                          revision_date=plan.revision_date, period_start=plan.start, period_end=plan.end,
                          source_path=str(loaded.path), digest=loaded.digest,
                          recipients=_recipient_ids(loaded))
            if prow is None:
                s.add(PlanRow(id=plan.id, revision=1, **values))
            else:
                for k, v in values.items():
                    setattr(prow, k, v)
                prow.revision += 1
            s.flush()
            existing = {r.uid: r for r in s.scalars(select(OccurrenceRow).where(OccurrenceRow.plan_id == plan.id))}
            seen = set()
            fresh: list[dict[str, object]] = []
            for occ in occurrences:
                seen.add(occ.uid)
                digest = occ.content_hash()
                row = existing.get(occ.uid)
                if row is None:
                    fresh.append(dict(uid=occ.uid, content_hash=digest, status="open", sequence=0, done_on=None,
                                      cancelled_on=None, modified_at=modified, starts_at=_naive_utc(occ.starts_at),
                                      ends_at=_naive_utc(occ.ends_at), audience=list(occ.audience),
                                      **{f: getattr(occ, f) for f in _OCC_FIELDS}))
                    added += 1
                elif row.content_hash != digest or row.status == "cancelled":
                    for f in _OCC_FIELDS:
                        setattr(row, f, getattr(occ, f))
                    row.starts_at, row.ends_at = _naive_utc(occ.starts_at), _naive_utc(occ.ends_at)
                    row.audience = list(occ.audience)
                    row.content_hash = digest
                    if row.status == "cancelled":
                        row.status, row.cancelled_on = "open", None
                    row.sequence += 1
                    row.modified_at = max(modified, row.modified_at)
                    changed += 1
                else:
                    unchanged += 1
            if fresh:  # one executemany, not one ORM object per row
                s.execute(insert(Base.metadata.tables["occurrences"]), fresh)
            for uid, row in existing.items():
                if uid not in seen and row.status != "cancelled":
                    row.status = "cancelled"
                    row.cancelled_on = plan.revision_date
                    row.sequence += 1
                    row.modified_at = max(modified, row.modified_at)
                    cancelled += 1
        return IssueResult(plan.id, added, changed, cancelled, unchanged, units_added)

    def plans(self) -> list[PlanRow]:
        with self.session() as s:
            return list(s.scalars(select(PlanRow).order_by(PlanRow.issued, PlanRow.id)))

    def plan(self, plan_id: str) -> PlanRow | None:
        with self.session() as s:
            return s.get(PlanRow, plan_id)

    # -- occurrences ------------------------------------------------------------------------
    def occurrences(self, *, plan_id: str | None = None, unit_id: str | None = None, start: date | None = None,
                    end: date | None = None, kinds: Iterable[str] | None = None,
                    include_cancelled: bool = False, statuses: Iterable[str] | None = None) -> list[OccurrenceRow]:
        q = select(OccurrenceRow)
        if plan_id:
            q = q.where(OccurrenceRow.plan_id == plan_id)
        if unit_id:
            q = q.where(OccurrenceRow.unit_id == unit_id)
        if start:
            q = q.where(OccurrenceRow.due_effective >= start)
        if end:
            q = q.where(OccurrenceRow.due_effective <= end)
        if kinds is not None:
            q = q.where(OccurrenceRow.kind.in_(list(kinds)))
        if statuses is not None:
            q = q.where(OccurrenceRow.status.in_(list(statuses)))
        elif not include_cancelled:
            q = q.where(OccurrenceRow.status != "cancelled")
        q = q.order_by(OccurrenceRow.due_effective, OccurrenceRow.kind, OccurrenceRow.unit_id, OccurrenceRow.uid)
        with self.session() as s:
            return list(s.scalars(q))

    def find_occurrence(self, plan_id: str, source_id: str, unit_id: str, period_key: str | None = None,
                        ) -> OccurrenceRow:
        q = select(OccurrenceRow).where(OccurrenceRow.plan_id == plan_id, OccurrenceRow.source_id == source_id,
                                        OccurrenceRow.unit_id == unit_id, OccurrenceRow.status != "cancelled")
        if period_key:
            q = q.where(OccurrenceRow.period_key == period_key)
        with self.session() as s:
            rows = list(s.scalars(q.order_by(OccurrenceRow.due_effective)))
        if len(rows) != 1:
            keys = ", ".join(r.period_key for r in rows) or "không có"
            raise StoreError([Problem(
                f"không xác định được nhiệm vụ '{source_id}' của đơn vị '{unit_id}' trong kế hoạch '{plan_id}'"
                + (f" kỳ '{period_key}'" if period_key else "") + f" (tìm thấy {len(rows)}; các kỳ: {keys})",
                field="period", hint="ghi rõ kỳ (period), ví dụ 2021-03, 2021-Q1, 2021-H1, 2021")])
        return rows[0]

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

    # -- feeds ------------------------------------------------------------------------------
    def feed_digests(self) -> dict[str, str]:
        with self.session() as s:
            return {r.name: r.digest for r in s.scalars(select(FeedRow))}

    def save_feed_digests(self, digests: dict[str, str], when: datetime) -> None:
        with self.session() as s:
            for name, digest in digests.items():
                row = s.get(FeedRow, name)
                if row is None:
                    s.add(FeedRow(name=name, digest=digest, written_at=when))
                else:
                    row.digest, row.written_at = digest, when

    def forget_feeds(self, names: Iterable[str]) -> None:
        """Drop the digests of feed files that no longer exist (a rotated token, a removed unit)."""
        names = list(names)
        if not names:
            return
        with self.session() as s:
            s.execute(delete(FeedRow).where(FeedRow.name.in_(names)))


def _recipient_ids(loaded: LoadedPlan) -> list[str]:
    return recipients(loaded, ["@recipients", "@standing-agency", "@issuer"])
