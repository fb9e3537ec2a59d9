"""Tables as .xlsx workbooks: one sheet per table, a title row, a bold frozen header, column widths and
dates shown dd/mm/yyyy. The same tables give the same bytes (fixed zip timestamps and document dates),
so a letter composed again carries the very same attachment."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: what a cell may hold
Cell = str | int | float | date | None

#: the zip entries' time (the earliest a zip can say): nothing in the bytes depends on when they were made
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_SHEET_NAME_LIMIT = 31  # Excel's limit
_COLUMNS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Table:
    """One sheet: its name (at most 31 characters), the title written above the header, the header, the rows
    (each as long as the header) and the column widths in characters (first columns only if shorter)."""

    sheet: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[int, ...] = ()


class _FixedTimeZip(ZipFile):
    """A zip whose entries all carry :data:`_ZIP_TIME` (openpyxl stamps the current time otherwise)."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: int | None = None,
                 compresslevel: int | None = None) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            zinfo_or_arcname.compress_type = ZIP_DEFLATED
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: int | None = None,
              compresslevel: int | None = None) -> None:
        self.writestr(str(arcname or filename), Path(filename).read_bytes(), compress_type, compresslevel)


def xlsx_bytes(tables: Sequence[Table], *, stamp: datetime) -> bytes:
    """The workbook of ``tables`` (one sheet each, in order) as bytes; ``stamp`` is written as the
    document's creation and modification time."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    bold_title, bold = Font(bold=True, size=13), Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(table.sheet[:_SHEET_NAME_LIMIT])
        sheet.append([table.title])
        sheet["A1"].font = bold_title
        sheet.append(list(table.header))
        for cell in sheet[2]:
            cell.font = bold
        dated = sorted({i for row in table.rows for i, value in enumerate(row) if isinstance(value, date)})
        for row in table.rows:
            sheet.append(list(row))
        for i in dated:
            for (cell,) in sheet.iter_rows(min_row=3, min_col=i + 1, max_col=i + 1):
                cell.number_format = "DD/MM/YYYY"
        sheet.freeze_panes = "A3"
        for letter, width in zip(_COLUMNS, table.widths, strict=False):
            sheet.column_dimensions[letter].width = width
    moment = stamp.replace(tzinfo=None, microsecond=0)
    book.properties.created = book.properties.modified = moment
    buffer = io.BytesIO()
    with _FixedTimeZip(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).write_data()
    return buffer.getvalue()
