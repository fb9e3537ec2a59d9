"""``plancal check``, ``issue``, ``agenda``, ``submit``: plans, their calendar and what the units sent."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from plancal.cli.app import FormatOption, app, err, out, parse_day, settings, store, today_in
from plancal.cli.tables import Column, Format, Listing, show
from plancal.errors import PlancalError
from plancal.lifecycle.issuance import check_file, issue_file
from plancal.store import Submission
from plancal.tracking.status import KIND_LABEL, STATE_LABEL, agenda
from plancal.vn import dates


@app.command()
def check(files: Annotated[list[Path], typer.Argument(help="Tệp kế hoạch YAML")]) -> None:
    """Kiểm tra tệp kế hoạch: khóa, kiểu, ngày tháng, đơn vị, ngày kỷ niệm."""
    tz = settings().tz
    failed = 0
    for path in files:
        try:
            loaded = check_file(path, tz=tz)
        except PlancalError as exc:
            failed += 1
            err.print(f"[red]✗ {escape(str(path))}[/red]")
            for problem in exc.problems:
                err.print("  " + str(problem).replace("\n", "\n  "), markup=False, highlight=False)
            continue
        out.print(f"[green]✓[/green] {escape(str(path))}: {escape(loaded.plan.display_number)} — {len(loaded.directory)} đơn vị")
    if failed:
        err.print(f"[red]{failed}/{len(files)} tệp có lỗi.[/red]")
        raise typer.Exit(1)


@app.command()
def issue(files: Annotated[list[Path], typer.Argument(help="Tệp kế hoạch YAML")]) -> None:
    """Ban hành kế hoạch: kiểm tra, lưu, sinh lịch. Ban hành lại cùng tệp không thay đổi gì."""
    s = settings()
    st = store(s)
    for path in files:
        issued = issue_file(st, path, tz=s.tz)
        r = issued.result
        out.print(f"[green]✓[/green] {escape(issued.loaded.plan.display_number)}: {len(issued.occurrences)} mục lịch — "
                  f"thêm {r.added}, thay đổi {r.changed}, hủy {r.cancelled}, giữ nguyên {r.unchanged}")


AGENDA_COLUMNS = (
    Column("due", "Hạn", "date"),
    Column("due_stated", "Hạn ghi", "date"),
    Column("kind_label", "Loại"),
    Column("unit", "Đơn vị"),
    Column("title", "Nội dung"),
    Column("period", "Kỳ"),
    Column("plan", "Kế hoạch"),
    Column("state_label", "Tình trạng"),
    Column("unit_id", "Mã đơn vị", "id", in_table=False),
    Column("plan_id", "Mã kế hoạch", "id", in_table=False),
    Column("kind", "Mã loại", "id", in_table=False),
    Column("state", "Mã tình trạng", "id", in_table=False),
)


@app.command("agenda")
def agenda_cmd(
    unit: Annotated[str | None, typer.Option("--unit", help="Mã đơn vị")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="Mã kế hoạch")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Từ ngày (mặc định: hôm nay)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Đến ngày (mặc định: 30 ngày sau)")] = None,
    today: Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Chỉ loại này (duty, report, …)")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Bảng các việc đến hạn (bảng, CSV cho bảng tính hoặc JSON)."""
    s = settings()
    now = today_in(s, today)
    lo = parse_day(start, now) or now
    hi = parse_day(end, None) or date.fromordinal(lo.toordinal() + 30)
    st = store(s)
    directory = st.directory()
    if unit and unit not in directory:
        raise PlancalError(f"không có đơn vị '{unit}' trong danh mục", hint="xem 'plancal units list'")
    rows = agenda(st, start=lo, end=hi, unit_id=unit, plan_id=plan)
    if kind:
        rows = [r for r in rows if r.kind in kind]
    numbers = {p.id: p.display_number for p in st.plans()}
    listing = Listing(AGENDA_COLUMNS, title=f"Lịch việc từ {dates.short(lo)} đến {dates.short(hi)}")
    for r in rows:
        unit_name = directory[r.unit_id].name if r.unit_id and r.unit_id in directory else "Tất cả đơn vị"
        listing.add(r.due_effective, r.due_stated if r.due_stated != r.due_effective else None, KIND_LABEL[r.kind],
                    unit_name, r.title, r.period_label, numbers.get(r.plan_id, r.plan_id), STATE_LABEL[r.state(now)],
                    r.unit_id, r.plan_id, r.kind, r.state(now))
    show(listing, out, fmt)
    if fmt is Format.table:
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
    out.print(("Đã ghi nhận" if changed else "Đã ghi nhận trước đó") + f": {row.title} — {row.period_label}{late}",
              markup=False, highlight=False)
