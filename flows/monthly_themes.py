"""Monthly themes (on the 1st): the month's propaganda themes and anniversaries to every unit of every
plan in play, and the month's page for the coordinators. A run later in the month's first days
catches up; a rerun sends nothing twice."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.mailing import raise_for_mail, send_letters
from flows.runtime import Context, daily_run_name, open_context, plan_tag, published_key, resolve_today, tag_run, work_task
from plancal import mail, views
from plancal.mail.letters import Letter


@work_task(task_run_name="theme letters {today}")
def theme_letters(ctx: Context, today: date) -> list[Letter]:
    return mail.monthly_themes(ctx.store, ctx.settings, today)


@work_task(task_run_name="publish themes {today}")
def publish_themes(ctx: Context, today: date) -> str:
    key = published_key(views.THEMES_KEY)
    create_markdown_artifact(views.themes_markdown(ctx.store, today), key=key,
                             description=f"Chủ đề tuyên truyền và ngày kỷ niệm tháng {today.month}/{today.year}")
    return key


@flow(name="monthly-themes", flow_run_name=daily_run_name("monthly themes", month=True))
def monthly_themes(today: date | None = None) -> dict[str, Any]:
    """Chủ đề tuyên truyền tháng: gửi các đơn vị chủ đề và ngày kỷ niệm của tháng."""
    ctx = open_context()
    day = resolve_today(today, ctx.settings)

    letters = theme_letters(ctx, day)
    tag_run(plan_tag(p.id) for p in views.current_plans(ctx.store, day))
    mailing = send_letters(ctx, letters, day, "chủ đề tháng")
    get_run_logger().info(mailing.summary())
    publish_themes(ctx, day)

    raise_for_mail(mailing)
    return {"day": day.isoformat(), "sent": mailing.report.sent, "letters": len(letters)}
