"""``plancal submissions import|history`` and ``plancal waive``: what units sent, from the office's records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from plancal.cli.app import app, out, settings, store, today_in
from plancal.intake.submissions import ImportPreview, import_records
from plancal.store import TRANSITION_LABEL
from plancal.vn.dates import short

submissions_app = typer.Typer(help="Văn bản các đơn vị đã gửi: nhập từ sổ văn bản đến, lịch sử tình trạng.",
                              no_args_is_help=True)
app.add_typer(submissions_app, name="submissions")


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
    s = settings()
    st = store(s)
    try:
        result = import_records(st, file, today=today_in(s, today), dry_run=dry_run, plan_id=plan)
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
    s = settings()
    st = store(s)
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
    s = settings()
    st = store(s)
    row = st.find_occurrence(plan, duty, unit, period)
    changed = st.waive(row.uid, reason, today=today_in(s, today))
    out.print(("Đã miễn" if changed else "Đã miễn trước đó") + f": {row.title} — {row.period_label}")


submissions_app.command("import")(submissions_import)
submissions_app.command("history")(submissions_history)
app.command("waive")(waive)
