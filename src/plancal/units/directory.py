"""The unit directory: units (id, name, kind, parent, addresses, lifetime) and their hierarchy.

Units change: a body may start (``valid_from``) and end (``valid_to``, the last day it exists) and hand its
work to a ``successor`` (since 1/7/2025 the district level is gone; departments merged in 2025).
:meth:`Directory.holder_on` says who holds a unit's work on a day.

A unit has a place name for titles (``name``: "xã Hương Lộc") and a formal name for letters
(``formal_name``: "UBND xã Hương Lộc"). When none is given, :func:`formal_name` derives it: for a unit whose
kind is a People's Committee (``PEOPLES_COMMITTEE_KINDS``: province, city, district, commune, ward,
special-zone) whose name does not already name the committee, "UBND " + name; otherwise the name itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from plancal.errors import Problem, UnitError
from plancal.source import bad_character

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Column lengths of the units table (plancal.store.tables), checked here so the store never sees more.
MAX_ID = 80
MAX_KIND = 60
MAX_NAME = 300
MAX_EMAILS = 20

# RFC 5321/5322 dot-atom: no leading, trailing or doubled dot; local part ≤ 64, domain ≤ 255.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(rf"^(?=[^@]{{1,64}}@)(?=[^@]*@.{{1,255}}$){_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$")


def address_problem(email: str) -> str | None:
    """Why a mail address cannot be used (RFC 5321 limits, dot-atom syntax), or None."""
    local, at, domain = email.rpartition("@")
    if not at:
        return "thiếu dấu @"
    if len(local) > 64:
        return f"phần trước @ dài {len(local)} ký tự (tối đa 64)"
    if len(domain) > 255:
        return f"tên miền dài {len(domain)} ký tự (tối đa 255)"
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return "phần trước @ không được bắt đầu, kết thúc bằng dấu chấm hay có hai dấu chấm liền nhau"
    if not EMAIL_RE.match(email):
        return "sai cú pháp"
    return None


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    parent: str | None = None
    emails: tuple[str, ...] = ()
    #: the name for letters ("UBND xã Hương Lộc"); None: derived by :func:`formal_name`
    formal_name: str | None = None
    #: first and last day the unit exists (None: since always, still exists)
    valid_from: date | None = None
    valid_to: date | None = None
    #: the unit that takes over its work after ``valid_to``
    successor: str | None = None
    # where the row came from, for error messages
    source: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)

    @property
    def letter_name(self) -> str:
        """How letters address the unit: its formal name, or the one the rule derives."""
        return self.formal_name or formal_name(self.kind, self.name)

    def exists_on(self, d: date) -> bool:
        return exists_on(self.valid_from, self.valid_to, d)


def exists_on(valid_from: date | None, valid_to: date | None, d: date) -> bool:
    """Whether a unit with this lifetime (None: since always, still exists) exists on ``d``."""
    return (valid_from is None or valid_from <= d) and (valid_to is None or d <= valid_to)


PEOPLES_COMMITTEE_KINDS = frozenset({"province", "city", "district", "commune", "ward", "special-zone"})
_COMMITTEE = re.compile(r"^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\b", re.IGNORECASE)


def formal_name(kind: str, name: str) -> str:
    """The rule: a People's Committee kind gets "UBND " before its place name ("xã Hương Lộc" → "UBND xã
    Hương Lộc"), unless the name already says it; any other unit is addressed by its name."""
    if kind in PEOPLES_COMMITTEE_KINDS and not _COMMITTEE.match(name):
        return f"UBND {name}"
    return name


