"""Schedule expansion: plan + unit directory → occurrences. Pure and deterministic.

Nothing here reads the clock, the environment or the database: the work calendar and the time zone
come in as arguments, so the same inputs always give the same occurrences with the same ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from plancal.collector import collector_paused
from plancal.plans.loading import LoadedPlan
from plancal.plans.model import KindSelector, Plan, PlanPeriod
from plancal.schedule.conferences import conferences
from plancal.schedule.context import Expansion
from plancal.schedule.duties import duties, sub_plans
from plancal.schedule.lifetimes import Dropped, follow_units
from plancal.schedule.milestones import milestones
from plancal.schedule.occurrence import KINDS, Occurrence
from plancal.schedule.reports import reports
from plancal.schedule.themes import anniversaries, themes
from plancal.settings import DEFAULT_TIMEZONE
from plancal.units.directory import Directory
from plancal.vn.anniversaries import Registry
from plancal.vn.workdays import WorkCalendar


def recipients(loaded: LoadedPlan, selectors: Iterable[str | KindSelector]) -> list[str]:
    """Unit ids a list of selectors names in this plan (e.g. ``["@recipients"]``)."""
    ex = Expansion(loaded.plan, loaded.directory, loaded.registry, WorkCalendar(), ZoneInfo(DEFAULT_TIMEZONE))
    return ex.resolve(selectors)


def expand(loaded: LoadedPlan, work: WorkCalendar | None = None, tz: ZoneInfo | str = DEFAULT_TIMEZONE,
           horizon: date | None = None, *, notes: list[Dropped] | None = None) -> list[Occurrence]:
    """Every occurrence of a plan, sorted by due date then kind, unit and source; times of day in ``tz``
    (``settings.tz``). ``horizon``: the last day expanded for an open-ended plan (``period.to: null``;
    default :data:`plancal.plans.model.DEFAULT_HORIZON_YEARS` after its start); ignored for a plan with an end.
    Occurrences of units that ended go to their successors; those nobody owes are left out and, if ``notes``
    is a list, noted in it."""
    return expand_plan(loaded.plan, loaded.directory, loaded.registry, work, tz, horizon, notes=notes)


def expand_plan(plan: Plan, directory: Directory, registry: Registry, work: WorkCalendar | None = None,
                tz: ZoneInfo | str = DEFAULT_TIMEZONE, horizon: date | None = None, *,
                notes: list[Dropped] | None = None) -> list[Occurrence]:
    if plan.open_ended and horizon is not None:
        plan = plan.model_copy(update={"period": PlanPeriod.model_validate({"from": plan.period.from_,
                                                                            "to": max(horizon, plan.start)})})
    if work is None:
        work = WorkCalendar(plan.holidays.extra_off, plan.holidays.extra_work)
    ex = Expansion(plan, directory, registry, work, tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz))
    with collector_paused():
        sub_plans(ex)
        duties(ex)
        reports(ex)
        conferences(ex)
        anniversaries(ex, themes(ex))
        milestones(ex)
        seen: dict[str, Occurrence] = {}
        for occ in follow_units(ex.out, directory, notes):
            seen.setdefault(occ.uid, occ)  # a unit named twice by overlapping selectors gets one occurrence
        rank = {kind: i for i, kind in enumerate(KINDS)}
        return sorted(seen.values(), key=lambda o: (o.due_effective, rank[o.kind], o.unit_id or "", o.source_id,
                                                     o.period_key))
