"""``plancal mail reminders``, ``notices``, ``status``: mail to the units and the delivery log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from plancal.cli.app import err, mail_app, out, parse_day, settings, store, today_in
from plancal.cli.tables import Column, Listing, show
from plancal.settings import Settings
from plancal.vn import dates

_MAIL_STEP_LABEL = {
    "send_catch_up": "Thư các ngày trước chưa gửi được",
    "send_reminders": "Nhắc việc hằng ngày",
    "send_escalations": "Báo chậm thực hiện",
    "send_monthly_themes": "Chủ đề tuyên truyền tháng",
    "send_conference_steps": "Chuẩn bị hội nghị",
    "send_report_calls": "Đề nghị báo cáo",
    "send_weekly_summary": "Tổng hợp tuần",
    "send_plan_notices": "Thông báo kế hoạch",
}


def _mail_where(s: Settings) -> str:
    if s.mail_configured:
        return f"máy chủ thư {s.smtp_host}:{s.smtp_port}"
    return f"hộp thư đi {s.outbox_dir} (chưa đặt PLANCAL_SMTP_HOST)"


def _mail_report(label: str, report: object) -> bool:
    from plancal.mail.courier import DeliveryReport

    assert isinstance(report, DeliveryReport)
    mark = "[green]✓[/green]" if report.ok else "[red]✗[/red]"
    out.print(f"{mark} {escape(label)}: {escape(report.summary())}")
    for bad in report.bad_addresses:
        err.print(f"  Địa chỉ không nhận thư: {bad.recipient} — {bad.error}", markup=False, highlight=False)
    for failure in report.failed[:10]:
        err.print(f"  Chưa gửi: {failure.recipient} — {failure.error}", markup=False, highlight=False)
    if len(report.failed) > 10:
        err.print(f"  … và {len(report.failed) - 10} thư khác chưa gửi", markup=False, highlight=False)
    return report.ok


@mail_app.command("reminders")
def mail_reminders(
    today: Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này (mặc định: hôm nay)")] = None,
) -> None:
    """Gửi các thư đến hạn hôm nay: nhắc việc, báo chậm, chủ đề tháng, chuẩn bị hội nghị, đề nghị báo cáo,
    tổng hợp tuần. Chạy lại không gửi trùng."""
    from plancal.mail.daily import send_daily
    from plancal.mail.mailers import mailer_from_settings

    s = settings()
    day = today_in(s, today)
    out.print(f"Gửi thư ngày {dates.short(day)} qua {_mail_where(s)}", markup=False, highlight=False)
    reports = send_daily(store(s), s, day, mailer_from_settings(s))
    ok = [_mail_report(_MAIL_STEP_LABEL.get(name, name), report) for name, report in reports.items()
          if name != "send_catch_up" or report.sent or report.failed or report.bad_addresses]
    if not all(ok):
        err.print("[red]Có thư chưa gửi được; chạy lại lệnh này khi máy chủ thư hoạt động (thư đã gửi không bị gửi lại).[/red]")
        raise typer.Exit(1)


@mail_app.command("notices")
def mail_notices(
    plan_id: Annotated[str, typer.Argument(help="Mã kế hoạch")],
    today: Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này")] = None,
) -> None:
    """Gửi thông báo kế hoạch tới các đơn vị: nhiệm vụ, thời hạn và địa chỉ lịch của từng đơn vị."""
    from plancal.mail.daily import send_plan_notices
    from plancal.mail.mailers import mailer_from_settings

    s = settings()
    day = today_in(s, today)
    report = send_plan_notices(store(s), s, day, mailer_from_settings(s), plan_id)
    if not _mail_report(f"{_MAIL_STEP_LABEL['send_plan_notices']} '{plan_id}' qua {_mail_where(s)}", report):
        raise typer.Exit(1)


STATUS_COLUMNS = (Column("day", "Ngày", "date"), Column("kind", "Loại thư"), Column("status", "Tình trạng"),
                  Column("count", "Số thư", "number"))
PROBLEM_COLUMNS = (Column("day", "Ngày", "date"), Column("recipient", "Người nhận"), Column("kind", "Loại thư"),
                   Column("status", "Tình trạng"), Column("attempts", "Lần thử", "number"), Column("error", "Lỗi"))


@mail_app.command("status")
def mail_status(
    day: Annotated[str | None, typer.Option("--day", help="Chỉ ngày này")] = None,
    days: Annotated[int, typer.Option("--days", help="Số ngày gần nhất (khi không ghi --day)")] = 14,
) -> None:
    """Nhật ký gửi thư: số thư theo ngày, loại và tình trạng; các thư lỗi và địa chỉ hỏng."""
    from datetime import timedelta

    from plancal.mail.status import MAIL_KIND_LABEL, STATUS_LABEL, problems, status

    s = settings()
    st = store(s)
    only = parse_day(day, None)
    since = None if only else today_in(s, None) - timedelta(days=days)
    lines = status(st, day=only, since=since)
    listing = Listing(STATUS_COLUMNS, title="Nhật ký gửi thư")
    for line in lines:
        listing.add(line.day, MAIL_KIND_LABEL.get(line.kind, line.kind), STATUS_LABEL.get(line.status, line.status),
                    line.count)
    show(listing, out)
    if not lines:
        out.print("Chưa có thư nào trong nhật ký.")
    rows = problems(st, day=only)
    if rows:
        bad = Listing(PROBLEM_COLUMNS, title="Cần xem lại")
        for r in rows:
            bad.add(r.digest_day, r.recipient, MAIL_KIND_LABEL.get(r.kind, r.kind), STATUS_LABEL.get(r.status, r.status),
                    r.attempts, r.error or "")
        show(bad, out)
