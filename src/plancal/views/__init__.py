"""The coordinator's views: tables and Markdown reports the flows publish as Prefect artifacts."""


from plancal.views.cells import duty_label, plan_file_label, plan_title
from plancal.views.conferences import conference_groups, conferences_active, conferences_markdown
from plancal.views.dashboard import ENDED_AFTER_DAYS, current_plans, dashboard_markdown, late_all_markdown, week_markdown
from plancal.views.export import status_xlsx
from plancal.views.keys import (
    DASHBOARD_KEY,
    DUE_WEEK_KEY,
    LATE_ALL_KEY,
    THEMES_KEY,
    artifact_key,
    artifact_url,
    collection_key,
    conferences_key,
    consolidated_key,
    due_soon_key,
    late_key,
    status_key,
    sub_plans_key,
)
from plancal.views.reports import collection_rows, consolidated_report
from plancal.views.status import BUCKET_LABEL, DUE_SOON_DAYS, MAX_ROWS, STATUS_ROWS, due_soon_markdown, late_markdown, status_rows
from plancal.views.subplans import sub_plan_rows, sub_plan_summary
from plancal.views.themes import has_themes, themes_markdown

__all__ = [
    "BUCKET_LABEL",
    "DASHBOARD_KEY",
    "DUE_SOON_DAYS",
    "DUE_WEEK_KEY",
    "LATE_ALL_KEY",
    "MAX_ROWS",
    "STATUS_ROWS",
    "THEMES_KEY",
    "artifact_key",
    "artifact_url",
    "collection_key",
    "collection_rows",
    "conference_groups",
    "conferences_active",
    "conferences_key",
    "conferences_markdown",
    "consolidated_key",
    "consolidated_report",
    "current_plans",
    "ENDED_AFTER_DAYS",
    "dashboard_markdown",
    "due_soon_key",
    "due_soon_markdown",
    "duty_label",
    "has_themes",
    "late_key",
    "late_all_markdown",
    "late_markdown",
    "plan_file_label",
    "plan_title",
    "status_key",
    "status_rows",
    "status_xlsx",
    "sub_plan_rows",
    "sub_plan_summary",
    "sub_plans_key",
    "themes_markdown",
    "week_markdown",
]