def _text_problems(u: Unit, where: dict[str, Any]) -> list[Problem]:
    """Names and kinds end up in mail headers, subjects and calendars: no control characters, sane lengths."""
    problems: list[Problem] = []
    if not u.name.strip():
        problems.append(Problem(f"đơn vị '{u.id[:MAX_ID]}' chưa có tên", field="name", **where,
                                hint="ghi tên tiếng Việt đầy đủ, ví dụ UBND xã Hương Lộc"))
    if len(u.name) > MAX_NAME:
        problems.append(Problem(f"tên đơn vị '{u.id[:MAX_ID]}' dài {len(u.name)} ký tự (tối đa {MAX_NAME})",
                                field="name", **where, hint="ghi tên chính thức, ngắn gọn"))
    if not u.kind.strip() or len(u.kind) > MAX_KIND:
        problems.append(Problem(f"loại đơn vị của '{u.id[:MAX_ID]}' trống hoặc dài quá {MAX_KIND} ký tự",
                                field="kind", **where, hint="ví dụ province, district, commune"))
    for name, text in (("name", u.name), ("kind", u.kind), ("parent", u.parent or ""),
                       *(("emails", e) for e in u.emails)):
        bad = bad_character(text, multiline=False)
        if bad is not None:
            problems.append(Problem(f"{name} của đơn vị '{u.id[:MAX_ID]}' chứa ký tự điều khiển {bad}",
                                    field=name, **where, hint="xóa ký tự này (thường do sao chép từ phần mềm khác)"))
    return problems


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
        self._of_kind: dict[tuple[str, str | None], list[str]] = {}
        #: the units with a first or last day: any other holds its own work every day
        self._bounded = frozenset(u.id for u in self._units.values() if u.valid_from or u.valid_to)

    @classmethod
    def build(cls, units: Iterable[Unit]) -> Directory:
        units = list(units)
        problems: list[Problem] = []
        seen: dict[str, Unit] = {}
        for u in units:
            where: dict[str, Any] = {"file": u.source, "line": u.line}
            shown = u.id[:MAX_ID] + ("…" if len(u.id) > MAX_ID else "")
            if not ID_RE.match(u.id) or len(u.id) > MAX_ID:
                problems.append(Problem(f"mã đơn vị '{shown}' không hợp lệ", field="id", **where,
                                        hint="chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ xa-huong-loc, "
                                             f"tối đa {MAX_ID} ký tự"))
            if u.id in seen:
                first = seen[u.id]
                at = f"{first.source}:{first.line}" if first.source and first.source != u.source else \
                    f"dòng {first.line}"
                problems.append(Problem(f"mã đơn vị '{shown}' bị trùng (đã khai ở {at})", field="id",
                                        **where, hint="mỗi đơn vị cần một mã riêng"))
            seen.setdefault(u.id, u)
            problems.extend(_text_problems(u, where))
            if len(u.emails) > MAX_EMAILS:
                problems.append(Problem(f"đơn vị '{shown}' có {len(u.emails)} địa chỉ thư (tối đa {MAX_EMAILS})",
                                        field="emails", **where, hint="giữ các địa chỉ nhận văn bản chính"))
            for email in u.emails[:MAX_EMAILS]:
                why = address_problem(email)
                if why is not None:
                    problems.append(Problem(f"địa chỉ thư '{email[:100]}' của đơn vị '{shown}' không hợp lệ: {why}",
                                            field="emails", **where, hint="viết dạng ten@mien.gov.vn"))
        for u in units:
            where = {"file": u.source, "line": u.line}
            if u.valid_from and u.valid_to and u.valid_to < u.valid_from:
                problems.append(Problem(f"đơn vị '{u.id}' kết thúc ({u.valid_to:%d/%m/%Y}) trước khi bắt đầu "
                                        f"({u.valid_from:%d/%m/%Y})", field="valid_to", **where,
                                        hint="valid_to là ngày cuối cùng đơn vị còn hoạt động"))
            if u.successor and u.successor not in seen:
                problems.append(Problem(f"đơn vị kế thừa '{u.successor}' của '{u.id}' không có trong danh mục",
                                        field="successor", **where, hint="khai đơn vị kế thừa, hoặc sửa mã cho đúng"))
            elif u.successor == u.id:
                problems.append(Problem(f"đơn vị '{u.id}' không thể kế thừa chính nó", field="successor", **where))
            if u.successor and u.valid_to is None:
                problems.append(Problem(f"đơn vị '{u.id}' có đơn vị kế thừa nhưng chưa có ngày kết thúc",
                                        field="valid_to", **where, hint="ghi valid_to: ngày cuối cùng còn hoạt động"))
            if u.parent and u.parent not in seen:
                problems.append(Problem(f"đơn vị cấp trên '{u.parent}' của '{u.id}' không có trong danh mục",
                                        field="parent", file=u.source, line=u.line,
                                        hint="khai đơn vị cấp trên trước, hoặc sửa mã cho đúng"))
        # each unit is walked once: linear in the number of units, whatever the depth
        settled: set[str] = set()
        for u in seen.values():
            chain = [u.id]
            on_chain = {u.id}
            cur = u.parent
            while cur and cur in seen and cur not in settled:
                if cur in on_chain:
                    cycle = " → ".join([*chain[chain.index(cur):], cur])
                    problems.append(Problem(f"quan hệ cấp trên bị vòng lặp: {cycle}", field="parent",
                                            file=u.source, line=u.line, hint="một đơn vị không thể là cấp trên của chính nó"))
                    break
                chain.append(cur)
                on_chain.add(cur)
                cur = seen[cur].parent
            settled.update(chain)
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

    @property
    def bounded(self) -> frozenset[str]:
        """The units with a first or last day: any other holds its own work every day."""
        return self._bounded

    def holder_on(self, unit_id: str, d: date) -> str | None:
        """Who holds ``unit_id``'s work on ``d``: the unit while it exists, then its successor (and theirs);
        None when nobody does (it has not started yet, or it ended with no successor that exists on ``d``)."""
        if unit_id not in self._bounded:
            return unit_id
        seen: set[str] = set()
        cur: str | None = unit_id
        while cur is not None and cur not in seen:
            seen.add(cur)
            unit = self._units.get(cur)
            if unit is None:
                return cur  # not in this directory: nothing known about its lifetime
            if unit.exists_on(d):
                return cur
            if unit.valid_to is None or d <= unit.valid_to:
                return None  # before it started
            cur = unit.successor
        return None

    def of_kind(self, kind: str, under: str | None = None) -> list[str]:
        key = (kind, under)
        found = self._of_kind.get(key)
        if found is None:  # a directory does not change: each (kind, under) is walked once
            pool = self.descendants(under) if under else sorted(self._units)
            found = self._of_kind[key] = [uid for uid in pool if self._units[uid].kind == kind]
        return list(found)

    def merged(self, other: Iterable[Unit]) -> Directory:
        units = dict(self._units)
        for u in other:
            units[u.id] = u
        return Directory.build(units.values())
