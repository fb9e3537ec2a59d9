"""Issuing a plan file: validate against the stored unit directory, expand, store — all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from plancal.errors import PlanError, Problem
from plancal.plans.loading import LoadedPlan, load_plan
from plancal.schedule.expansion import expand, recipients
from plancal.schedule.occurrence import Kind, Occurrence
from plancal.settings import DEFAULT_TIMEZONE
from plancal.store import IssueResult, Store, Submission


@dataclass(frozen=True)
class Issued:
    loaded: LoadedPlan
    occurrences: list[Occurrence]
    result: IssueResult


def check_file(path: Path, store: Store | None = None, *, tz: ZoneInfo | str = DEFAULT_TIMEZONE) -> LoadedPlan:
    """Validate a plan file (and expand it in the plans' time zone ``tz``, ``settings.tz``, so that impossible
    schedules surface too)."""
    loaded = load_plan(path, store.directory() if store is not None else None)
    expand(loaded, tz=tz)
    return loaded


def issue_file(store: Store, path: Path, *, tz: ZoneInfo | str = DEFAULT_TIMEZONE) -> Issued:
    """Validate, expand (times of day in ``tz``, ``settings.tz``) and store one plan. A plan that fails
    validation stores nothing."""
    loaded = load_plan(path, store.directory())
    occurrences = expand(loaded, tz=tz)
    if loaded.plan.parent and store.plan(loaded.plan.parent) is None:
        raise PlanError([Problem(f"kế hoạch cấp trên '{loaded.plan.parent}' chưa được ban hành trong hệ thống",
                                 file=str(path), field="parent", hint="ban hành kế hoạch cấp trên trước")])
    result = store.issue(loaded, occurrences, recipients(loaded, ["@recipients", "@standing-agency", "@issuer"]))
    if loaded.plan.parent:
        attach_to_parent(store, loaded)
    return Issued(loaded, occurrences, result)


def attach_to_parent(store: Store, loaded: LoadedPlan) -> bool:
    """A sub-unit plan fulfils its issuer's "xây dựng kế hoạch" duty in the parent plan, on its issue date.
    Returns False when the parent asks no sub-plan of this issuer (the cascade still records the parent)."""
    plan = loaded.plan
    rows = [r for r in store.occurrences(plan_id=plan.parent, unit_id=plan.issuer, kinds=[Kind.SUB_PLAN])]
    if not rows:
        return False
    note = f"{plan.display_number}: {plan.title}"
    store.record_submission(Submission(rows[0].uid, plan.issuer, plan.issued, note))
    return True
