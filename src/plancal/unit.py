"""The unit directory: departments, districts, communes, newspapers … in a hierarchy of any depth.

A unit has an id (ASCII slug, stable), a Vietnamese name, a kind (free text such as ``province``,
``district``, ``commune``, ``department``), a parent and contact emails. Imported from YAML or CSV;
unknown parents, cycles, duplicate ids and bad addresses are errors that name file and line.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from plancal.errors import Problem, UnitError
from plancal.source import line_of, parse

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def one_line(text: str) -> str:
    """Collapse newlines and control characters: names end up in mail headers and titles."""
    return " ".join(nfc(text).split())


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    parent: str | None = None
    emails: tuple[str, ...] = ()
    # where the row came from, for error messages
    source: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)


class Directory:
    """Units by id with parent/child navigation. Build with :meth:`build` to get validation."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self._units: dict[str, Unit] = {u.id: u for u in units}
        self._children: dict[str, list[str]] = {}
        for u in self._units.values():
            if u.parent:
                self._children.setdefault(u.parent, []).append(u.id)
        for kids in self._children.values():
            kids.sort()

    @classmethod
    def build(cls, units: Iterable[Unit]) -> Directory:
        units = list(units)
        problems: list[Problem] = []
        seen: dict[str, Unit] = {}
        for u in units:
            where: dict[str, Any] = {"file": u.source, "line": u.line}
            if not ID_RE.match(u.id):
                problems.append(Problem(f"mã đơn vị '{u.id}' không hợp lệ", field="id", **where,
                                        hint="chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ xa-huong-loc"))
            if u.id in seen:
                first = seen[u.id]
                problems.append(Problem(f"mã đơn vị '{u.id}' bị trùng (đã khai ở dòng {first.line})", field="id",
                                        **where, hint="mỗi đơn vị cần một mã riêng"))
            seen.setdefault(u.id, u)
            if not u.name.strip():
                problems.append(Problem(f"đơn vị '{u.id}' chưa có tên", field="name", **where,
                                        hint="ghi tên tiếng Việt đầy đủ, ví dụ UBND xã Hương Lộc"))
            for email in u.emails:
                if not EMAIL_RE.match(email):
                    problems.append(Problem(f"địa chỉ thư '{email}' của đơn vị '{u.id}' không hợp lệ",
                                            field="emails", **where, hint="viết dạng ten@mien.gov.vn"))
        for u in units:
            if u.parent and u.parent not in seen:
                problems.append(Problem(f"đơn vị cấp trên '{u.parent}' của '{u.id}' không có trong danh mục",
                                        field="parent", file=u.source, line=u.line,
                                        hint="khai đơn vị cấp trên trước, hoặc sửa mã cho đúng"))
        for u in seen.values():
            chain = [u.id]
            cur = u.parent
            while cur and cur in seen:
                if cur in chain:
                    cycle = " → ".join([*chain[chain.index(cur):], cur])
                    problems.append(Problem(f"quan hệ cấp trên bị vòng lặp: {cycle}", field="parent",
                                            file=u.source, line=u.line, hint="một đơn vị không thể là cấp trên của chính nó"))
                    break
                chain.append(cur)
                cur = seen[cur].parent
        if problems:
            # one report per cycle, not one per member
            unique = list(dict.fromkeys(problems))
            raise UnitError(unique)
        return cls(units)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._units

    def __getitem__(self, unit_id: str) -> Unit:
        return self._units[unit_id]

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._units.values())

    def __len__(self) -> int:
        return len(self._units)

    def get(self, unit_id: str) -> Unit | None:
        return self._units.get(unit_id)

    def children(self, unit_id: str) -> list[str]:
        return self._children.get(unit_id, [])

    def descendants(self, unit_id: str) -> list[str]:
        out: list[str] = []
        stack = list(reversed(self.children(unit_id)))
        while stack:
            uid = stack.pop()
            out.append(uid)
            stack.extend(reversed(self.children(uid)))
        return out

    def ancestors(self, unit_id: str) -> list[str]:
        out: list[str] = []
        cur = self._units[unit_id].parent
        while cur:
            out.append(cur)
            cur = self._units[cur].parent if cur in self._units else None
        return out

    def of_kind(self, kind: str, under: str | None = None) -> list[str]:
        pool = self.descendants(under) if under else sorted(self._units)
        return [uid for uid in pool if self._units[uid].kind == kind]

    def merged(self, other: Iterable[Unit]) -> Directory:
        units = dict(self._units)
        for u in other:
            units[u.id] = u
        return Directory.build(units.values())


def _unit_from_row(row: dict[str, object], source: str, line: int | None) -> Unit:
    unknown = set(row) - {"id", "name", "kind", "parent", "emails", "email"}
    if unknown:
        raise UnitError([Problem(f"khóa không được phép: {', '.join(sorted(unknown))}", file=source, line=line,
                                 hint="một đơn vị chỉ có id, name, kind, parent, emails")])
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
                emails=tuple(str(e).strip() for e in raw), source=source, line=line)


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
