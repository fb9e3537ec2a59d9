"""CLI command ``plancal report --plan ID --period 2023-H1 --format html|docx -o FILE`` (registered in
plancal.cli): the consolidated report of a period, rendered by plancal.views.consolidated and
plancal.views.documents."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from plancal.errors import PlancalError
from plancal.settings import Settings
from plancal.store import open_store
from plancal.views.consolidated import consolidated, parse_period, render_html
from plancal.views.documents import render_docx
from plancal.vn.dates import parse_date


class Format(StrEnum):
    HTML = "html"
    DOCX = "docx"


def report(
    plan: Annotated[str, typer.Option("--plan", help="Mã kế hoạch")],
    period: Annotated[str, typer.Option("--period", help="Kỳ: 2023-H1, 2023-H2 hoặc 2023")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Tệp cần ghi")],
    fmt: Annotated[Format, typer.Option("--format", help="html hoặc docx")] = Format.HTML,
    today: Annotated[str | None, typer.Option("--today", help="Tình hình đến ngày này (mặc định: hôm nay)")] = None,
) -> None:
    """Báo cáo tổng hợp một kỳ: tình hình gửi báo cáo, chỉ tiêu điển hình, điển hình theo lĩnh vực, việc quá hạn."""
    s = Settings.from_env()
    try:
        day = parse_date(today) if today else datetime.now(ZoneInfo(s.timezone)).date()
    except ValueError as exc:
        raise PlancalError(f"ngày không hợp lệ: {exc}", hint="viết ngày dạng 25/06/2025") from None
    per = parse_period(period)
    st = open_store(s.db_url)
    try:
        data = consolidated(st, plan, per, day)
    finally:
        st.engine.dispose()
    if fmt == Format.HTML:
        output.write_text(render_html(data, s), encoding="utf-8")
    else:
        output.write_bytes(render_docx(data))
    typer.echo(f"Đã ghi {output}: {data.subject}", err=True)
