"""A year's days off and make-up working days, each with its source.

Two sources, the project's own data first:

- ``vn/data/days_off.yaml``: what the Government announced (the notice number and date per entry): a day
  off (``off``), a make-up working day (``work``), or a day the package lists that is not a holiday
  (``not_off``, e.g. a day only proposed);
- the ``holidays`` package: the public holidays of the Labour Code 2019 art. 112 (with the compensatory
  days of art. 112(3)) and the swaps it knows.

Where the two differ the announced data wins. :class:`plancal.vn.workdays.WorkCalendar` decides working days
from :func:`year_table`; ``plancal days-off YEAR`` prints :func:`days_off`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources

import holidays

from plancal.errors import PlancalError
from plancal.source import parse
from plancal.vn.dates import parse_date, short, weekday

LABOUR_CODE = "Bộ luật Lao động 2019, Điều 112 (gói holidays)"
PACKAGE_SWAP = "Hoán đổi ngày làm việc theo thông báo của Chính phủ (gói holidays)"


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a public holiday (Labour Code art. 112) or its compensatory day
    DAY_OFF = "day_off"  # an announced day off by swap
    WORKDAY = "workday"  # a make-up working day (a Saturday worked)


KIND_LABEL = {DayKind.HOLIDAY: "Nghỉ lễ, Tết", DayKind.DAY_OFF: "Nghỉ hoán đổi", DayKind.WORKDAY: "Làm bù"}


@dataclass(frozen=True)
class DayOff:
    """One day of the year's schedule that differs from an ordinary week."""

    date: date
    name: str
    source: str
    kind: DayKind

    @property
    def off(self) -> bool:
        return self.kind is not DayKind.WORKDAY


@dataclass(frozen=True)
class Announced:
    date: date
    kind: str  # off | work | not_off
    name: str
    source: str


@lru_cache(maxsize=1)
def announced() -> dict[int, tuple[Announced, ...]]:
    """The announced entries of ``vn/data/days_off.yaml`` by year (read as YAML 1.2: ``off`` is text)."""
    text = resources.files("plancal.vn").joinpath("data/days_off.yaml").read_text(encoding="utf-8")
    out: dict[int, tuple[Announced, ...]] = {}
    for year, rows in (parse(text, "plancal/vn/data/days_off.yaml", PlancalError)[1] or {}).items():
        entries = []
        for row in rows:
            d = parse_date(row["date"])
            if d.year != int(year) or row["kind"] not in ("off", "work", "not_off"):
                raise ValueError(f"days_off.yaml: bad entry {row!r} under {year}")
            entries.append(Announced(d, row["kind"], row["name"], row["source"]))
        out[int(year)] = tuple(entries)
    return out


def _package_kind(name: str) -> tuple[DayKind, str]:
    # The package names a swapped day "Ngày nghỉ (thay cho ngày 22/08/2026)"; the rest are art. 112 days.
    if "thay cho" in name:
        return DayKind.DAY_OFF, PACKAGE_SWAP
    return DayKind.HOLIDAY, LABOUR_CODE


@lru_cache(maxsize=64)
def days_off(year: int) -> tuple[DayOff, ...]:
    """The year's days off and make-up working days, by date, each with its source."""
    table: dict[date, DayOff] = {}
    package = holidays.country_holidays("VN", years=year, language="vi")
    for d, name in package.items():
        kind, source = _package_kind(name)
        table[d] = DayOff(d, name, source, kind)
    for d in package.weekend_workdays:
        if d.year == year:
            table[d] = DayOff(d, "Làm bù (thứ Bảy làm việc)", PACKAGE_SWAP, DayKind.WORKDAY)
    for a in announced().get(year, ()):
        if a.kind == "not_off":
            table.pop(a.date, None)
        elif a.kind == "off":
            table[a.date] = DayOff(a.date, a.name, a.source, DayKind.DAY_OFF)
        else:
            table[a.date] = DayOff(a.date, a.name, a.source, DayKind.WORKDAY)
    return tuple(table[d] for d in sorted(table))


@lru_cache(maxsize=64)
def year_table(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """(days off with their names, make-up working days) of ``year``."""
    days = days_off(year)
    return {d.date: d.name for d in days if d.off}, frozenset(d.date for d in days if not d.off)


def render(year: int, days: tuple[DayOff, ...] | list[DayOff]) -> str:
    """The year's table in Vietnamese, one line per day and its source on the next."""
    lines = [f"Ngày nghỉ lễ, nghỉ hoán đổi và ngày làm bù năm {year}", ""]
    for d in days:
        lines.append(f"{weekday(d.date):<9} {short(d.date)}  {KIND_LABEL[d.kind]:<13}  {d.name}")
        lines.append(f"    Nguồn: {d.source}")
    off = sum(1 for d in days if d.off and d.date.weekday() < 5)
    lines += ["", f"Cộng: {off} ngày nghỉ rơi vào ngày thường, {sum(1 for d in days if not d.off)} ngày làm bù."]
    return "\n".join(lines)
