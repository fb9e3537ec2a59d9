"""Periodic reports (daily around the reporting windows; Decree 09/2019/NĐ-CP cut-offs 14/6 and 14/12):
the call for reports two weeks before the deadline, who has reported, and from the units' deadline on
the draft consolidated report for the standing agency. Outside every window the run does nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.mailing import raise_for_mail, send_letters
from flows.runtime import Context, daily_run_name, open_context, plan_tag, resolve_today, tag_run, work_task
from plancal import mail, views
from plancal.mail.letters import Letter
from plancal.tracking.windows import ReportWindow, open_windows
from plancal.vn.dates import short


@work_task(task_run_name="open reporting windows {today}")
def reporting_windows(ctx: Context, today: date) -> list[ReportWindow]:
    return open_windows(ctx.store, today)


@work_task(task_run_name="report calls {today}")
def report_call_letters(ctx: Context, today: date) -> list[Letter]:
    return mail.report_calls(ctx.store, ctx.settings, today)


@work_task(task_run_name="publish reports of {window.plan.id} {window.period_key}")
def publish_window(ctx: Context, window: ReportWindow, today: date) -> list[str]:
    """Who has reported; from the units' deadline on, the draft consolidated report too."""
    plan = window.plan
    keys = [views.collection_key(window)]
    create_table_artifact(views.collection_rows(ctx.store, window, today), key=keys[0],
                          description=f"{plan.display_number}: tình hình gửi báo cáo {window.period_label}, "
                                      f"ngày {short(today)}")
    if window.consolidating(today):
        keys.append(views.consolidated_key(window))
        create_markdown_artifact(views.consolidated_report(ctx.store, window, today), key=keys[1],
                                 description=f"{plan.display_number}: dự thảo báo cáo tổng hợp {window.period_label}")
    return keys


@flow(name="semiannual-reports", flow_run_name=daily_run_name("semiannual reports"))
def semiannual_reports(today: date | None = None) -> dict[str, Any]:
    """Báo cáo định kỳ: đề nghị báo cáo, theo dõi tình hình gửi báo cáo, dự thảo báo cáo tổng hợp."""
    log = get_run_logger()
    ctx = open_context()
    day = resolve_today(today, ctx.settings)

    windows = reporting_windows(ctx, day)
    if not windows:
        log.info("Không có kỳ báo cáo nào đang mở ngày %s.", short(day))
        return {"day": day.isoformat(), "windows": [], "sent": 0}
    tag_run(plan_tag(w.plan.id) for w in windows)
    mailing = send_letters(ctx, report_call_letters(ctx, day), day, "đề nghị báo cáo")
    log.info(mailing.summary())
    for window in windows:
        publish_window(ctx, window, day)

    raise_for_mail(mailing)
    return {"day": day.isoformat(), "windows": [f"{w.plan.id}/{w.period_key}" for w in windows],
            "sent": mailing.report.sent}
