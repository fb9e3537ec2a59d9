"""Reading unit directories from YAML and CSV files, every problem located by file and line."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import yaml

from plancal.errors import Problem, UnitError
from plancal.source import line_of, parse
from plancal.units.directory import Directory, Unit
from plancal.vn.dates import parse_date
from plancal.vn.text import one_line

KEYS = ("id", "name", "kind", "parent", "emails", "formal_name", "valid_from", "valid_to", "successor")


def _day(row: dict[str, object], key: str, source: str, line: int | None) -> date | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise UnitError([Problem(f"{key}: {exc}", file=source, line=line, field=key,
                                 hint="viết ngày dạng ngày/tháng/năm, ví dụ 30/06/2025")]) from None


def _text(row: dict[str, object], key: str) -> str | None:
    value = row.get(key)
    return one_line(str(value)) if value not in (None, "") else None


def _unit_from_row(row: dict[str, object], source: str, line: int | None) -> Unit:
    unknown = set(row) - {*KEYS, "email"}
    if unknown:
        raise UnitError([Problem(f"khóa không được phép: {', '.join(sorted(unknown))}", file=source, line=line,
                                 hint=f"một đơn vị chỉ có {', '.join(KEYS)}")])
    missing = [k for k in ("id", "name", "kind") if not row.get(k)]
    if missing:
        raise UnitError([Problem(f"thiếu trường bắt buộc: {', '.join(missing)}", file=source, line=line,
                                 field=missing[0], hint="mỗi đơn vị cần id, name và kind")])
    raw = row.get("emails", row.get("email")) or []
    if isinstance(raw, str):
        raw = [p for p in re.split(r"[;,\s]+", raw) if p]
    if not isinstance(raw, list):
        raise UnitError([Problem("emails phải là một danh sách địa chỉ", file=source, line=line, field="emails")])
    parent = row.get("parent") or None
    return Unit(id=str(row["id"]).strip(), name=one_line(str(row["name"])), kind=str(row["kind"]).strip(),
                parent=str(parent).strip() if parent else None,
                emails=tuple(str(e).strip() for e in raw), formal_name=_text(row, "formal_name"),
                valid_from=_day(row, "valid_from", source, line), valid_to=_day(row, "valid_to", source, line),
                successor=(_text(row, "successor") or "").strip() or None, source=source, line=line)


def read_units(path: Path) -> list[Unit]:
    """Read units from a YAML (list of mappings, or ``units:`` list) or CSV file."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UnitError(f"không đọc được tệp đơn vị {source}: {exc.strerror}",
                        hint="kiểm tra đường dẫn tệp") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows: list[Unit] = []
        start = 2
        for row in reader:
            rows.append(_unit_from_row({k: v for k, v in row.items() if k}, source, start))
            start = reader.line_num + 1
        return rows
    try:
        node, data = parse(text)
    except yaml.YAMLError as exc:
        raise UnitError([Problem(f"YAML không hợp lệ: {getattr(exc, 'problem', exc)}", file=source,
                                 line=line_of(exc))]) from None
    if isinstance(data, dict) and "units" in data:
        data = data["units"]
        node = next(v for k, v in node.value if k.value == "units") if node is not None else None
    if not isinstance(data, list):
        raise UnitError([Problem("tệp đơn vị phải là một danh sách (hoặc khóa units: với một danh sách)", file=source)])
    lines = [item.start_mark.line + 1 for item in node.value] if node is not None else [None] * len(data)
    out = []
    for row, line in zip(data, lines, strict=True):
        if not isinstance(row, dict):
            raise UnitError([Problem("mỗi đơn vị phải là một bảng khóa: giá trị", file=source, line=line)])
        out.append(_unit_from_row(row, source, line))
    return out


def load_directory(paths: Iterable[Path]) -> Directory:
    units: list[Unit] = []
    for p in paths:
        units.extend(read_units(p))
    return Directory.build(units)
