"""The units × duties status table as an .xlsx workbook, written under ``PLANCAL_HOME/exports``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from plancal.settings import Settings
from plancal.store import PlanRow, Store
from plancal.views.keys import artifact_key
from plancal.views.status import status_rows
from plancal.vn.dates import short


def status_xlsx(store: Store, settings: Settings, plan: PlanRow, today: date) -> Path:
    """Write ``exports/<plan>-status-<date>.xlsx`` (one sheet: the status table, a title row, frozen
    header, widths set) and return its path. Rewritten for the same day."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = status_rows(store, plan.id, today, limit=10**9)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tình hình thực hiện"
    sheet.append([f"Tình hình thực hiện {plan.display_number} đến ngày {short(today)}"])
    sheet["A1"].font = Font(bold=True, size=13)
    header = list(rows[0]) if rows else ["Đơn vị", "Nhiệm vụ"]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[h] for h in header])
    sheet.freeze_panes = "A3"
    for letter, width in zip("ABCDEFGH", (40, 80, 12, 12, 18, 14, 12, 12), strict=False):
        sheet.column_dimensions[letter].width = width
    folder = settings.exports_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{artifact_key(plan.id, 'status', today.isoformat())}.xlsx"
    tmp = path.with_suffix(".xlsx.tmp")
    book.save(tmp)
    tmp.replace(path)
    return path
