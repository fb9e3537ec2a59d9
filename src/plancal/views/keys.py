"""Artifact keys: stable, lowercase, so each run publishes a new version of the same artifact."""

from __future__ import annotations

import unicodedata

from plancal.tracking.windows import ReportWindow

DASHBOARD_KEY = "dashboard"


THEMES_KEY = "monthly-themes"


#: every plan's items due this week, and every late item with the unit's contact: a click from the dashboard
DUE_WEEK_KEY = "due-this-week"


LATE_ALL_KEY = "late-all-plans"


def artifact_url(ui_url: str, key: str) -> str:
    """The Prefect UI's page of the latest version of an artifact."""
    return f"{ui_url.rstrip('/')}/artifacts/key/{key}"





# -- keys and names --------------------------------------------------------------------------------
def artifact_key(*parts: str) -> str:
    """``artifact_key("ag-2021", "2021-H1", "status")`` → "ag-2021-2021-h1-status": lowercase letters,
    digits and dashes only (diacritics dropped), as Prefect requires."""
    text = "-".join(parts).replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    key = "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in text).split())
    if not key:
        raise ValueError(f"no artifact key can be made of {parts!r}")
    return key


def status_key(plan_id: str) -> str:
    return artifact_key(plan_id, "status")


def due_soon_key(plan_id: str) -> str:
    return artifact_key(plan_id, "due-14-days")


def late_key(plan_id: str) -> str:
    return artifact_key(plan_id, "late")


def sub_plans_key(plan_id: str) -> str:
    return artifact_key(plan_id, "sub-plans")


def conferences_key(plan_id: str) -> str:
    return artifact_key(plan_id, "conferences")


def collection_key(window: ReportWindow) -> str:
    return artifact_key(window.plan.id, window.reports[0].source_id, window.period_key, "collection")


def consolidated_key(window: ReportWindow) -> str:
    return artifact_key(window.plan.id, window.reports[0].source_id, window.period_key, "consolidated")
