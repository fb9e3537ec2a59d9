"""CLI commands ``plancal submissions import|history`` and ``plancal waive`` (registered in plancal.cli)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from plancal.errors import PlancalError, Problem
from plancal.intake.submissions import ImportPreview, import_records
from plancal.settings import Settings
from plancal.store import TRANSITION_LABEL, open_store
from plancal.vn.dates import parse_date, short

app = typer.Typer(help="Văn bản các đơn vị đã gửi: nhập từ sổ văn bản đến, lịch sử tình trạng.", no_args_is_help=True)
out = Console(soft_wrap=True)


def _today(settings: Settings, value: str | None) -> date:
    if value is None:
        return datetime.now(ZoneInfo(settings.timezone)).date()
    try:
        return parse_date(value)
    except ValueError as exc:
        raise PlancalError([Problem(f"ngày không hợp lệ: {exc}", field="--today", hint="viết dạng 25/06/2025")]) from None


def preview_table(result: ImportPreview) -> Table:
    table = Table(title=f"{result.file.name}: {len(result.matched)} văn bản khớp, {len(result.unmatched)} không khớp")
    for col in ("Dòng", "Cơ quan gửi", "Số, ký hiệu", "Ngày đến", "Khớp với", "Kỳ", "Hạn"):
        table.add_column(col, overflow="fold")
    for m in result.matches:
        occ = m.occurrence
        table.add_row(str(m.record.line), m.unit.name if m.unit else m.record.sender, m.record.number,
                      short(m.record.received),
                      (occ.what or occ.title) if occ else f"[yellow]{m.why}[/yellow]",
                      occ.period_label if occ else "", short(occ.due_effective) if occ else "")
    return table


def submissions_import(
    file: Annotated[Path, typer.Argument(help="Sổ văn bản đến xuất ra .csv hoặc .xlsx")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ xem trước, không ghi gì")] = False,
    plan: Annotated[str | None, typer.Option("--plan", help="Chỉ khớp với kế hoạch này")] = None,
    today: Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này")] = None,
) -> None:
    """Nhập văn bản đến (Cơ quan gửi, Số, ký hiệu, Ngày đến, Trích yếu): khớp với việc đang chờ của các đơn vị.
    Có dòng sai thì không ghi dòng nào."""
    s = Settings.from_env()
    st = open_store(s.db_url)
    try:
        result = import_records(st, file, today=_today(s, today), dry_run=dry_run, plan_id=plan)
    finally:
        st.engine.dispose()
    out.print(preview_table(result))
    if dry_run:
        out.print(f"Xem trước: sẽ ghi nhận {result.recorded} văn bản; chưa ghi gì (bỏ --dry-run để ghi).")
    else:
        out.print(f"[green]✓[/green] Đã ghi nhận {result.recorded} văn bản "
                  f"({len(result.matched) - result.recorded} đã có từ trước).")


def submissions_history(
    plan: Annotated[str, typer.Option(help="Mã kế hoạch")],
    duty: Annotated[str, typer.Option(help="Mã nhiệm vụ")],
    unit: Annotated[str, typer.Option(help="Mã đơn vị")],
    period: Annotated[str | None, typer.Option(help="Kỳ: 2021-06, 2021-Q2, 2021-H1, 2021")] = None,
) -> None:
    """Lịch sử tình trạng của một việc: mọi lần ghi nhận, sửa, miễn, hủy."""
    s = Settings.from_env()
    st = open_store(s.db_url)
    row = st.find_occurrence(plan, duty, unit, period)
    table = Table(title=f"{row.title} — {row.period_label}")
    for col in ("Ngày", "Tình trạng", "Trước đó", "Ngày nhận", "Số văn bản", "Ghi chú / lý do", "Nguồn"):
        table.add_column(col, overflow="fold")
    for h in st.history(row.uid):
        table.add_row(short(h.changed_on) if h.changed_on else "", h.label,
                      TRANSITION_LABEL[h.previous] if h.previous else "", short(h.received) if h.received else "",
                      h.document_number, h.reason or h.note, h.source)
    out.print(table)


def waive(
    plan: Annotated[str, typer.Option(help="Mã kế hoạch")],
    duty: Annotated[str, typer.Option(help="Mã nhiệm vụ")],
    unit: Annotated[str, typer.Option(help="Mã đơn vị")],
    reason: Annotated[str, typer.Option(help="Lý do miễn (bắt buộc)")],
    period: Annotated[str | None, typer.Option(help="Kỳ: 2021-06, 2021-Q2, 2021-H1, 2021")] = None,
    today: Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này")] = None,
) -> None:
    """Miễn cho một đơn vị một việc (ghi lý do); lịch sử giữ lại."""
    s = Settings.from_env()
    st = open_store(s.db_url)
    row = st.find_occurrence(plan, duty, unit, period)
    changed = st.waive(row.uid, reason, today=_today(s, today))
    out.print(("Đã miễn" if changed else "Đã miễn trước đó") + f": {row.title} — {row.period_label}")


app.command("import")(submissions_import)
app.command("history")(submissions_history)
