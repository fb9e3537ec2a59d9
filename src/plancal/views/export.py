"""The units × duties status table as an .xlsx workbook, written under ``PLANCAL_HOME/exports``."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from plancal.files import write_atomic
from plancal.settings import Settings
from plancal.store import PlanRow, Store
from plancal.views.keys import artifact_key
from plancal.views.status import status_rows
from plancal.vn.dates import short
from plancal.workbooks import Cell, Table, xlsx_bytes


def status_xlsx(store: Store, settings: Settings, plan: PlanRow, today: date) -> Path:
    """Write ``exports/<plan>-status-<date>.xlsx`` (one sheet: the status table, a title row, frozen
    header, widths set) and return its path. Rewritten for the same day."""
    rows = status_rows(store, plan.id, today, limit=10**9)
    header = tuple(rows[0]) if rows else ("Đơn vị", "Nhiệm vụ")
    table = Table("Tình hình thực hiện", f"Tình hình thực hiện {plan.display_number} đến ngày {short(today)}", header,
                  tuple(tuple(_cell(row[h]) for h in header) for row in rows), widths=(40, 80, 12, 12, 18, 14, 12, 12))
    path = settings.exports_dir / f"{artifact_key(plan.id, 'status', today.isoformat())}.xlsx"
    write_atomic(path, xlsx_bytes([table], stamp=datetime.combine(today, time(0))), suffix=".xlsx")
    return path


def _cell(value: object) -> Cell:
    return value if value is None or isinstance(value, str | int | float | date) else str(value)
