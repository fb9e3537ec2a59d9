"""Sub-unit plans (daily): "Trên cơ sở Kế hoạch này, các … xây dựng kế hoạch". Every recipient named
under a plan's ``sub_plans`` must issue its own implementing plan; this run issues the sub-unit plan
files that arrived in the inbox folder (each names its ``parent:``, which attaches it to the cascade
and marks its issuer's duty done), then shows per plan who has issued, who is due and who is late.
Reminders and escalations for the late ones go out with the daily reminders."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows.issue_plan import issue_plan
from flows.runtime import Context, daily_run_name, open_context, plan_tag, published_key, resolve_today, tag_run, work_task
from plancal import views
from plancal.errors import PlanError, Problem
from plancal.store import PlanRow
from plancal.tracking import cascade
from plancal.vn.dates import short

INBOX = "plans/sub"


@work_task(task_run_name="sub-unit plan files in {inbox}")
def arrived(ctx: Context, inbox: Path) -> list[Path]:
    """Sub-unit plan files new or changed since they were last issued."""
    return cascade.pending_files(ctx.store, inbox)


@work_task(task_run_name="plans asking for sub-unit plans {today}")
def cascading(ctx: Context, today: date) -> list[PlanRow]:
    return [p for p in views.current_plans(ctx.store, today) if ctx.store.occurrences(plan_id=p.id, kinds=["sub_plan"])]


@work_task(task_run_name="publish sub-unit plans of {plan.id}")
def publish_sub_plans(ctx: Context, plan: PlanRow, today: date) -> str:
    statuses = cascade.status(ctx.store, plan.id, today)
    key = published_key(views.sub_plans_key(plan.id))
    create_table_artifact(views.sub_plan_rows(ctx.store, statuses, today), key=key,
                          description=f"{plan.display_number}: kế hoạch cấp dưới, ngày {short(today)}. "
                                      + views.sub_plan_summary(statuses))
    return key


@flow(name="sub-unit-plans", flow_run_name=daily_run_name("sub-unit plans"))
def sub_unit_plans(today: date | None = None, inbox: str | None = INBOX) -> dict[str, Any]:
    """Kế hoạch cấp dưới: nhận kế hoạch các đơn vị đã ban hành (thư mục inbox), theo dõi đơn vị chưa ban hành."""
    log = get_run_logger()
    ctx = open_context()
    day = resolve_today(today, ctx.settings)

    problems: list[Problem] = []
    issued = []
    for path in arrived(ctx, Path(inbox)) if inbox else []:
        state = issue_plan(str(path), day, return_state=True)
        if state.is_failed():
            problems.append(Problem(state.message or "không ban hành được", file=str(path)))
        else:
            issued.append(str(path))
    plans = cascading(ctx, day)
    tag_run(plan_tag(p.id) for p in plans)
    for plan in plans:
        publish_sub_plans(ctx, plan, day)
    log.info("Đã nhận %d kế hoạch cấp dưới; theo dõi %d kế hoạch.", len(issued), len(plans))

    if problems:
        raise PlanError(problems)
    return {"day": day.isoformat(), "issued": issued, "plans": [p.id for p in plans]}
