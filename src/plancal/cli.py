"""The ``plancal`` command line (typer + rich). Messages about plans are in Vietnamese.

Every PlancalError is printed with file, line and field, and the command exits with status 1.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from plancal.errors import PlancalError
from plancal.lifecycle.issuance import check_file, issue_file
from plancal.settings import Settings
from plancal.store import Store, Submission, open_store
from plancal.tracking.status import KIND_LABEL, STATE_LABEL, agenda
from plancal.units.reading import read_units
from plancal.vn import dates

app = typer.Typer(help="plancal: lịch thực hiện kế hoạch (kế hoạch → lịch, nhắc việc, báo cáo).",
                  no_args_is_help=True, pretty_exceptions_enable=False)
units_app = typer.Typer(help="Danh mục đơn vị.", no_args_is_help=True)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
app.add_typer(units_app, name="units")
app.add_typer(db_app, name="db")
feeds_app = typer.Typer(help="Lịch đăng ký (iCal) của các đơn vị.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
mail_app = typer.Typer(help="Thư điện tử: thông báo kế hoạch, nhắc việc, báo chậm, tổng hợp tuần.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")

from plancal.draft import commands as draft_commands  # noqa: E402

app.command("draft")(draft_commands.draft)
app.command("when")(draft_commands.when)
from plancal.intake import commands as intake_commands  # noqa: E402

app.add_typer(intake_commands.app, name="submissions")
app.command("waive")(intake_commands.waive)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def settings() -> Settings:
    return Settings.from_env()


def store(s: Settings | None = None) -> Store:
    return open_store((s or settings()).db_url)


def parse_day(value: str | None, default: date | None = None) -> date | None:
    if value is None:
        return default
    try:
        return dates.parse_date(value)
    except ValueError as exc:
        raise PlancalError(f"ngày không hợp lệ: {exc}", hint="viết ngày dạng 25/06/2025 hoặc 2025-06-25") from None


@app.command()
def check(files: Annotated[list[Path], typer.Argument(help="Tệp kế hoạch YAML")]) -> None:
    """Kiểm tra tệp kế hoạch: khóa, kiểu, ngày tháng, đơn vị, ngày kỷ niệm."""
    failed = 0
    for path in files:
        try:
            loaded = check_file(path)
        except PlancalError as exc:
            failed += 1
            err.print(f"[red]✗ {path}[/red]")
            for problem in exc.problems:
                err.print("  " + str(problem).replace("\n", "\n  "), markup=False, highlight=False)
            continue
        out.print(f"[green]✓[/green] {path}: {loaded.plan.display_number} — {len(loaded.directory)} đơn vị")
    if failed:
        err.print(f"[red]{failed}/{len(files)} tệp có lỗi.[/red]")
        raise typer.Exit(1)


@app.command()
def issue(files: Annotated[list[Path], typer.Argument(help="Tệp kế hoạch YAML")]) -> None:
    """Ban hành kế hoạch: kiểm tra, lưu, sinh lịch. Ban hành lại cùng tệp không thay đổi gì."""
    st = store()
    for path in files:
        issued = issue_file(st, path)
        r = issued.result
        out.print(f"[green]✓[/green] {issued.loaded.plan.display_number}: {len(issued.occurrences)} mục lịch — "
                  f"thêm {r.added}, thay đổi {r.changed}, hủy {r.cancelled}, giữ nguyên {r.unchanged}")


@app.command("agenda")
def agenda_cmd(
    unit: Annotated[str | None, typer.Option("--unit", help="Mã đơn vị")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="Mã kế hoạch")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Từ ngày (mặc định: hôm nay)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Đến ngày (mặc định: 30 ngày sau)")] = None,
    today: Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Chỉ loại này (duty, report, …)")] = None,
) -> None:
    """Bảng các việc đến hạn."""
    now = parse_day(today, date.today()) or date.today()
    lo = parse_day(start, now) or now
    hi = parse_day(end, None) or date.fromordinal(lo.toordinal() + 30)
    st = store()
    directory = st.directory()
    if unit and unit not in directory:
        raise PlancalError(f"không có đơn vị '{unit}' trong danh mục", hint="xem 'plancal units list'")
    rows = agenda(st, start=lo, end=hi, unit_id=unit, plan_id=plan)
    if kind:
        rows = [r for r in rows if r.kind in kind]
    numbers = {p.id: p.display_number for p in st.plans()}
    table = Table(title=f"Lịch việc từ {dates.short(lo)} đến {dates.short(hi)}", show_lines=False)
    for col in ("Hạn", "Hạn ghi", "Loại", "Đơn vị", "Nội dung", "Kỳ", "Kế hoạch", "Tình trạng"):
        table.add_column(col, overflow="fold")
    for r in rows:
        unit_name = directory[r.unit_id].name if r.unit_id and r.unit_id in directory else "Tất cả đơn vị"
        stated = dates.short(r.due_stated) if r.due_stated != r.due_effective else ""
        table.add_row(dates.short(r.due_effective), stated, KIND_LABEL[r.kind], unit_name,
                      r.title, r.period_label, numbers.get(r.plan_id, r.plan_id), STATE_LABEL[r.state(now)])
    out.print(table)
    out.print(f"{len(rows)} mục.")


@app.command()
def submit(
    plan: Annotated[str, typer.Option(help="Mã kế hoạch")],
    duty: Annotated[str, typer.Option(help="Mã nhiệm vụ (duty/report/conference id)")],
    unit: Annotated[str, typer.Option(help="Mã đơn vị đã gửi")],
    received: Annotated[str, typer.Option(help="Ngày nhận, ví dụ 24/06/2021")],
    period: Annotated[str | None, typer.Option(help="Kỳ: 2021-06, 2021-Q2, 2021-H1, 2021")] = None,
    note: Annotated[str, typer.Option(help="Ghi chú")] = "",
) -> None:
    """Ghi nhận một đơn vị đã gửi kế hoạch, báo cáo hoặc bài viết."""
    st = store()
    row = st.find_occurrence(plan, duty, unit, period)
    day = parse_day(received)
    assert day is not None
    changed = st.record_submission(Submission(row.uid, unit, day, note))
    late = " (muộn)" if day > row.due_effective else ""
    out.print(("Đã ghi nhận" if changed else "Đã ghi nhận trước đó") + f": {row.title} — {row.period_label}{late}")


@units_app.command("import")
def units_import(file: Path) -> None:
    """Nhập danh mục đơn vị từ YAML hoặc CSV."""
    st = store()
    units = read_units(file)
    st.directory().merged(units)  # validates parents, cycles and duplicates against what is stored
    added, updated = st.import_units(units)
    out.print(f"[green]✓[/green] {file}: {len(units)} đơn vị — thêm {added}, cập nhật {updated}")


@units_app.command("list")
def units_list(kind: Annotated[str | None, typer.Option(help="Chỉ loại này")] = None) -> None:
    """Liệt kê các đơn vị."""
    table = Table()
    for col in ("Mã", "Tên", "Loại", "Cấp trên", "Thư điện tử"):
        table.add_column(col, overflow="fold")
    for r in store().unit_rows():
        if kind and r.kind != kind:
            continue
        table.add_row(r.id, r.name, r.kind, r.parent_id or "", ", ".join(r.emails or []))
    out.print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Cập nhật cấu trúc cơ sở dữ liệu lên phiên bản mới nhất."""
    s = settings()
    open_store(s.db_url)
    out.print(f"[green]✓[/green] {s.db_url}: cấu trúc mới nhất")


