"""``plancal days-off YEAR``: the year's days off and make-up working days, with the source of each."""

from __future__ import annotations

from typing import Annotated

import typer

from plancal.cli.app import app, out
from plancal.errors import PlancalError
from plancal.vn import daysoff


@app.command("days-off")
def days_off_cmd(year: Annotated[int, typer.Argument(help="Năm, ví dụ 2026")]) -> None:
    """Ngày nghỉ lễ, nghỉ hoán đổi và ngày làm bù của một năm, kèm nguồn của từng ngày."""
    if not 1995 <= year <= 2100:
        raise PlancalError(f"năm {year} nằm ngoài khoảng có lịch nghỉ", hint="chọn một năm từ 1995 đến 2100")
    out.print(daysoff.render(year, daysoff.days_off(year)), markup=False, highlight=False)
