"""What the drafter asks of the layers below: validating a draft, the first dates a ``when`` gives, the
registry of anniversaries, a unit directory from a file or folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from plancal.plans.loading import parse_plan
from plancal.schedule.expansion import expand_plan
from plancal.units.directory import Directory, Unit
from plancal.units.reading import load_directory
from plancal.vn.anniversaries import Anniversary, national

__all__ = ["anniversaries", "first_due_dates", "read_directory", "validate_plan_text"]


def anniversaries() -> list[Anniversary]:
    """The national registry of commemoration days."""
    reg = national()
    keys = reg.keys()
    return [reg[k] for k in keys]


def validate_plan_text(text: str, source: str) -> None:
    """Schema validation only (no unit directory): raises PlanError."""
    parse_plan(text, source)


def first_due_dates(when: dict[str, Any], issued: date, end: date, limit: int = 4) -> list[date]:
    """The first stated due dates of a ``when`` in a plan issued on ``issued`` that runs to ``end``,
    computed by the core expander itself (one throw-away duty, one throw-away unit)."""
    from plancal.plans.model import Plan  # local: only this helper builds a model by hand

    plan = Plan.model_validate({
        "id": "thu", "issuer": "x", "place": "-", "issued": issued, "title": "-",
        "period": {"from": "issue", "to": end}, "standing_agency": "x", "recipients": ["x"],
        "duties": [{"id": "d", "what": "-", "who": ["x"], "when": when}],
    })
    occ = expand_plan(plan, Directory([Unit("x", "x", "x")]), national())
    return sorted({o.due_stated for o in occ if o.kind == "duty"})[:limit]


def read_directory(path: Path) -> Directory:
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return load_directory(files)