def _feed_today(s: Settings, value: str | None) -> date:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return parse_day(value, None) or datetime.now(ZoneInfo(s.timezone)).date()


@feeds_app.command("export")
def feeds_export(
    today: Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này (mặc định: hôm nay)")] = None,
) -> None:
    """Ghi lại các tệp lịch (.ics) của đơn vị, kế hoạch và lịch chung; chỉ ghi tệp có thay đổi."""
    from plancal.feeds.export import export_feeds

    s = settings()
    r = export_feeds(store(s), s, _feed_today(s, today))
    out.print(f"[green]✓[/green] {s.calendar_dir}: ghi {r.written} lịch, giữ nguyên {r.unchanged}, xóa {r.removed}")


@feeds_app.command("serve")
def feeds_serve(
    host: Annotated[str | None, typer.Option(help="Địa chỉ lắng nghe (mặc định PLANCAL_FEED_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Cổng (mặc định PLANCAL_FEED_PORT)")] = None,
) -> None:
    """Chạy máy chủ lịch: /u/<mã>.ics, /u/<mã> (trang đăng ký), /plans/<kế hoạch>.ics, /public.ics."""
    import uvicorn

    from plancal.web.app import create_app

    s = settings()
    out.print(f"Máy chủ lịch: http://{host or s.feed_host}:{port or s.feed_port} (địa chỉ công khai {s.feed_base_url})")
    uvicorn.run(create_app(store(s), s), host=host or s.feed_host, port=port or s.feed_port, log_level="info")


@feeds_app.command("rotate")
def feeds_rotate(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị")],
    today: Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này")] = None,
) -> None:
    """Cấp địa chỉ lịch mới cho một đơn vị; địa chỉ cũ ngừng hoạt động ngay."""
    from plancal.feeds.export import rotate_token
    from plancal.feeds.names import feed_url, unit_feed_name

    s = settings()
    token = rotate_token(store(s), s, unit, _feed_today(s, today))
    out.print(f"[green]✓[/green] {unit}: đã cấp địa chỉ lịch mới; địa chỉ cũ không còn dùng được.")
    out.print(feed_url(s, unit_feed_name(token)), markup=False, highlight=False)


