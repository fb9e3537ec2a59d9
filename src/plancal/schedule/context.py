"""One expansion in progress: resolving selectors to units and adding occurrences."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from plancal.plans.model import Duty, KindSelector, Plan
from plancal.schedule.occurrence import DateSource, Kind, Occurrence, Relation, uid_maker
from plancal.units.directory import Directory
from plancal.vn.anniversaries import Registry
from plancal.vn.periods import Period, last_day
from plancal.vn.workdays import WorkCalendar

_DATE_SOURCES = {source.value: source for source in DateSource}
#: the fields of an occurrence after its title, and their defaults
_TAIL = {f.name: f.default for f in fields(Occurrence)[[f.name for f in fields(Occurrence)].index("title") + 1:]}
assert all(v is not MISSING for v in _TAIL.values())


def _occurrence_tail(**values: object) -> tuple[Any, ...]:
    """The values of the fields of an occurrence after its title, in their order: ``values``, else defaults."""
    unknown = values.keys() - _TAIL.keys()
    if unknown:
        raise TypeError(f"Occurrence has no field {', '.join(sorted(unknown))}")
    return tuple((_TAIL | values).values())


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
    #: (window start, aim, legal limit) by the arguments of :meth:`add` they come from (see :meth:`_aim_and_limit`)
    _dates: dict[tuple[object, ...], tuple[date, date, date]] = field(default_factory=dict)
    #: what :meth:`relation` derives for each unit from the directory
    _relations: dict[str | None, Relation] = field(default_factory=dict)

    def duty(self, duty_id: str) -> Duty:
        if not self._duties:
            self._duties = {d.id: d for d in self.plan.duties}
        return self._duties[duty_id]
    _requested_units: frozenset[str] | None = None

    # -- units ------------------------------------------------------------------------------
    @property
    def scope(self) -> str:
        return self.plan.scope or self.plan.issuer

    def resolve(self, selectors: Iterable[str | KindSelector], holder: str | None = None,
                exclude: Iterable[str] = ()) -> list[str]:
        """Unit ids the selectors name, in order, without those in ``exclude`` ("trừ …") or in a kind
        selector's own ``except``."""
        found: list[str] = []
        for sel in selectors:
            if isinstance(sel, KindSelector):
                left_out = set(sel.except_)
                found.extend(u for u in self.directory.of_kind(sel.kind, sel.under or self.scope) if u not in left_out)
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
        excluded = set(exclude)
        return [u for u in dict.fromkeys(found) if u not in excluded]

    def relation(self, unit_id: str | None, request: bool | None = None) -> Relation:
        """Assigned ("giao") to the issuer or a unit under it; requested ("đề nghị") of any other body, or
        wherever the plan says ``request``."""
        if request is not None:
            return Relation.REQUESTED if request else Relation.ASSIGNED
        found = self._relations.get(unit_id)
        if found is None:  # a unit owes many items: its place in the directory is looked at once
            found = self._relations[unit_id] = self._derived_relation(unit_id)
        return found

    def _derived_relation(self, unit_id: str | None) -> Relation:
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
            request: bool | None = None, floor: date | None = None, aim: date | None = None,
            tentative: bool = False, to_unit_id: str | None = None, also_to: Iterable[str] = (),
            what: str | None = None, **extra: object) -> Occurrence:
        """Add an occurrence whose stated limit is ``due`` (the last day allowed). The aim is the last
        working day on or before it, not before ``floor`` (default: the period's first day); the legal limit
        is ``due``, or with Civil Code art. 148(5) the next working day, never past the period's end.

        ``aim`` fixes the aim itself (a conference's holding date, before the window's end); ``tentative``
        ("dự kiến") marks the title. Of several recipients (``to_unit_id`` and ``also_to``) a unit is not its
        own.

        Nothing is owed before the plan existed: an item whose limit precedes the issue date is dropped
        (returned, not kept), and so is an item a unit would owe to itself alone."""
        return self.add_each(((period, due),), kind=kind, source_id=source_id, unit_id=unit_id, title=title,
                             shift=shift, grace=grace, set_by=set_by, request=request, floor=floor, aim=aim,
                             tentative=tentative, to_unit_id=to_unit_id, also_to=also_to, what=what, **extra)[0]

    def add_each(self, dates: Iterable[tuple[Period, date]], *, kind: Kind, source_id: str, unit_id: str | None,
                 title: str, shift: str | None = None, grace: str | None = None, set_by: str = "plan",
                 request: bool | None = None, floor: date | None = None, aim: date | None = None,
                 tentative: bool = False, to_unit_id: str | None = None, also_to: Iterable[str] = (),
                 what: str | None = None, **extra: object) -> list[Occurrence]:
        """:meth:`add` of the same item for each (period, stated limit) of ``dates`` in turn (a duty of one
        unit in every period: what does not depend on the period is worked out once). Returns every
        occurrence made, kept or dropped."""
        if tentative:
            title += " (dự kiến)"
        to_all = [u for u in (to_unit_id, *also_to) if u]
        to_others = [u for u in to_all if u != unit_id]
        if to_all and not to_others:
            to_others = to_all  # owed to itself alone: dropped below
        plan = self.plan
        plan_id, issued = plan.id, plan.issued
        to_unit = to_others[0] if to_others else None
        # the fields after the title, the same for every period, in their order (positional: a national plan
        # makes 60,000)
        tail = _occurrence_tail(what=title if what is None else what, date_source=_DATE_SOURCES[set_by],
                                relation=self.relation(unit_id, request),
                                agency_own=unit_id is not None and unit_id == plan.standing_agency,
                                to_unit_id=to_unit, also_to=tuple(to_others[1:]), tentative=tentative, **extra)
        dropped = unit_id is not None and to_unit == unit_id  # the standing agency does not owe itself
        uid = uid_maker(plan_id, kind, source_id, unit_id)
        known = self._dates
        made = []
        for period, due in dates:
            key = (period.start, period.end, due, shift, grace, floor, aim)
            found = known.get(key)
            if found is None:  # the same for every unit that owes the item: worked out once
                found = known[key] = self._aim_and_limit(period, due, shift, grace, floor, aim)
            start, aim_on, limit = found
            occ = Occurrence(uid(period.key), plan_id, kind, source_id, unit_id, period.key, period.label, start,
                             due, aim_on, limit, title, *tail)
            made.append(occ)
            if not dropped and due >= issued:  # passed before the plan existed: nobody owes it, nobody is shown it
                self.out.append(occ)
        return made

    def _aim_and_limit(self, period: Period, due: date, shift: str | None, grace: str | None, floor: date | None,
                       aim: date | None) -> tuple[date, date, date]:
        """(window start, aim, legal limit) of an item of ``period`` whose stated limit is ``due`` (see
        :meth:`add`): the period's first and last days are all it uses of it."""
        shift = shift or self.plan.defaults.shift
        with_grace = shift == "next" or (grace or self.plan.defaults.grace) == "civil-code-148"
        start = min(period.start, due)
        if aim is None:
            aim = due if shift == "none" else self.work.aim(due, max(floor or start, start))
        ceiling = period.end if due <= period.end else last_day(due.year, due.month)
        limit = self.work.limit(due, with_grace, ceiling) if shift != "none" else due
        return start, aim, limit

    def name(self, unit_id: str) -> str:
        unit = self.directory.get(unit_id)
        return unit.name if unit else unit_id

    # -- themes and anniversaries -----------------------------------------------------------------
    def years(self) -> range:
        return range(self.plan.start.year, self.plan.end.year + 1)


def once(period: Period) -> Period:
    """The same dates under the identity key of a one-off item."""
    return Period(period.start, period.end, period.frequency, "once")
