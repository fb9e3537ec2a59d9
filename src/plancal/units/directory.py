"""The unit directory: units (id, name, kind, parent, addresses) and their hierarchy."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from plancal.errors import Problem, UnitError

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


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
