"""Reporting and recurrence periods: month, quarter, half year, year — with Vietnamese labels."""

from __future__ import annotations

import calendar as _stdcal
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Literal

from plancal.vn.dates import ROMAN, parse_date, short

Frequency = Literal["month", "quarter", "half", "year"]
MONTHS_IN: dict[str, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12, "school_year": 12}


def last_day(year: int, month: int) -> date:
    return date(year, month, _stdcal.monthrange(year, month)[1])


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period. ``key`` is stable ("2021-03", "2021-Q1", "2021-H1", "2021")."""

    start: date
    end: date
    frequency: str
    key: str

    @cached_property  # every unit's item of the period shows it
    def label(self) -> str:
        s = self.start
        if self.frequency == "month":
            return f"tháng {s.month}/{s.year}"
        if self.frequency == "quarter":
            return f"quý {ROMAN[(s.month - 1) // 3 + 1]}/{s.year}"
        if self.frequency == "half":
            return f"6 tháng đầu năm {s.year}" if s.month == 1 else f"6 tháng cuối năm {s.year}"
        if self.frequency == "year":
            return f"năm {s.year}"
        if self.frequency == "school_year":
            return f"năm học {s.year}-{s.year + 1}"
        return f"từ {short(self.start)} đến {short(self.end)}"

    def month(self, index: int) -> tuple[int, int]:
        """The index-th month (1-based) of the period, as (year, month)."""
        return add_months(self.start.year, self.start.month, index - 1)

    @property
    def months(self) -> int:
        return MONTHS_IN.get(self.frequency, 0)


def period_of(frequency: str, year: int, number: int) -> Period:
    """The ``number``-th period of ``frequency`` in ``year`` (month 1-12, quarter 1-4, half 1-2)."""
    size = MONTHS_IN[frequency]
    first_month = (number - 1) * size + 1
    start = date(year, first_month, 1)
    end = last_day(*add_months(year, first_month, size - 1))
    if frequency == "month":
        key = f"{year}-{number:02d}"
    elif frequency == "quarter":
        key = f"{year}-Q{number}"
    elif frequency == "half":
        key = f"{year}-H{number}"
    else:
        key = f"{year}"
    return Period(start, end, frequency, key)


def periods(frequency: str, start: date, end: date) -> list[Period]:
    """Every period of ``frequency`` that overlaps [start, end], in order."""
    size = MONTHS_IN[frequency]
    out: list[Period] = []
    if frequency == "school_year":
        years = (school_year(y) for y in range(start.year - 1, end.year + 1))
        return [p for p in years if p.end >= start and p.start <= end]
    for year in range(start.year, end.year + 1):
        for number in range(1, 12 // size + 1):
            p = period_of(frequency, year, number)
            if p.end >= start and p.start <= end:
                out.append(p)
    return out


def span(start: date, end: date) -> Period:
    """An arbitrary window, keyed by its dates."""
    return Period(start, end, "window", f"{start.isoformat()}..{end.isoformat()}")


_Q = re.compile(r"^(?:q|quý\s*)([1-4]|i{1,3}|iv)\s*/\s*(\d{4})$")
_H = re.compile(r"^(?:h|6t|nửa\s*)([12])\s*/\s*(\d{4})$")
_M = re.compile(r"^(?:t|tháng\s*)?(\d{1,2})\s*/\s*(\d{4})$")
_Y = re.compile(r"^(?:năm\s*)?(\d{4})$")
_SCHOOL = re.compile(r"^năm\s*học\s*(\d{4})\s*[-–]\s*(\d{4})$")
_RANGE = re.compile(r"^(?:từ\s*)?(?:ngày\s*)?(\S+?)\s*(?:-|–|đến(?:\s*ngày)?)\s*(?:ngày\s*)?(\S+)$")
_FUZZY = re.compile(r"^(đầu|giữa|cuối)\s+(tháng|quý|năm)\s*(.+)$")
_ROMAN_NUM = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
SCHOOL_YEAR_START = 9
"""A school year (năm học) runs from 1 September to 31 August."""


def school_year(first: int) -> Period:
    """The school year that starts in September of ``first`` ("năm học 2024-2025")."""
    return Period(date(first, SCHOOL_YEAR_START, 1), date(first + 1, SCHOOL_YEAR_START - 1, 31), "school_year",
                  f"SY{first}-{first + 1}")


def parse_window(text: str) -> Period:
    """Parse "Q1/2020", "quý II/2020", "H1/2021", "5/2025", "tháng 5/2025", "2021", "năm học 2024-2025",
    "từ ngày 10/8 đến ngày 25/8/2023" (the start borrows its year from the end), and the fuzzy windows
    documents write: "đầu/giữa/cuối tháng 11/2024" (days 1-10, 11-20, 21-end), "đầu/cuối quý I/2024"
    (the first 10 days of its first month, from the 21st of its last month; "giữa quý": its middle month),
    "đầu/cuối năm 2024" (January, December).

    Raises ValueError with a Vietnamese message naming the accepted forms.
    """
    t = " ".join(text.strip().lower().split())
    if m := _FUZZY.match(t):
        return _fuzzy(m.group(1), m.group(2), m.group(3), text)
    if m := _SCHOOL.match(t):
        first, second = int(m.group(1)), int(m.group(2))
        if second != first + 1:
            raise ValueError(f"năm học '{text}' phải gồm hai năm liền nhau, ví dụ năm học 2024-2025")
        return school_year(first)
    if m := _Q.match(t):
        n = m.group(1)
        return period_of("quarter", int(m.group(2)), _ROMAN_NUM.get(n) or int(n))
    if m := _H.match(t):
        return period_of("half", int(m.group(2)), int(m.group(1)))
    if m := _M.match(t):
        month = int(m.group(1))
        if not 1 <= month <= 12:
            raise ValueError(f"tháng {month} không tồn tại trong '{text}'")
        return period_of("month", int(m.group(2)), month)
    if m := _Y.match(t):
        return period_of("year", int(m.group(1)), 1)
    if (m := _RANGE.match(t)) and "/" in m.group(2):
        return date_range(m.group(1), m.group(2))
    raise ValueError(
        f"không hiểu khoảng thời gian '{text}'; dùng một trong các dạng: Q1/2020, quý II/2020, "
        "H1/2021, 5/2025, 2021, năm học 2024-2025, cuối tháng 11/2024, từ ngày 10/8 đến ngày 25/8/2023, "
        "hoặc {from: 01/03/2021, to: 30/04/2021}"
    )


def date_range(first: object, last: object) -> Period:
    """A window from two dates as documents write them; a start without its year borrows the end's
    ("từ ngày 10/8 đến ngày 25/8/2023"), or the year before when that would put it after the end
    ("từ 15/12 đến 15/01/2024")."""
    end = parse_date(last)
    start = parse_date(first, default_year=end.year)
    if start > end and isinstance(first, str) and parse_date(first, default_year=end.year - 1) <= end \
            and _DM_ONLY.match(first.strip()):
        start = parse_date(first, default_year=end.year - 1)
    if end < start:
        raise ValueError(f"ngày kết thúc {end:%d/%m/%Y} trước ngày bắt đầu {start:%d/%m/%Y}")
    return span(start, end)


_DM_ONLY = re.compile(r"^(?:ngày\s*)?\d{1,2}\s*[/.-]\s*\d{1,2}$")


def _fuzzy(part: str, noun: str, rest: str, text: str) -> Period:
    whole = parse_window(rest if noun == "tháng" or noun == "năm" else f"quý {rest}")
    if noun == "tháng" and whole.frequency != "month" or noun == "quý" and whole.frequency != "quarter" \
            or noun == "năm" and whole.frequency != "year":
        raise ValueError(f"không hiểu '{text}'; ví dụ: cuối tháng 11/2024, đầu quý I/2024, cuối năm 2024")
    first_month = whole.start.month
    y = whole.start.year
    if noun == "tháng":
        ranges = {"đầu": (1, 10), "giữa": (11, 20), "cuối": (21, whole.end.day)}
        a, b = ranges[part]
        return span(date(y, first_month, a), date(y, first_month, b))
    if noun == "quý":
        if part == "đầu":
            return span(whole.start, whole.start + timedelta(days=9))
        if part == "giữa":
            return period_of("month", y, first_month + 1)
        return span(date(y, first_month + 2, 21), whole.end)
    if part == "giữa":
        raise ValueError(f"'{text}' không rõ là tháng nào; ghi tháng cụ thể, ví dụ 6/2024 hoặc H1/2024")
    return period_of("month", y, 1 if part == "đầu" else 12)


def day_in_month(year: int, month: int, day: int) -> date:
    """Day ``day`` of the month; past the month's end it clamps to the last day ("trước ngày 31"
    in February means the last day of February). Negative days count from the end (-1 = last)."""
    last = last_day(year, month)
    if day < 0:
        return last + timedelta(days=day + 1)
    return date(year, month, min(day, last.day))
