"""Periodic reports (daily around the reporting windows; Decree 09/2019/NĐ-CP cut-offs 14/6 and 14/12):
the call for reports two weeks before the deadline, who has reported, and from the units' deadline on
the draft consolidated report for the standing agency — as Markdown, HTML and .docx under
PLANCAL_HOME/reports — and, from the consolidation deadline on, the report mailed to the plan's issuer
with the .docx attached (once: the delivery log). Outside every window the run does nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.mailing import raise_for_mail, send_letters
from flows.runtime import Context, daily_run_name, open_context, plan_tag, published_key, resolve_today, tag_run, work_task
from plancal import mail, views
from plancal.errors import PlancalError
from plancal.mail.letters import Letter
from plancal.tracking.windows import ReportWindow, open_windows
from plancal.views.consolidated import consolidated, docx_filename, parse_period, render_html, report_letters
from plancal.views.documents import render_docx
from plancal.vn.dates import short
from plancal.vn.periods import Period


@work_task(task_run_name="open reporting windows {today}")
def reporting_windows(ctx: Context, today: date) -> list[ReportWindow]:
    return open_windows(ctx.store, today)


@work_task(task_run_name="report calls {today}")
def report_call_letters(ctx: Context, today: date) -> list[Letter]:
    return mail.report_calls(ctx.store, ctx.settings, today)


@work_task(task_run_name="publish reports of {window.plan.id} {window.period_key}")
def publish_window(ctx: Context, window: ReportWindow, today: date) -> tuple[list[str], list[Letter]]:
    """Who has reported; from the units' deadline on, the draft consolidated report too (Markdown, HTML,
    .docx); from the consolidation deadline on, the letters that take it to the issuer."""
    plan = window.plan
    keys = [published_key(views.collection_key(window))]
    create_table_artifact(views.collection_rows(ctx.store, window, today), key=keys[0],
                          description=f"{plan.display_number}: tình hình gửi báo cáo {window.period_label}, "
                                      f"ngày {short(today)}")
    letters: list[Letter] = []
    if window.consolidating(today):
        report = consolidated(ctx.store, plan.id, _period(window), today)
        document = render_docx(report)
        folder = ctx.settings.home / "reports" / plan.id
        folder.mkdir(parents=True, exist_ok=True)
        html_path = folder / f"{window.period_key}.html"
        html_path.write_text(render_html(report, ctx.settings), encoding="utf-8")
        docx_path = folder / docx_filename(report)
        docx_path.write_bytes(document)
        files = (f"\n\n**Tệp báo cáo:** [HTML]({html_path.resolve().as_uri()}) · "
                 f"[Word (.docx)]({docx_path.resolve().as_uri()})\n")
        keys.append(published_key(views.consolidated_key(window)))
        create_markdown_artifact(views.consolidated_report(ctx.store, window, today) + files, key=keys[1],
                                 description=f"{plan.display_number}: dự thảo báo cáo tổng hợp {window.period_label}")
        if today >= window.consolidation_due:
            letters = report_letters(ctx.store, report, document)
    return keys, letters


def _period(window: ReportWindow) -> Period:
    """The period a window reports on ("2023-H1", "2023"; a quarter's or a month's window keeps its key)."""
    try:
        return parse_period(window.period_key)
    except PlancalError:
        first = window.reports[0]
        return Period(first.window_start, first.due_stated, "window", window.period_key)


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
    reports: list[Letter] = []
    for window in windows:
        _keys, letters = publish_window(ctx, window, day)
        reports += letters
    consolidation = send_letters(ctx, reports, day, "báo cáo tổng hợp")
    if reports:
        log.info(consolidation.summary())

    raise_for_mail(mailing, consolidation)
    return {"day": day.isoformat(), "windows": [f"{w.plan.id}/{w.period_key}" for w in windows],
            "sent": mailing.report.sent, "consolidated": consolidation.report.sent}
