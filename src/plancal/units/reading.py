"""Reading unit directories from YAML and CSV files, every problem located by file and line.

Files go through :mod:`plancal.source` (regular files within a size limit; UTF-8 with or without
Excel's BOM, or UTF-16 with a BOM). A unit id declared twice in one file is an error naming both
lines: a second row never silently replaces the first one's name or addresses.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from plancal.errors import Problem, UnitError
from plancal.source import decode, parse, read_bytes
from plancal.units.directory import Directory, Unit
from plancal.vn.dates import parse_date
from plancal.vn.text import one_line

MAX_UNITS = 20_000
"""Units in one file (a province with every commune and agency has about 2,000)."""
KEYS = ("id", "name", "kind", "parent", "emails", "formal_name", "valid_from", "valid_to", "successor")
_FIELDS = (*KEYS, "email")


def _text(value: object, source: str, line: int | None, key: str) -> str:
    if isinstance(value, (dict, list)):
        raise UnitError([Problem(f"{key} phải là một giá trị đơn, không phải bảng hay danh sách", file=source,
                                 line=line, field=key)])
    return str(value)


def _optional(row: dict[object, object], key: str, source: str, line: int | None) -> str | None:
    value = row.get(key)
    return one_line(_text(value, source, line, key)).strip() or None if value not in (None, "") else None


def _day(row: dict[object, object], key: str, source: str, line: int | None) -> date | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise UnitError([Problem(f"{key}: {exc}", file=source, line=line, field=key,
                                 hint="viết ngày dạng ngày/tháng/năm, ví dụ 30/06/2025")]) from None


def _unit_from_row(row: dict[object, object], source: str, line: int | None) -> Unit:
    unknown = {str(k) for k in row} - set(_FIELDS)
    if unknown:
        raise UnitError([Problem(f"khóa không được phép: {', '.join(sorted(unknown))[:200]}", file=source, line=line,
                                 hint=f"một đơn vị chỉ có {', '.join(KEYS)}")])
    missing = [k for k in ("id", "name", "kind") if row.get(k) in (None, "")]
    if missing:
        raise UnitError([Problem(f"thiếu trường bắt buộc: {', '.join(missing)}", file=source, line=line,
                                 field=missing[0], hint="mỗi đơn vị cần id, name và kind")])
    raw = row.get("emails", row.get("email")) or []
    if isinstance(raw, str):
        raw = [p for p in re.split(r"[;,\s]+", raw) if p]
    if not isinstance(raw, list):
        raise UnitError([Problem("emails phải là một danh sách địa chỉ", file=source, line=line, field="emails")])
    parent = row.get("parent") or None
    return Unit(id=_text(row["id"], source, line, "id").strip(), name=one_line(_text(row["name"], source, line, "name")),
                kind=_text(row["kind"], source, line, "kind").strip(),
                parent=_text(parent, source, line, "parent").strip() if parent else None,
                emails=tuple(_text(e, source, line, "emails").strip() for e in raw),
                formal_name=_optional(row, "formal_name", source, line),
                valid_from=_day(row, "valid_from", source, line), valid_to=_day(row, "valid_to", source, line),
                successor=_optional(row, "successor", source, line), source=source, line=line)


def _read_csv(text: str, source: str) -> list[Unit]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[Unit] = []
    start = 2
    try:
        if reader.fieldnames is not None:
            names = [n.strip() for n in reader.fieldnames if n]
            twice = sorted(n for n, count in Counter(names).items() if count > 1)
            if twice:
                raise UnitError([Problem(f"cột {', '.join(twice)[:200]} có hai lần trong dòng tiêu đề", file=source,
                                         line=1, hint="mỗi cột id, name, kind, parent, emails chỉ một lần")])
            reader.fieldnames = [n.strip() if n else n for n in reader.fieldnames]
        for row in reader:
            if len(rows) >= MAX_UNITS:
                raise UnitError([Problem(f"tệp có quá {MAX_UNITS} đơn vị", file=source, line=start,
                                         hint="tách thành nhiều tệp (xem docs/limits.md)")])
            if None in row:
                raise UnitError([Problem("dòng có nhiều cột hơn dòng tiêu đề", file=source, line=start,
                                         hint="đặt tên có dấu phẩy trong dấu nháy kép")])
            rows.append(_unit_from_row({k: v for k, v in row.items() if k}, source, start))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnitError([Problem(f"CSV không hợp lệ: {exc}", file=source, line=start,
                                 hint="một ô quá dài hoặc thiếu dấu nháy kép đóng")]) from None
    return rows


def read_units(path: Path) -> list[Unit]:
    """Read units from a YAML (list of mappings, or ``units:`` list) or CSV file."""
    source = str(path)
    text = decode(read_bytes(path, UnitError, "tệp đơn vị"), source, UnitError)
    units = _read_csv(text, source) if path.suffix.lower() == ".csv" else _read_yaml(text, source)
    _no_duplicates(units, source)
    return units


def _read_yaml(text: str, source: str) -> list[Unit]:
    node, data = parse(text, source, UnitError)
    if isinstance(data, dict) and "units" in data:
        data = data["units"]
        node = next(v for k, v in node.value if k.value == "units") if node is not None else None
    if not isinstance(data, list):
        raise UnitError([Problem("tệp đơn vị phải là một danh sách (hoặc khóa units: với một danh sách)", file=source,
                                 line=node.start_mark.line + 1 if node is not None else None)])
    if len(data) > MAX_UNITS:
        raise UnitError([Problem(f"tệp có {len(data)} đơn vị, quá giới hạn {MAX_UNITS}", file=source,
                                 hint="tách thành nhiều tệp (xem docs/limits.md)")])
    lines = [item.start_mark.line + 1 for item in node.value] if node is not None else [None] * len(data)
    out = []
    for row, line in zip(data, lines, strict=True):
        if not isinstance(row, dict):
            raise UnitError([Problem("mỗi đơn vị phải là một bảng khóa: giá trị", file=source, line=line)])
        out.append(_unit_from_row(row, source, line))
    return out


def _no_duplicates(units: list[Unit], source: str) -> None:
    first: dict[str, Unit] = {}
    problems = []
    for u in units:
        if u.id in first:
            problems.append(Problem(f"mã đơn vị '{u.id[:80]}' khai hai lần: {source}:{first[u.id].line} và "
                                    f"{source}:{u.line} (dòng sau sẽ thay mất tên và địa chỉ của dòng trước)",
                                    file=source, line=u.line, field="id",
                                    hint="giữ một dòng cho mỗi đơn vị, gộp địa chỉ thư vào dòng đó"))
        else:
            first[u.id] = u
    if problems:
        raise UnitError(problems)


def load_directory(paths: Iterable[Path]) -> Directory:
    units: list[Unit] = []
    for p in paths:
        units.extend(read_units(p))
    return Directory.build(units)
