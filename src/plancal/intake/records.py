"""The office's own records: a document-management export (CSV or .xlsx) of received documents, read into
typed rows — sender, number, date received, subject — every bad row named by its row number."""

from __future__ import annotations

import contextlib
import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from plancal.errors import PlancalError, Problem
from plancal.vn.dates import parse_date
from plancal.vn.text import one_line


class RecordsError(PlancalError):
    """A records file could not be read, or some of its rows are wrong."""


@dataclass(frozen=True)
class Record:
    """One received document. ``line`` is its row number in the file (the header is row 1)."""

    line: int
    sender: str
    number: str
    received: date
    subject: str
    document_date: date | None = None


def fold(text: str) -> str:
    """Lowercase without diacritics, words separated by single spaces: "Số, ký hiệu" → "so ky hieu"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


#: the columns we need, and the headers document-management systems give them (folded)
COLUMNS: dict[str, tuple[str, ...]] = {
    "sender": ("co quan gui", "noi gui", "don vi gui", "co quan ban hanh", "noi ban hanh", "sender", "from"),
    "number": ("so ky hieu", "so va ky hieu", "so hieu", "so ky hieu van ban", "so van ban", "number"),
    "received": ("ngay den", "ngay nhan", "received"),
    "document_date": ("ngay van ban", "ngay ban hanh", "ngay ky", "date"),
    "subject": ("trich yeu", "trich yeu noi dung", "noi dung", "subject"),
}
LABEL = {"sender": "Cơ quan gửi", "number": "Số, ký hiệu", "received": "Ngày đến", "document_date": "Ngày văn bản",
         "subject": "Trích yếu"}


def _columns(header: list[object], file: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = fold(str(cell or ""))
        for key, aliases in COLUMNS.items():
            if name in aliases and key not in found:
                found[key] = i
    missing = [LABEL[k] for k in ("sender", "number", "subject") if k not in found]
    if "received" not in found and "document_date" not in found:
        missing.append("Ngày đến (hoặc Ngày văn bản)")
    if missing:
        raise RecordsError([Problem("thiếu cột " + ", ".join(f"“{m}”" for m in missing), file=file, line=1,
                                    hint="dòng đầu của tệp là tên cột: Cơ quan gửi, Số, ký hiệu, Ngày đến, Trích yếu")])
    return found


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(str(value).strip())


def _rows(path: Path) -> list[list[object]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
            raise RecordsError([Problem(f"không đọc được tệp Excel: {exc}", file=str(path),
                                        hint="lưu lại tệp dạng .xlsx hoặc xuất ra .csv")]) from None
        try:
            sheet = book.worksheets[0]
            return [list(r) for r in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    if suffix == ".csv":
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RecordsError([Problem("tệp CSV không phải mã UTF-8", file=str(path),
                                        hint="lưu lại tệp với mã UTF-8 (CSV UTF-8)")]) from None
        dialect: type[csv.Dialect] | csv.Dialect = csv.excel
        with contextlib.suppress(csv.Error):  # one column, or nothing to sniff: plain commas
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        return [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    raise RecordsError([Problem(f"không nhận tệp '{path.suffix}'", file=str(path), hint="dùng tệp .csv hoặc .xlsx")])


def read_records(path: Path) -> list[Record]:
    """Every document of the file; all bad rows reported at once (RecordsError), none skipped silently."""
    if not path.is_file():
        raise RecordsError([Problem("không có tệp này", file=str(path))])
    rows = _rows(path)
    file = str(path)
    if not rows:
        raise RecordsError([Problem("tệp rỗng", file=file)])
    cols = _columns(rows[0], file)
    out: list[Record] = []
    problems: list[Problem] = []
    for n, row in enumerate(rows[1:], start=2):
        if all(c is None or not str(c).strip() for c in row):
            continue

        def cell(key: str, row: list[object] = row) -> object:
            i = cols.get(key)
            return row[i] if i is not None and i < len(row) else None

        text = {k: one_line(str(cell(k) or "")) for k in ("sender", "number", "subject")}
        bad = [LABEL[k] for k, v in text.items() if not v]
        if bad:
            problems.append(Problem("thiếu " + ", ".join(f"“{b}”" for b in bad), file=file, line=n,
                                    field=LABEL[[k for k, v in text.items() if not v][0]]))
            continue
        days: dict[str, date | None] = {}
        for key in ("received", "document_date"):
            value = cell(key)
            if value is None or not str(value).strip():
                days[key] = None
                continue
            try:
                days[key] = _day(value)
            except ValueError as exc:
                problems.append(Problem(f"ngày '{value}' không hợp lệ: {exc}", file=file, line=n, field=LABEL[key],
                                        hint="viết ngày dạng 25/06/2023"))
                days[key] = None
                break
        else:
            received = days["received"] or days["document_date"]
            if received is None:
                problems.append(Problem("thiếu ngày đến", file=file, line=n, field=LABEL["received"]))
                continue
            out.append(Record(n, text["sender"], text["number"], received, text["subject"], days["document_date"]))
    if problems:
        raise RecordsError(problems)
    return out
