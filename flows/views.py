"""The coordinator's view in the Prefect UI: artifacts with stable keys, one new version per run.

The tables and reports are built by :mod:`plancal.report` (Vietnamese); these tasks only publish them.
One task per plan.
"""

from __future__ import annotations

from datetime import date

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.runtime import Context, work_task
from plancal import views
from plancal.store import PlanRow
from plancal.vn.dates import short


@work_task(task_run_name="publish views of {plan.id}")
def publish_plan_views(ctx: Context, plan: PlanRow, today: date) -> list[str]:
    """Units × duties (on time / late / missing), due in the next 14 days, who is late."""
    store = ctx.store
    keys = [views.status_key(plan.id), views.due_soon_key(plan.id), views.late_key(plan.id)]
    create_table_artifact(
        views.status_rows(store, plan.id, today), key=keys[0],
        description=f"Tình hình thực hiện {plan.display_number} đến ngày {short(today)}: đơn vị × nhiệm vụ "
                    f"(đúng hạn / muộn / chưa nộp / chưa đến hạn)")
    create_markdown_artifact(views.due_soon_markdown(store, plan, today), key=keys[1],
                             description=f"{plan.display_number}: việc đến hạn trong 14 ngày tới, từ {short(today)}")
    create_markdown_artifact(views.late_markdown(store, plan, today), key=keys[2],
                             description=f"{plan.display_number}: đơn vị chậm thực hiện, ngày {short(today)}")
    return keys


@work_task(task_run_name="publish dashboard {today}")
def publish_dashboard(ctx: Context, today: date, run_label: str = "") -> str:
    """One page over every plan: the coordinators' dashboard."""
    create_markdown_artifact(views.dashboard_markdown(ctx.store, today, run_label=run_label), key=views.DASHBOARD_KEY,
                             description=f"Tổng quan thực hiện các kế hoạch, ngày {short(today)}")
    return views.DASHBOARD_KEY
