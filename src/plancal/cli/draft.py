"""``plancal draft FILE``: a draft plan file from a document; ``plancal when "PHRASE"``: how a time phrase is read."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from plancal.cli.app import app, settings, today_in
from plancal.draft.core import first_due_dates
from plancal.draft.drafter import draft_document
from plancal.draft.timephrase import Context, fmt, read


@app.command("draft")
def draft(file: Annotated[Path, typer.Argument(help="Văn bản kế hoạch: .docx, .pdf hoặc .txt")],
          units: Annotated[Path | None, typer.Option("--units", help="Danh mục đơn vị (tệp hoặc thư mục)")] = None,
          output: Annotated[Path | None, typer.Option("-o", "--output", help="Tệp kế hoạch YAML cần ghi")] = None) -> None:
    """Soạn bản nháp tệp kế hoạch từ văn bản; in các câu cần xem lại."""
    rel: list[str] | None = None
    if units is not None and output is not None:
        files = sorted(units.glob("*.yaml")) if units.is_dir() else [units]
        rel = [os.path.relpath(f.resolve(), output.resolve().parent) for f in files]
    result = draft_document(file, units, units=rel)
    if output is None:
        typer.echo(result.yaml_text, nl=False)
    else:
        output.write_text(result.yaml_text, encoding="utf-8")
        typer.echo(f"Đã ghi {output}: {len(result.items)} mục, {len(result.review)} câu cần xem lại.", err=True)
    for item in result.review:
        typer.echo(f"  • {item}", err=True)


@app.command("when")
def when(phrase: Annotated[str, typer.Argument(help="Cụm từ chỉ thời gian, ví dụ “trước ngày 25 hàng tháng”")],
         issued: Annotated[str | None, typer.Option("--issued", help="Ngày ban hành kế hoạch (dd/mm/yyyy)")] = None) -> None:
    """Cho biết plancal hiểu một cụm từ thời gian thế nào (when: và các hạn đầu tiên)."""
    day = today_in(settings(), issued)
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
