"""One expansion in progress: resolving selectors to units and adding occurrences."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from plancal.plans.model import Duty, KindSelector, Plan
from plancal.schedule.occurrence import Kind, Occurrence, occurrence_uid
from plancal.units.directory import Directory
from plancal.vn.anniversaries import Registry
from plancal.vn.periods import Period
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

    def add(self, *, kind: Kind, source_id: str, unit_id: str | None, period: Period, due: date,
            title: str, shift: str | None = None, **extra: object) -> Occurrence:
        effective = self.work.effective(due, shift or self.plan.defaults.shift)  # type: ignore[arg-type]
        occ = Occurrence(
            uid=occurrence_uid(self.plan.id, kind, source_id, unit_id, period.key), plan_id=self.plan.id,
            kind=kind, source_id=source_id, unit_id=unit_id, period_key=period.key, period_label=period.label,
            window_start=min(period.start, due), due_stated=due, due_effective=effective, title=title,
            what=str(extra.pop("what", title)), **extra)  # type: ignore[arg-type]
        self.out.append(occ)
        return occ

    # -- themes and anniversaries -----------------------------------------------------------------
    def years(self) -> range:
        return range(self.plan.start.year, self.plan.end.year + 1)


def once(period: Period) -> Period:
    """The same dates under the identity key of a one-off item."""
    return Period(period.start, period.end, period.frequency, "once")
