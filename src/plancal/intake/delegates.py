"""A conference's delegate list checked against the plan's rules: the cap on delegates, the share of
exemplars (and so of guests), the size of the presidium and its share of heroes, emulation soldiers and
exemplars. The list is a CSV file with Vietnamese headers; the report says, in Vietnamese, which rule
each shortfall breaks.

The plan writes shares as "khoảng 70%": a list within ``TOLERANCE_POINTS`` percentage points below the
share still meets it. The presidium's share ("1/3 là anh hùng, chiến sĩ thi đua và các gương điển hình
tiên tiến") is a minimum.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

from plancal.errors import PlancalError, Problem
from plancal.intake.csvrows import fold, read_rows
from plancal.plans.loading import LoadedPlan
from plancal.plans.model import Conference

COLUMNS = {"name": "Họ và tên", "unit": "Đơn vị", "category": "Thành phần", "presidium": "Đoàn Chủ tịch"}
REQUIRED = ("name", "category")
#: "khoảng 70%": this many percentage points below still meet the share
TOLERANCE_POINTS = 5


class Category(StrEnum):
    EXEMPLAR = "điển hình tiên tiến"
    HERO = "anh hùng"
    EMULATION = "chiến sĩ thi đua"
    GUEST = "khách mời"
    LEADER = "lãnh đạo"


#: heroes, emulation soldiers and exemplars: the exemplars' share of delegates and of the presidium
HONOURED = frozenset({Category.EXEMPLAR, Category.HERO, Category.EMULATION})
_CATEGORY = {fold(c.value): c for c in Category} | {"điển hình": Category.EXEMPLAR, "khách": Category.GUEST,
                                                      "đại biểu khách mời": Category.GUEST}
_YES = {"có", "x", "1", "yes"}
_NO = {"", "không", "0", "no"}


class Rule(StrEnum):
    CAP = "Số lượng đại biểu"
    EXEMPLAR_SHARE = "Tỉ lệ đại biểu điển hình tiên tiến"
    PRESIDIUM_SIZE = "Số lượng Đoàn Chủ tịch"
    PRESIDIUM_SHARE = "Cơ cấu Đoàn Chủ tịch"


@dataclass(frozen=True)
class Delegate:
    line: int
    name: str
    unit: str
    category: Category
    presidium: bool


@dataclass(frozen=True)
class Breach:
    rule: Rule
    message: str

    def __str__(self) -> str:
        return f"{self.rule.value}: {self.message}"


@dataclass(frozen=True)
class DelegateCheck:
    conference: Conference
    delegates: tuple[Delegate, ...]
    breaches: tuple[Breach, ...]

    @property
    def honoured(self) -> int:
        return sum(1 for d in self.delegates if d.category in HONOURED)

    @property
    def presidium(self) -> tuple[Delegate, ...]:
        return tuple(d for d in self.delegates if d.presidium)

    @property
    def passed(self) -> bool:
        return not self.breaches

    def lines(self) -> list[str]:
        """The report, in Vietnamese."""
        conf = self.conference
        n = len(self.delegates)
        counts = Counter(d.category for d in self.delegates)
        out = [f"Danh sách đại biểu: {conf.name or conf.title}",
               f"Tổng số {n} đại biểu: " + ", ".join(f"{c.value} {counts[c]}" for c in Category if counts[c]) + ".",
               f"Đoàn Chủ tịch: {len(self.presidium)} người."]
        if self.passed:
            out.append("Danh sách đáp ứng các quy định của kế hoạch.")
        else:
            out.append(f"Danh sách chưa đáp ứng {len(self.breaches)} quy định:")
            out += [f"- {b}" for b in self.breaches]
        return out


def share(text: str) -> Fraction:
    """"1/3", "30%", "0,3" → a fraction."""
    t = text.strip().replace(",", ".")
    try:
        value = Fraction(t[:-1].strip()) / 100 if t.endswith("%") else Fraction(t)
    except (ValueError, ZeroDivisionError):
        raise PlancalError([Problem(f"tỉ lệ '{text}' không hiểu được", field="presidium.exemplar_share",
                                    hint="ghi dạng 1/3 hoặc 30%")]) from None
    if not 0 <= value <= 1:
        raise PlancalError([Problem(f"tỉ lệ '{text}' nằm ngoài 0-100%", field="presidium.exemplar_share",
                                    hint="ghi dạng 1/3 hoặc 30%")])
    return value


def conference_of(loaded: LoadedPlan, conference_id: str) -> Conference:
    for conf in loaded.plan.conferences:
        if conf.id == conference_id:
            return conf
    known = ", ".join(c.id for c in loaded.plan.conferences) or "kế hoạch không có hội nghị nào"
    raise PlancalError([Problem(f"kế hoạch '{loaded.plan.id}' không có hội nghị mã '{conference_id}'",
                                field="conference", hint=f"dùng một trong: {known}")])


def read_delegates(path: Path) -> list[Delegate]:
    """The delegates of a CSV list; every bad row named at once, a person listed twice is one of them."""
    source = str(path)
    problems: list[Problem] = []
    out: list[Delegate] = []
    seen: dict[tuple[str, str], int] = {}
    for row in read_rows(path, COLUMNS, REQUIRED, "tệp danh sách đại biểu"):
        v = row.values
        name, unit = v.get("name", ""), v.get("unit", "")
        category = _CATEGORY.get(fold(v.get("category", "")))
        mark = fold(v.get("presidium", ""))
        if not name:
            problems.append(Problem("thiếu họ và tên", file=source, line=row.line, field=COLUMNS["name"],
                                    hint="ghi họ và tên đại biểu"))
        if category is None:
            problems.append(Problem(f"thành phần '{v.get('category', '')[:40]}' không hợp lệ", file=source,
                                    line=row.line, field=COLUMNS["category"],
                                    hint="ghi một trong: " + ", ".join(c.value for c in Category)))
        if mark not in _YES | _NO:
            problems.append(Problem(f"'{v.get('presidium', '')[:20]}' không phải có/không", file=source,
                                    line=row.line, field=COLUMNS["presidium"], hint="ghi 'có' hoặc để trống"))
        key = (fold(name), fold(unit))
        if name and key in seen:
            problems.append(Problem(f"đại biểu '{name}' ({unit or 'không ghi đơn vị'}) trùng với dòng {seen[key]}",
                                    file=source, line=row.line, hint="bỏ dòng trùng"))
        seen.setdefault(key, row.line)
        if name and category is not None and mark in _YES | _NO:
            out.append(Delegate(row.line, name, unit, category, mark in _YES))
    if problems:
        raise PlancalError(problems[:50])
    return out


def check(conference: Conference, delegates: list[Delegate]) -> DelegateCheck:
    """Every rule of the conference the list breaks."""
    breaches: list[Breach] = []
    n = len(delegates)
    honoured = sum(1 for d in delegates if d.category in HONOURED)
    rules = conference.delegates
    if rules is not None and rules.max is not None and n > rules.max:
        breaches.append(Breach(Rule.CAP, f"có {n} đại biểu, vượt mức tối đa {rules.max} (thừa {n - rules.max})"))
    if rules is not None and rules.exemplars_pct is not None and n:
        pct = Fraction(100 * honoured, n)
        if pct < rules.exemplars_pct - TOLERANCE_POINTS:
            guests = rules.guests_pct if rules.guests_pct is not None else 100 - rules.exemplars_pct
            breaches.append(Breach(Rule.EXEMPLAR_SHARE,
                                   f"đại biểu điển hình tiên tiến (kể cả anh hùng, chiến sĩ thi đua) {honoured}/{n} "
                                   f"= {float(pct):.0f}%, kế hoạch quy định khoảng {rules.exemplars_pct}% "
                                   f"(khách mời khoảng {guests}%)"))
    presidium = [d for d in delegates if d.presidium]
    p_rules = conference.presidium
    if p_rules is not None:
        if len(presidium) > p_rules.max:
            breaches.append(Breach(Rule.PRESIDIUM_SIZE, f"có {len(presidium)} người, vượt mức không quá "
                                                        f"{p_rules.max} người"))
        if p_rules.exemplar_share:
            need = share(p_rules.exemplar_share)
            have = sum(1 for d in presidium if d.category in HONOURED)
            if not presidium:
                breaches.append(Breach(Rule.PRESIDIUM_SHARE, "danh sách chưa đánh dấu ai trong Đoàn Chủ tịch"))
            elif Fraction(have, len(presidium)) < need:
                breaches.append(Breach(Rule.PRESIDIUM_SHARE,
                                       f"có {have}/{len(presidium)} người là anh hùng, chiến sĩ thi đua, điển hình "
                                       f"tiên tiến, kế hoạch quy định ít nhất {p_rules.exemplar_share}"))
    return DelegateCheck(conference, tuple(delegates), tuple(breaches))


def check_file(loaded: LoadedPlan, conference_id: str, path: Path) -> DelegateCheck:
    return check(conference_of(loaded, conference_id), read_delegates(path))
