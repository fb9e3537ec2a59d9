"""``plancal simulate``: a plan's lifecycle over a simulated clock, run by the Prefect flows.

Running flows needs Prefect, which the core never imports: the runner is looked up at run time as
the entry point ``simulate`` of the group ``plancal.runners`` (``flows.simulate:simulate``, declared
in pyproject.toml and installed with the ``flows`` package).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from plancal.cli.app import app, err, out, parse_day
from plancal.errors import PlancalError
from plancal.vn import dates

RUNNERS = "plancal.runners"


def runner(name: str) -> Callable[..., dict[str, Any]]:
    """The runner installed under ``name`` in the entry point group ``plancal.runners``."""
    found = entry_points(group=RUNNERS, name=name)
    if not found:
        raise PlancalError(f"chưa cài phần chạy '{name}' (nhóm entry point '{RUNNERS}' không có '{name}')",
                           hint="cài plancal cùng gói flows: 'pip install -e .' trong thư mục mã nguồn "
                                "(scripts/bootstrap) hoặc cài lại bản wheel của plancal")
    try:
        loaded: Callable[..., dict[str, Any]] = next(iter(found)).load()
    except ImportError as exc:
        raise PlancalError(f"không nạp được phần chạy '{name}': {exc}",
                           hint="cài đủ các gói phụ thuộc (Prefect) bằng scripts/bootstrap") from None
    return loaded


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
    run_simulation = runner("simulate")
    if not os.environ.get("PREFECT_API_URL"):
        err.print("Chưa đặt PREFECT_API_URL: các lần chạy dùng máy chủ Prefect tạm thời và không hiện trên giao diện "
                  "(đặt PREFECT_API_URL=http://127.0.0.1:4200/api sau khi chạy scripts/up).")
    result = run_simulation(plan, lo, hi, submissions=submissions,
                            echo=lambda line: out.print(line, markup=False, highlight=False))
    runs = ", ".join(f"{stage} {n}" for stage, n in result["runs"].items())
    out.print(f"[green]✓[/green] Mô phỏng {escape(str(result['plan']))} từ {result['from']} đến {result['to']}: "
              f"{escape(str(runs))}")