@feeds_app.command("url")
def feeds_url(unit: Annotated[str, typer.Argument(help="Mã đơn vị")]) -> None:
    """In địa chỉ lịch và trang hướng dẫn đăng ký của một đơn vị."""
    from plancal.feeds.names import feed_url, unit_feed_name, webcal_url

    s = settings()
    row = store(s).unit_row(unit)
    if row is None:
        raise PlancalError(f"không có đơn vị '{unit}' trong danh mục", hint="xem 'plancal units list'")
    url = feed_url(s, unit_feed_name(row.feed_token))
    out.print(f"{row.name}", markup=False, highlight=False)
    out.print(f"  Địa chỉ lịch:      {url}", markup=False, highlight=False)
    out.print(f"  Đăng ký (webcal):  {webcal_url(url)}", markup=False, highlight=False)
    out.print(f"  Trang hướng dẫn:   {url.removesuffix('.ics')}", markup=False, highlight=False)


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
    out.print(f"{mark} {label}: {report.summary()}")
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
    day = _feed_today(s, today)
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
    day = _feed_today(s, today)
    report = send_plan_notices(store(s), s, day, mailer_from_settings(s), plan_id)
    if not _mail_report(f"{_MAIL_STEP_LABEL['send_plan_notices']} '{plan_id}' qua {_mail_where(s)}", report):
        raise typer.Exit(1)


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
    since = None if only else _feed_today(s, None) - timedelta(days=days)
    lines = status(st, day=only, since=since)
    table = Table(title="Nhật ký gửi thư")
    for col in ("Ngày", "Loại thư", "Tình trạng", "Số thư"):
        table.add_column(col, overflow="fold")
    for line in lines:
        table.add_row(dates.short(line.day), MAIL_KIND_LABEL.get(line.kind, line.kind),
                      STATUS_LABEL.get(line.status, line.status), str(line.count))
    out.print(table)
    if not lines:
        out.print("Chưa có thư nào trong nhật ký.")
    rows = problems(st, day=only)
    if rows:
        bad = Table(title="Cần xem lại")
        for col in ("Ngày", "Người nhận", "Loại thư", "Tình trạng", "Lần thử", "Lỗi"):
            bad.add_column(col, overflow="fold")
        for r in rows:
            bad.add_row(dates.short(r.digest_day), r.recipient, MAIL_KIND_LABEL.get(r.kind, r.kind),
                        STATUS_LABEL.get(r.status, r.status), str(r.attempts), r.error or "")
        out.print(bad)


@app.command()
def simulate(
    plan: Annotated[Path, typer.Option("--plan", help="Tệp kế hoạch YAML")],
    start: Annotated[str, typer.Option("--from", help="Từ ngày, ví dụ 01/01/2021")],
    end: Annotated[str, typer.Option("--to", help="Đến ngày, ví dụ 31/12/2021")],
    submissions: Annotated[bool, typer.Option("--submissions/--no-submissions",
                                              help="Các đơn vị gửi bài, báo cáo (mô phỏng)")] = True,
) -> None:
    """Mô phỏng vòng đời kế hoạch theo đồng hồ giả lập: thư vào hộp thư đi, lịch được ghi, các lần chạy hiện trên
    Prefect UI khi PREFECT_API_URL trỏ tới máy chủ."""
    lo, hi = parse_day(start), parse_day(end)
    assert lo is not None and hi is not None
    if hi < lo:
        raise PlancalError(f"ngày kết thúc {dates.short(hi)} trước ngày bắt đầu {dates.short(lo)}", hint="đổi --from và --to")
    # The edge: running flows needs Prefect, which the core never imports. The flows package (at the
    # repository root, beside src/) is imported here, only when this command runs.
    root = Path(__file__).resolve().parents[2]
    if (root / "flows" / "__init__.py").is_file() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from flows.simulate import simulate as run_simulation

    if not os.environ.get("PREFECT_API_URL"):
        err.print("Chưa đặt PREFECT_API_URL: các lần chạy dùng máy chủ Prefect tạm thời và không hiện trên giao diện "
                  "(đặt PREFECT_API_URL=http://127.0.0.1:4200/api sau khi chạy scripts/up).")
    result = run_simulation(plan, lo, hi, submissions=submissions, echo=lambda line: out.print(line, highlight=False))
    runs = ", ".join(f"{stage} {n}" for stage, n in result["runs"].items())
    out.print(f"[green]✓[/green] Mô phỏng {result['plan']} từ {result['from']} đến {result['to']}: {runs}")


def main() -> None:
    try:
        app()
    except PlancalError as exc:
        for problem in exc.problems:
            err.print("Lỗi: " + str(problem), markup=False, highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
