"""The ``plancal`` typer apps, the consoles, the settings of the run and the error printing.

Every PlancalError is printed with file, line and field, and the command exits with status 1. The
settings are read and validated once, before any command runs: a bad ``PLANCAL_*`` variable stops
every command with a message naming it.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from typer._click.globals import get_current_context

from plancal.cli import words  # noqa: F401  (typer's and click's own words in Vietnamese, for every command)
from plancal.cli.tables import Format, Listing, make_table, show  # noqa: F401  (one table helper for every command)
from plancal.errors import PlancalError
from plancal.settings import Settings
from plancal.store import Store, open_store
from plancal.vn import dates

app = typer.Typer(help="plancal: lịch thực hiện kế hoạch (kế hoạch → lịch, nhắc việc, báo cáo).",
                  no_args_is_help=True, pretty_exceptions_enable=False)
units_app = typer.Typer(help="Danh mục đơn vị.", no_args_is_help=True)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
feeds_app = typer.Typer(help="Lịch đăng ký (iCal) của các đơn vị.", no_args_is_help=True)
mail_app = typer.Typer(help="Thư điện tử: thông báo kế hoạch, nhắc việc, báo chậm, tổng hợp tuần.", no_args_is_help=True)
app.add_typer(units_app, name="units")
app.add_typer(db_app, name="db")
app.add_typer(feeds_app, name="feeds")
app.add_typer(mail_app, name="mail")

FormatOption = Annotated[Format, typer.Option("--format", help="Dạng in: table (bảng), csv (bảng tính: UTF-8 có BOM, "
                                              "ngày dd/mm/yyyy) hoặc json (khóa tiếng Anh, ngày ISO)")]
"""``--format table|csv|json`` for a command that prints a listing (see cli/tables.py)."""

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@app.callback()
def _start() -> None:
    # validate every PLANCAL_* variable before the command runs, the lead times per kind included
    from plancal.mail.leadtimes import LeadTimes

    LeadTimes.from_settings(settings())


def settings() -> Settings:
    """The settings of this run, read from the environment once (kept on the root click context)."""
    ctx = get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    if root is not None and isinstance(root.obj, Settings):
        return root.obj
    current = Settings.from_env()
    if root is not None:
        root.obj = current
    return current


def store(s: Settings | None = None) -> Store:
    return open_store((s or settings()).db_url)


def parse_day(value: str | None, default: date | None = None) -> date | None:
    if value is None:
        return default
    try:
        return dates.parse_date(value)
    except ValueError as exc:
        raise PlancalError(f"ngày không hợp lệ: {exc}", hint="viết ngày dạng 25/06/2025 hoặc 2025-06-25") from None


def today_in(s: Settings, value: str | None) -> date:
    """The day given (``--today``), or today in the plans' time zone."""
    return parse_day(value, None) or datetime.now(s.tz).date()


def print_problems(exc: PlancalError, prefix: str = "Lỗi: ") -> None:
    for problem in exc.problems:
        err.print(prefix + str(problem), markup=False, highlight=False)


def main() -> None:
    from plancal import cli  # noqa: F401  (registers the commands of every group)

    try:
        app()
    except PlancalError as exc:
        print_problems(exc)
        sys.exit(1)
