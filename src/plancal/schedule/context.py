"""One expansion in progress: resolving selectors to units and adding occurrences."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from plancal.plans.model import Duty, KindSelector, Plan
from plancal.schedule.occurrence import DateSource, Kind, Occurrence, Relation, occurrence_uid
from plancal.units.directory import Directory
from plancal.vn.anniversaries import Registry
from plancal.vn.periods import Period, last_day
from plancal.vn.workdays import WorkCalendar


@dataclass
class Expansion:
    """One expansion in progress: the plan, its units, the anniversaries, the work calendar and time zone,
    and the occurrences found so far."""

    plan: Plan
    directory: Directory
    registry: Registry
    work: WorkCalendar
    tz: ZoneInfo
    out: list[Occurrence] = field(default_factory=list)
    #: due dates per duty id (see :func:`plancal.schedule.duties.due_dates`)
    due_cache: dict[str, list[tuple[Period, date]]] = field(default_factory=dict)
    _duties: dict[str, Duty] = field(default_factory=dict)

    def duty(self, duty_id: str) -> Duty:
        if not self._duties:
            self._duties = {d.id: d for d in self.plan.duties}
        return self._duties[duty_id]
    _requested_units: frozenset[str] | None = None

    # -- units ------------------------------------------------------------------------------
    @property
    def scope(self) -> str:
        return self.plan.scope or self.plan.issuer

    def resolve(self, selectors: Iterable[str | KindSelector], holder: str | None = None) -> list[str]:
        found: list[str] = []
        for sel in selectors:
            if isinstance(sel, KindSelector):
                found.extend(self.directory.of_kind(sel.kind, sel.under or self.scope))
            elif sel == "@recipients":
                found.extend(self.resolve([s for s in self.plan.recipients if s != "@recipients"]))
            elif sel == "@standing-agency":
                found.append(self.plan.standing_agency)
            elif sel == "@issuer":
                found.append(self.plan.issuer)
            elif sel == "@holder":
                if holder:
                    found.append(holder)
            else:
                found.append(sel)
        return list(dict.fromkeys(found))

    def relation(self, unit_id: str | None, request: bool | None = None) -> Relation:
        """Assigned ("giao") to the issuer or a unit under it; requested ("đề nghị") of any other body, or
        wherever the plan says ``request``."""
        if request is not None:
            return Relation.REQUESTED if request else Relation.ASSIGNED
        if unit_id is not None and unit_id in self._requested():
            return Relation.REQUESTED
        if unit_id is None or unit_id == self.plan.issuer:
            return Relation.ASSIGNED
        if unit_id in self.directory and self.plan.issuer in self.directory.ancestors(unit_id):
            return Relation.ASSIGNED
        return Relation.REQUESTED

    def _requested(self) -> frozenset[str]:
        if self._requested_units is None:
            self._requested_units = frozenset(self.resolve(self.plan.requested))
        return self._requested_units

    def requested(self, spec: bool | list[str | KindSelector] | None, unit_id: str) -> bool | None:
        """A plan's ``request`` for one unit: true, false, or None (derive from the directory)."""
        if isinstance(spec, list):
            return True if unit_id in self.resolve(spec) else None
        return spec

    def add(self, *, kind: Kind, source_id: str, unit_id: str | None, period: Period, due: date,
            title: str, shift: str | None = None, grace: str | None = None, set_by: str = "plan",
            request: bool | None = None, floor: date | None = None, **extra: object) -> Occurrence:
        """Add an occurrence whose stated limit is ``due`` (the last day allowed). The aim is the last
        working day on or before it, not before ``floor`` (default: the period's first day); the legal limit
        is ``due``, or with Civil Code art. 148(5) the next working day, never past the period's end.

        Nothing is owed before the plan existed: an item whose limit precedes the issue date is dropped
        (returned, not kept), and so is an item a unit would owe to itself."""
        shift = shift or self.plan.defaults.shift
        with_grace = shift == "next" or (grace or self.plan.defaults.grace) == "civil-code-148"
        start = min(period.start, due)
        aim = due if shift == "none" else self.work.aim(due, max(floor or start, start))
        ceiling = period.end if due <= period.end else last_day(due.year, due.month)
        limit = self.work.limit(due, with_grace, ceiling) if shift != "none" else due
        occ = Occurrence(
            uid=occurrence_uid(self.plan.id, kind, source_id, unit_id, period.key), plan_id=self.plan.id,
            kind=kind, source_id=source_id, unit_id=unit_id, period_key=period.key, period_label=period.label,
            window_start=start, due_stated=due, due_effective=aim, due_limit=limit, title=title,
            what=str(extra.pop("what", title)), date_source=DateSource(set_by),
            relation=self.relation(unit_id, request),
            agency_own=unit_id is not None and unit_id == self.plan.standing_agency,
            **extra)  # type: ignore[arg-type]
        if due < self.plan.issued:
            return occ  # passed before the plan existed: nobody owes it, nobody is shown it
        if unit_id is not None and occ.to_unit_id == unit_id:
            return occ  # the standing agency does not owe itself
        self.out.append(occ)
        return occ

    # -- themes and anniversaries -----------------------------------------------------------------
    def years(self) -> range:
        return range(self.plan.start.year, self.plan.end.year + 1)


def once(period: Period) -> Period:
    """The same dates under the identity key of a one-off item."""
    return Period(period.start, period.end, period.frequency, "once")
