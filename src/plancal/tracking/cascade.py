"""Sub-unit plans (kế hoạch cấp dưới): "Trên cơ sở Kế hoạch này, các … xây dựng kế hoạch".

Every unit a plan names under ``sub_plans`` must issue its own implementing plan by a deadline: that
is a ``sub_plan`` occurrence. A sub-unit plan file names its parent (``parent:``); issuing it
(:func:`plancal.lifecycle.issuance.issue_file`) attaches it to the cascade: the parent's ``sub_plan`` occurrence
for the sub-plan's issuer is recorded as done on the day the sub-plan was issued. Who has issued, who
is due and who is late is read from the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from plancal.errors import PlanError
from plancal.plans.loading import LoadedPlan, load_plan
from plancal.store import PlanRow, Store

SOURCE_ID = "sub-plan"


@dataclass(frozen=True)
class Attachment:
    """Where a sub-unit plan sits under its parent."""

    parent_id: str
    issuer_id: str
    occurrence_uid: str | None  # None: the parent does not ask this issuer for a plan
    done_on: date | None  # the day the parent's sub_plan occurrence was recorded done

    @property
    def expected(self) -> bool:
        return self.occurrence_uid is not None


@dataclass(frozen=True)
class SubPlanStatus:
    """One unit that must issue an implementing plan, as of ``today``."""

    unit_id: str
    due: date
    state: str  # open | due | late | awaited | done | done_late
    received: date | None
    plan_id: str | None  # the attached sub-unit plan, when there is one
    plan_number: str | None
    limit: date | None = None  # the legal limit (late after it); ``due`` is the aim


def attachment(store: Store, loaded: LoadedPlan) -> Attachment | None:
    """Where an issued plan sits in the cascade (:func:`plancal.lifecycle.issuance.issue_file` records the parent's
    sub_plan occurrence as done). None for a plan without ``parent:``."""
    plan = loaded.plan
    if plan.parent is None:
        return None
    rows = [r for r in store.occurrences(plan_id=plan.parent, unit_id=plan.issuer, kinds=["sub_plan"])
            if r.source_id == SOURCE_ID]
    if not rows:
        return Attachment(plan.parent, plan.issuer, None, None)
    return Attachment(plan.parent, plan.issuer, rows[0].uid, rows[0].done_on)


def children(store: Store, plan_id: str) -> dict[str, PlanRow]:
    """Attached sub-unit plans of ``plan_id``, by issuer."""
    return {p.issuer_id: p for p in store.plans() if p.parent_id == plan_id}


def status(store: Store, plan_id: str, today: date) -> list[SubPlanStatus]:
    """Every unit that must issue an implementing plan of ``plan_id``, sorted late first."""
    attached = children(store, plan_id)
    out = []
    for row in store.occurrences(plan_id=plan_id, kinds=["sub_plan"]):
        if row.unit_id is None:
            continue
        child = attached.get(row.unit_id)
        out.append(SubPlanStatus(row.unit_id, row.due_effective, row.state(today), row.done_on,
                                 child.id if child else None, child.display_number if child else None,
                                 row.due_limit))
    order = {"late": 0, "awaited": 1, "due": 2, "open": 3, "done_late": 4, "done": 5}
    return sorted(out, key=lambda s: (order.get(s.state, 5), s.due, s.unit_id))


def _unit_directory(path: Path) -> bool:
    """A unit directory (``units:`` and nothing of a plan) may sit beside the plans that use it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "units" in data and "id" not in data


def pending_files(store: Store, folder: Path) -> list[Path]:
    """Sub-unit plan files in ``folder`` (``*.yaml``, naming a parent) not yet stored as they are now:
    new files and amended ones. Files that do not parse are returned too, so that issuing them reports
    the problem instead of silently skipping them; unit directories beside the plans are not."""
    if not folder.is_dir():
        return []
    stored = {p.id: p.digest for p in store.plans()}
    directory = store.directory()
    out = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            loaded = load_plan(path, directory)
        except PlanError:
            if not _unit_directory(path):
                out.append(path)
            continue
        if loaded.plan.parent is not None and stored.get(loaded.plan.id) != loaded.digest:
            out.append(path)
    return out
