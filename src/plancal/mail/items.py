"""What a mail shows: occurrences as items, grouped by unit and plan, with names and addresses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from plancal.mail.leadtimes import limit_of, working_days_late
from plancal.mail.letters import Letter

# -- views handed to the templates -------------------------------------------------------------------
from plancal.store import MarkRow, OccurrenceRow, PlanRow, Store, UnitFacts
from plancal.tracking.status import DATE_SOURCE_LABEL, KIND_LABEL
from plancal.vn.workdays import WorkCalendar


# -- views handed to the templates -------------------------------------------------------------------
class Item(NamedTuple):
    """One occurrence as a mail shows it (a named tuple: a day's digests make thousands)."""

    uid: str
    kind: str
    kind_label: str
    title: str
    what: str  # the title without its period
    detail: str
    plan_id: str
    plan_number: str
    plan_title: str
    unit_id: str
    unit_name: str
    period_label: str
    due: date
    due_stated: date
    days: int  # due - today: negative when late
    to_name: str
    quota: str | None
    status: str
    date_source: str = "plan"  # who set the date: plan | agency
    #: working days after the legal limit (set by the planners that speak of lateness)
    working_late: int = 0

    @property
    def shifted(self) -> bool:
        return self.due != self.due_stated

    @property
    def source_label(self) -> str:
        """"theo kế hoạch" or "do cơ quan thường trực ấn định"."""
        return DATE_SOURCE_LABEL.get(self.date_source, self.date_source)

    @property
    def late_days(self) -> int:
        return -self.days


@dataclass(frozen=True, slots=True)
class UnitBlock:
    unit_id: str
    unit_name: str
    due_today: tuple[Item, ...]
    soon: tuple[Item, ...]
    overdue: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class PlanGroup:
    plan_id: str
    number: str
    title: str
    items: tuple[Item, ...] = ()
    themes: tuple[Item, ...] = ()


@dataclass(frozen=True)
class DutyGroup:
    """A duty of a plan notice: what, to whom, and every date it falls due."""

    kind_label: str
    title: str
    to_name: str
    quota: str | None
    detail: str
    dates: tuple[Item, ...]


@dataclass(frozen=True)
class LateCount:
    """How many late items one unit (or the units under one parent) holds."""

    name: str
    count: int


@dataclass(frozen=True)
class PlanSummary:
    """A plan in the weekly summary: the counts of each list and the top of it (the whole of it when short)."""

    plan_id: str
    number: str
    title: str
    due_this_week: tuple[Item, ...]
    late: tuple[Item, ...]
    done_last_week: tuple[Item, ...]
    open_total: int
    n_due: int
    n_late: int
    n_done: int
    #: the late items counted per unit, or per parent unit (``late_by_parent``) when many units are late
    late_by: tuple[LateCount, ...] = ()
    late_by_parent: bool = False
    #: what the standing agency itself owes (to the issuer, to a central body), due this week or late: a
    #: section of its own, not among the units' items
    own: tuple[Item, ...] = ()

    @property
    def capped(self) -> bool:
        """Whether a list shows only its top (the full lists are attached)."""
        return (self.n_due, self.n_late, self.n_done) != (len(self.due_this_week), len(self.late),
                                                         len(self.done_last_week))


@dataclass
class World:
    """Units and plans by id, read once per planning run."""

    units: dict[str, UnitFacts]
    plans: dict[str, PlanRow]
    #: the working days that lateness is counted in
    work: WorkCalendar = field(default_factory=WorkCalendar)
    #: letter names worked out once per unit (a formal name is found by matching patterns)
    _letter_names: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _emails: dict[tuple[str, date | None], tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    #: a plan's number and title as items show them, once per plan (a plan has thousands of items)
    _plan_heads: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, store: Store, unit_ids: Iterable[str] | None = None) -> World:
        """Every unit and plan; or, for a planner that knows whom its letters speak of, only the units
        ``unit_ids`` names and the plans' standing agencies and issuers, with the parents of all of them."""
        plans = {p.id: p for p in store.plans()}
        if unit_ids is None:
            return cls({u.id: u for u in store.unit_facts()}, plans)
        wanted = {*unit_ids, *(p.standing_agency_id for p in plans.values()), *(p.issuer_id for p in plans.values())}
        units = {u.id: u for u in store.unit_facts(wanted)}
        parents = {u.parent_id for u in units.values() if u.parent_id is not None} - set(units)
        units.update((u.id, u) for u in store.unit_facts(parents))
        return cls(units, plans)

    def name(self, unit_id: str | None) -> str:
        if unit_id is None:
            return ""
        unit = self.units.get(unit_id)
        return unit.name if unit else unit_id

    def letter_name(self, unit_id: str | None) -> str:
        """The unit as letters address it ("UBND xã Hương Lộc"); titles keep :meth:`name`."""
        if unit_id is None:
            return ""
        name = self._letter_names.get(unit_id)
        if name is None:
            unit = self.units.get(unit_id)
            name = self._letter_names[unit_id] = unit.letter_name if unit else unit_id
        return name

    def emails(self, unit_id: str | None, day: date | None = None) -> list[str]:
        """The unit's addresses; none on a ``day`` the unit does not exist (it ended, or has not started)."""
        slot = (unit_id or "", day)
        found = self._emails.get(slot)
        if found is None:
            unit = self.units.get(unit_id or "")
            if unit is None or (day is not None and not unit.exists_on(day)):
                found = ()
            else:
                found = tuple(dict.fromkeys(e.strip().lower() for e in (unit.emails or []) if e.strip()))
            self._emails[slot] = found
        return list(found)

    def active(self, plan_id: str) -> PlanRow | None:
        plan = self.plans.get(plan_id)
        return plan if plan is not None and not plan.closed else None

    def reply_to(self, plan_ids: Iterable[str]) -> tuple[tuple[str, str], ...]:
        """The standing agencies of these plans: where a reply should go."""
        out: list[tuple[str, str]] = []
        for pid in sorted(set(plan_ids)):
            plan = self.plans.get(pid)
            agency = self.units.get(plan.standing_agency_id) if plan else None
            if agency is not None and agency.emails:
                out.append((agency.name, agency.emails[0].strip()))
        return tuple(dict.fromkeys(out))

    def coordinators(self, plan_ids: Iterable[str]) -> tuple[str, ...]:
        out: list[str] = []
        for pid in sorted(set(plan_ids)):
            plan = self.plans.get(pid)
            if plan is not None:
                out.extend(self.emails(plan.standing_agency_id))
        return tuple(dict.fromkeys(out))

    def agencies(self, plan_ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.name(self.plans[p].standing_agency_id) for p in sorted(set(plan_ids))
                                   if p in self.plans))

    def item(self, row: OccurrenceRow | MarkRow, today: date) -> Item:
        head = self._plan_heads.get(row.plan_id)
        if head is None:
            plan = self.plans.get(row.plan_id)
            head = self._plan_heads[row.plan_id] = (plan.display_number, plan.title) if plan else (row.plan_id, "")
        return Item(uid=row.uid, kind=row.kind, kind_label=KIND_LABEL.get(row.kind, row.kind), title=row.title,
                    what=row.what or row.title, detail=row.detail or "", plan_id=row.plan_id,
                    plan_number=head[0], plan_title=head[1],
                    unit_id=row.unit_id or "", unit_name=self.name(row.unit_id), period_label=row.period_label,
                    due=row.due_effective, due_stated=row.due_stated, days=(row.due_effective - today).days,
                    to_name=self.name(row.to_unit_id), quota=row.quota, status=row.state(today),
                    date_source=row.date_source,
                    working_late=_working_late(row, today, self.work))


def work_of(world: World | None) -> WorkCalendar:
    """The working days a planner counts in: its world's, or those :meth:`World.load` would give (so a
    planner can find it has nothing to say before loading every unit and plan)."""
    return world.work if world is not None else WorkCalendar()


def _working_late(row: OccurrenceRow | MarkRow, today: date, work: WorkCalendar) -> int:
    return working_days_late(limit_of(row), today, work)


def _only(letters: Iterable[Letter], recipients: Collection[str] | None) -> list[Letter]:
    if recipients is None:
        return list(letters)
    wanted = {r.strip().lower() for r in recipients}
    return [letter for letter in letters if letter.recipient in wanted]


def _by_plan(items: Iterable[Item], world: World) -> tuple[PlanGroup, ...]:
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        groups[item.plan_id].append(item)
    out = []
    for pid in sorted(groups, key=lambda p: (world.plans[p].issued if p in world.plans else date.min, p)):
        plan = world.plans.get(pid)
        out.append(PlanGroup(pid, plan.display_number if plan else pid, plan.title if plan else "", tuple(groups[pid])))
    return tuple(out)


def _join_names(names: Iterable[str]) -> str:
    return ", ".join(dict.fromkeys(names))
