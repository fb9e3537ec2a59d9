"""CLI commands ``plancal exemplars add|import|list|quotas`` and ``plancal delegates check`` (registered
in plancal.cli). The work is done by plancal.intake.exemplars, plancal.tracking.quotas and
plancal.intake.delegates; these functions read options and print."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from plancal.errors import PlancalError
from plancal.intake.delegates import check_file
from plancal.intake.exemplars import Entry, add_one, import_register, kind_label
from plancal.intake.stored import plan_or_file, stored_plan
from plancal.settings import Settings
from plancal.store import Store, open_store
from plancal.tracking.quotas import attainment
from plancal.vn.dates import parse_date, short
from plancal.vn.periods import span

exemplars_app = typer.Typer(help="Sổ điển hình tiên tiến: ghi, nhập từ CSV, xem và đối chiếu chỉ tiêu.",
                            no_args_is_help=True)
delegates_app = typer.Typer(help="Danh sách đại biểu hội nghị.", no_args_is_help=True)
out = Console(soft_wrap=True)

PlanOpt = Annotated[str, typer.Option("--plan", help="Mã kế hoạch")]
TodayOpt = Annotated[str | None, typer.Option("--today", help="Coi hôm nay là ngày này")]


@contextmanager
def _store() -> Iterator[tuple[Settings, Store]]:
    """The settings and the store, closed when the command ends."""
    s = Settings.from_env()
    st = open_store(s.db_url)
    try:
        yield s, st
    finally:
        st.engine.dispose()


def _day(value: str | None, s: Settings) -> date:
    if value is None:
        return datetime.now(ZoneInfo(s.timezone)).date()
    try:
        return parse_date(value)
    except ValueError as exc:
        raise PlancalError(f"ngày không hợp lệ: {exc}", hint="viết ngày dạng 25/06/2025") from None


@exemplars_app.command("add")
def exemplars_add(
    plan: PlanOpt,
    name: Annotated[str, typer.Option("--name", help="Tên tập thể hoặc họ và tên cá nhân")],
    kind: Annotated[str, typer.Option("--kind", help="tập thể hoặc cá nhân")],
    unit: Annotated[str, typer.Option("--unit", help="Mã (hoặc tên) đơn vị giới thiệu")],
    field: Annotated[str, typer.Option("--field", help="Lĩnh vực (theo kế hoạch)")],
    introduced: Annotated[str, typer.Option("--date", help="Ngày giới thiệu, ví dụ 15/03/2023")],
    document: Annotated[str, typer.Option("--document", help="Văn bản giới thiệu, ví dụ 'số 15/BC-UBND'")] = "",
    today: TodayOpt = None,
) -> None:
    """Ghi một điển hình tiên tiến vào sổ."""
    with _store() as (s, st):
        e = add_one(st, plan, Entry(name, kind, unit, field, introduced, document), _day(today, s))
        out.print(f"[green]✓[/green] Đã ghi: {e.name} ({kind_label(e.collective)}, {e.unit_id}, {e.field}, "
                  f"{short(e.introduced)})", highlight=False)


@exemplars_app.command("import")
def exemplars_import(
    plan: PlanOpt,
    file: Annotated[Path, typer.Argument(help="Tệp CSV: Tên điển hình, Loại, Đơn vị, Lĩnh vực, Ngày giới thiệu, Văn bản")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ kiểm tra, không ghi")] = False,
    today: TodayOpt = None,
) -> None:
    """Nhập danh sách điển hình từ CSV: kiểm tra mọi dòng, có lỗi thì không ghi dòng nào."""
    with _store() as (s, st):
        entries = import_register(st, plan, file, _day(today, s), dry_run=dry_run)
        verb = "Kiểm tra xong, sẽ ghi" if dry_run else "Đã ghi"
        out.print(f"[green]✓[/green] {file}: {verb} {len(entries)} điển hình", highlight=False)


@exemplars_app.command("list")
def exemplars_list(
    plan: PlanOpt,
    unit: Annotated[str | None, typer.Option("--unit", help="Chỉ đơn vị này")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Từ ngày")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Đến ngày")] = None,
) -> None:
    """Liệt kê sổ điển hình của một kế hoạch."""
    with _store() as (s, st):
        lo = _day(start, s) if start else None
        hi = _day(end, s) if end else None
        names = {u.id: u.name for u in st.directory()}
        rows = st.exemplars(plan, start=lo, end=hi, unit_id=unit)
        table = Table(title=f"Sổ điển hình: {plan} ({len(rows)})")
        for col in ("Ngày", "Tên điển hình", "Loại", "Đơn vị", "Lĩnh vực", "Văn bản"):
            table.add_column(col, overflow="fold")
        for e in rows:
            table.add_row(short(e.introduced), e.name, kind_label(e.collective), names.get(e.unit_id, e.unit_id), e.field,
                          e.source_document)
        out.print(table)


@exemplars_app.command("quotas")
def exemplars_quotas(
    plan: PlanOpt,
    start: Annotated[str | None, typer.Option("--from", help="Từ ngày (mặc định: đầu kế hoạch)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Đến ngày (mặc định: hôm nay)")] = None,
    today: TodayOpt = None,
) -> None:
    """Đối chiếu chỉ tiêu điển hình của kế hoạch với sổ điển hình: theo đơn vị, theo kỳ và toàn địa bàn."""
    with _store() as (s, st):
        now = _day(today, s)
        loaded = stored_plan(st, plan)
        lo = _day(start, s) if start else loaded.plan.start
        hi = _day(end, s) if end else min(now, loaded.plan.end)
        window = span(lo, hi)
        names = {u.id: u.name for u in loaded.directory}
        rows = attainment(loaded, st.exemplars(plan), window.start, window.end, now)
        table = Table(title=f"Chỉ tiêu điển hình: {plan}, {window.label}")
        for col in ("Đơn vị", "Kỳ", "Chỉ tiêu", "Đã có", "Đạt"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(names.get(r.unit_id, r.unit_id) if r.unit_id else "Toàn địa bàn", r.period.label,
                          r.quota.text(), str(r.counted), r.verdict)
        out.print(table)


@delegates_app.command("check")
def delegates_check(
    plan: Annotated[str, typer.Option("--plan", help="Mã kế hoạch (hoặc đường dẫn tệp kế hoạch .yaml)")],
    conference: Annotated[str, typer.Option("--conference", help="Mã hội nghị trong kế hoạch")],
    file: Annotated[Path, typer.Argument(help="Tệp CSV: Họ và tên, Đơn vị, Thành phần, Đoàn Chủ tịch")],
) -> None:
    """Đối chiếu danh sách đại biểu với quy định của kế hoạch; thoát với mã 1 khi có quy định chưa đáp ứng."""
    if plan.endswith((".yaml", ".yml")) and Path(plan).is_file():
        loaded = plan_or_file(None, plan)
    else:
        with _store() as (_s, st):
            loaded = plan_or_file(st, plan)
    result = check_file(loaded, conference, file)
    for line in result.lines():
        out.print(line, highlight=False, markup=False)
    if not result.passed:
        raise typer.Exit(1)
