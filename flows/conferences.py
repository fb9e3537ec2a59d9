"""Conferences (daily): each upcoming conference's preparation steps go to the units that hold it and
prepare it, once per conference, a month before the first step; the coordinators see every conference
of the plan with its milestones, the pilot first (it is held before the others, to learn from it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.mailing import raise_for_mail, send_letters
from flows.runtime import Context, daily_run_name, open_context, plan_tag, published_key, resolve_today, tag_run, work_task
from plancal import mail, views
from plancal.mail.letters import Letter
from plancal.store import PlanRow


@work_task(task_run_name="conference letters {today}")
def conference_letters(ctx: Context, today: date) -> list[Letter]:
    return mail.conference_steps(ctx.store, ctx.settings, today)


@work_task(task_run_name="plans preparing conferences {today}")
def preparing(ctx: Context, today: date) -> list[PlanRow]:
    """Plans with a conference in its preparation period (a month before its first step to a week after)."""
    return [p for p in views.current_plans(ctx.store, today)
            if views.conferences_active(views.conference_groups(ctx.store, p.id), today, mail.CONFERENCE_NOTICE_DAYS)]


@work_task(task_run_name="publish conferences of {plan.id}")
def publish_conferences(ctx: Context, plan: PlanRow, today: date) -> str:
    key = published_key(views.conferences_key(plan.id))
    create_markdown_artifact(views.conferences_markdown(ctx.store, plan, today), key=key,
                             description=f"{plan.display_number}: hội nghị và các bước chuẩn bị, ngày {today:%d/%m/%Y}")
    return key


@flow(name="conferences", flow_run_name=daily_run_name("conferences"))
def conferences(today: date | None = None) -> dict[str, Any]:
    """Hội nghị: gửi các bước chuẩn bị, cập nhật tiến độ chuẩn bị (hội nghị điểm trước)."""
    ctx = open_context()
    day = resolve_today(today, ctx.settings)

    plans = preparing(ctx, day)
    tag_run(plan_tag(p.id) for p in plans)
    mailing = send_letters(ctx, conference_letters(ctx, day), day, "chuẩn bị hội nghị")
    get_run_logger().info(mailing.summary())
    for plan in plans:
        publish_conferences(ctx, plan, day)

    raise_for_mail(mailing)
    return {"day": day.isoformat(), "plans": [p.id for p in plans], "sent": mailing.report.sent}
