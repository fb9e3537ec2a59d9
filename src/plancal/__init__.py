"""plancal: turn a Vietnamese government plan (kế hoạch) into a running calendar.

The public API, loaded on first use (``import plancal`` stays cheap)::

    loaded = plancal.load_plan(Path("plans/003-an-giang-2021.yaml"))
    occurrences = plancal.expand(loaded)
    store = plancal.open_store(plancal.Settings.from_env().db_url)
    plancal.issue_file(store, Path("plans/003-an-giang-2021.yaml"))
    plancal.export_feeds(store, settings, today)

The layers below it are described in docs/architecture.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = {
    "PlancalError": "plancal.errors",
    "PlanError": "plancal.errors",
    "UnitError": "plancal.errors",
    "StoreError": "plancal.errors",
    "DeliveryError": "plancal.errors",
    "FeedError": "plancal.errors",
    "Problem": "plancal.errors",
    "Settings": "plancal.settings",
    "Directory": "plancal.units.directory",
    "Unit": "plancal.units.directory",
    "load_directory": "plancal.units.reading",
    "Plan": "plancal.plans.model",
    "LoadedPlan": "plancal.plans.loading",
    "load_plan": "plancal.plans.loading",
    "Occurrence": "plancal.schedule.occurrence",
    "Kind": "plancal.schedule.occurrence",
    "State": "plancal.schedule.occurrence",
    "expand": "plancal.schedule.expansion",
    "Store": "plancal.store",
    "Submission": "plancal.store",
    "open_store": "plancal.store",
    "export_feeds": "plancal.feeds.export",
    "Letter": "plancal.mail.letters",
    "send_daily": "plancal.mail.daily",
    "check_file": "plancal.lifecycle.issuance",
    "issue_file": "plancal.lifecycle.issuance",
}
__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'plancal' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
