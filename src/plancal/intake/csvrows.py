"""CSV files with Vietnamese column headers: each row read with its line number, headers matched
without regard to case, accents written in another Unicode form or surrounding spaces."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from plancal.errors import PlancalError, Problem
from plancal.source import decode, read_bytes

#: rows in one CSV file (registers and delegate lists are hundreds, not millions)
MAX_ROWS = 20_000


def fold(text: str) -> str:
    """The form two spellings of one header or choice are compared in: NFC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]  # column key → cell text (NFC, stripped)


def read_rows(path: Path, columns: dict[str, str], required: Sequence[str], what: str) -> list[Row]:
    """The rows of ``path``. ``columns`` maps each column key to its Vietnamese header; a missing
    required header, an unknown one or a row with more cells than headers is an error naming the line."""
    source = str(path)
    text = decode(read_bytes(path, PlancalError, what), source, PlancalError)
    reader = csv.reader(io.StringIO(text, newline=""))
    by_header = {fold(h): key for key, h in columns.items()}
    try:
        header = next(reader, None)
        if header is None:
            raise PlancalError([Problem(f"{what} trống", file=source, line=1,
                                        hint="dòng đầu ghi tên cột: " + ", ".join(columns.values()))])
        keys: list[str | None] = []
        for cell in header:
            key = by_header.get(fold(cell))
            if key is None and fold(cell):
                raise PlancalError([Problem(f"cột '{cell.strip()[:80]}' không có trong mẫu", file=source, line=1,
                                            hint="các cột: " + ", ".join(columns.values()))])
            if key is not None and key in keys:
                raise PlancalError([Problem(f"cột '{columns[key]}' có hai lần", file=source, line=1,
                                            hint="mỗi cột chỉ ghi một lần")])
            keys.append(key)
        missing = [columns[k] for k in required if k not in keys]
        if missing:
            raise PlancalError([Problem("thiếu cột " + ", ".join(missing), file=source, line=1,
                                        hint="dòng đầu ghi tên cột: " + ", ".join(columns.values()))])
        rows: list[Row] = []
        line = 2
        for cells in reader:
            if len(rows) >= MAX_ROWS:
                raise PlancalError([Problem(f"tệp có quá {MAX_ROWS} dòng", file=source, line=line,
                                            hint="tách thành nhiều tệp")])
            if any(c.strip() for c in cells):
                if len(cells) > len(keys):
                    raise PlancalError([Problem("dòng có nhiều ô hơn dòng tiêu đề", file=source, line=line,
                                                hint="đặt ô có dấu phẩy trong dấu nháy kép")])
                values = {k: unicodedata.normalize("NFC", c).strip() for k, c in zip(keys, cells, strict=False) if k}
                rows.append(Row(line, values))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise PlancalError([Problem(f"CSV không hợp lệ: {exc}", file=source, line=reader.line_num or 1,
                                    hint="một ô thiếu dấu nháy kép đóng")]) from None
    return rows
