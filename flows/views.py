"""The coordinator's view in the Prefect UI: artifacts with stable keys, one new version per run.

The tables and reports are built by :mod:`plancal.report` (Vietnamese); these tasks only publish them.
One task per plan.
"""

from __future__ import annotations

from datetime import date

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.settings import PREFECT_UI_URL

from flows.runtime import Context, artifact_prefix, published_key, work_task
from plancal import views
from plancal.store import PlanRow
from plancal.vn.dates import short


@work_task(task_run_name="publish views of {plan.id}")
def publish_plan_views(ctx: Context, plan: PlanRow, today: date) -> list[str]:
    """Units × duties (on time / late / missing), due in the next 14 days, who is late, the .xlsx export.
    Who became missing is recorded in the history first."""
    store = ctx.store
    store.mark_missing(today, plan_id=plan.id)
    keys = [published_key(k) for k in (views.status_key(plan.id), views.due_soon_key(plan.id), views.late_key(plan.id))]
    create_table_artifact(
        views.status_rows(store, plan.id, today), key=keys[0],
        description=f"Tình hình thực hiện {plan.display_number} đến ngày {short(today)}: đơn vị × nhiệm vụ "
                    f"(đúng hạn / muộn / chưa nộp / chưa đến hạn)")
    create_markdown_artifact(views.due_soon_markdown(store, plan, today), key=keys[1],
                             description=f"{plan.display_number}: việc đến hạn trong 14 ngày tới, từ {short(today)}")
    create_markdown_artifact(views.late_markdown(store, plan, today), key=keys[2],
                             description=f"{plan.display_number}: đơn vị chậm thực hiện, ngày {short(today)}")
    path = views.status_xlsx(store, ctx.settings, plan, today)
    xlsx_key = published_key(views.artifact_key(plan.id, "status-xlsx"))
    create_link_artifact(path.resolve().as_uri(), link_text=f"Tải bảng tình hình (.xlsx): {path.name}", key=xlsx_key,
                         description=f"{plan.display_number}: bảng đơn vị × nhiệm vụ dạng Excel, tệp {path}")
    return [*keys, xlsx_key]


def ui_url() -> str:
    return str(PREFECT_UI_URL.value() or "")


@work_task(task_run_name="publish dashboard {today}")
def publish_dashboard(ctx: Context, today: date, run_label: str = "") -> str:
    """One page over every plan, with links to the details, the week's items and the late ones (a
    simulation's dashboard links to the simulation's own artifacts)."""
    ui = ui_url()
    key = published_key(views.DASHBOARD_KEY)
    create_markdown_artifact(views.dashboard_markdown(ctx.store, today, run_label=run_label, ui_url=ui,
                                                      feed_base_url=ctx.settings.feed_base_url, key_prefix=artifact_prefix()),
                             key=key, description=f"Tổng quan thực hiện các kế hoạch, ngày {short(today)}")
    create_markdown_artifact(views.week_markdown(ctx.store, today), key=published_key(views.DUE_WEEK_KEY),
                             description=f"Việc đến hạn tuần này, từ {short(today)}")
    create_markdown_artifact(views.late_all_markdown(ctx.store, today), key=published_key(views.LATE_ALL_KEY),
                             description=f"Việc quá hạn của mọi kế hoạch, ngày {short(today)}, kèm địa chỉ liên hệ")
    return key
