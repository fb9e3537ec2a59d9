"""CLI commands ``plancal draft FILE`` and ``plancal when "PHRASE"`` (registered in plancal.cli)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from plancal.draft.core import first_due_dates
from plancal.draft.drafter import draft_document
from plancal.draft.timephrase import Context, fmt, read
from plancal.errors import PlanError, Problem


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        d, m, y = (int(x) for x in value.replace("-", "/").split("/"))
        return date(y, m, d)
    except ValueError:
        raise PlanError([Problem(f"ngày '{value}' không hợp lệ", hint="viết dạng 31/10/2024")]) from None


def draft(file: Annotated[Path, typer.Argument(help="Văn bản kế hoạch: .docx, .pdf hoặc .txt")],
          units: Annotated[Path | None, typer.Option("--units", help="Danh mục đơn vị (tệp hoặc thư mục)")] = None,
          output: Annotated[Path | None, typer.Option("-o", "--output", help="Tệp kế hoạch YAML cần ghi")] = None) -> None:
    """Soạn bản nháp tệp kế hoạch từ văn bản; in các câu cần xem lại."""
    rel: list[str] | None = None
    if units is not None and output is not None:
        files = sorted(units.glob("*.yaml")) if units.is_dir() else [units]
        import os

        rel = [os.path.relpath(f.resolve(), output.resolve().parent) for f in files]
    result = draft_document(file, units, units=rel)
    if output is None:
        typer.echo(result.yaml_text, nl=False)
    else:
        output.write_text(result.yaml_text, encoding="utf-8")
        typer.echo(f"Đã ghi {output}: {len(result.items)} mục, {len(result.review)} câu cần xem lại.", err=True)
    for item in result.review:
        typer.echo(f"  • {item}", err=True)


def when(phrase: Annotated[str, typer.Argument(help="Cụm từ chỉ thời gian, ví dụ “trước ngày 25 hàng tháng”")],
         issued: Annotated[str | None, typer.Option("--issued", help="Ngày ban hành kế hoạch (dd/mm/yyyy)")] = None) -> None:
    """Cho biết plancal hiểu một cụm từ thời gian thế nào (when: và các hạn đầu tiên)."""
    day = _day(issued) or date.today()
    reading = read(phrase, Context(day))
    if reading is None:
        typer.echo("Không nhận ra cụm từ thời gian nào.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Cụm từ: {reading.text}  (quy tắc: {reading.rule})")
    typer.echo(f"when: {reading.when if reading.when is not None else '— (không có ngày)'}")
    if reading.tentative:
        typer.echo("Dự kiến: thời gian chưa chính thức.")
    if reading.when is not None and not reading.when.get("ongoing"):
        dates = first_due_dates(reading.when, day, date(day.year + 2, 12, 31))
        typer.echo("Hạn đầu tiên: " + (", ".join(fmt(d) for d in dates) or "—"))
    for note in reading.notes:
        typer.echo(f"Ghi chú: {note}")
