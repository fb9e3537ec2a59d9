"""Plans, and issuing them: an amended plan keeps the status of unchanged occurrences, marks removed
ones cancelled (kept, not deleted) and adds new ones — except those whose stated limit precedes the
amendment date (``amended:``): nobody owes what was added after its day had passed. Issuing the same
plan twice changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select

from plancal.plans.loading import LoadedPlan
from plancal.schedule.occurrence import ACTIONABLE, Occurrence
from plancal.store.submissions import Transition, log_change
from plancal.store.tables import Base, OccurrenceRow, PlanRow, _naive_utc, vn_midnight_utc
from plancal.store.units import Units


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


_OCC_FIELDS = ("plan_id", "kind", "source_id", "unit_id", "period_key", "period_label", "window_start",
               "due_stated", "due_effective", "title", "detail", "to_unit_id", "quota", "pilot", "peak", "what",
               "cycle", "data_from", "data_to", "cutoff", "conference_uid", "due_limit", "date_source", "relation",
               "agency_own", "also_to", "alternatives", "tentative")


class Plans(Units):
    def issue(self, loaded: LoadedPlan, occurrences: Sequence[Occurrence], recipients: Sequence[str] = ()) -> IssueResult:
        """Store a plan and its occurrences in one transaction (all or nothing). ``recipients``: the unit ids
        the plan is sent to (its recipients, standing agency and issuer), as the schedule resolved them."""
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
                          recipients=list(recipients), doc_type=plan.type, issued_known=plan.issued_known)
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
            # an amendment owes nothing before it was made: what it adds for periods already closed is dropped
            amended_on = plan.amended if existing and plan.amended else None
            for occ in occurrences:
                digest = occ.content_hash()
                row = existing.get(occ.uid)
                if row is None and amended_on and occ.kind in ACTIONABLE and occ.due_stated < amended_on:
                    continue
                seen.add(occ.uid)
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
                        log_change(s, row, Transition.PENDING, source="plan", changed_on=plan.revision_date,
                                   reason="kế hoạch sửa đổi đưa lại nhiệm vụ này")
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
                    log_change(s, row, Transition.CANCELLED, source="plan", changed_on=plan.revision_date,
                               reason="kế hoạch sửa đổi bỏ nhiệm vụ này")
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
