"""National commemoration days (Decree 145/2013/NĐ-CP art. 4 and the others plans cite), solar and
lunar, with the anniversary count ("91 năm") computed from the founding year, never typed.

Lunar dates use the Vietnamese calendar (UTC+7) through ``lunar-vn``; tests cross-check it against
the ``holidays`` package. A lunar day 30 that a 29-day month lacks follows an explicit rule per
anniversary: ``last`` (use the month's last day, day 29) or ``error``.
"""

from __future__ import annotations

import calendar as _stdcal
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal

import lunar_vn
import yaml

from plancal.errors import PlanError, Problem
from plancal.vn.dates import short


@dataclass(frozen=True)
class Anniversary:
    key: str
    name: str
    month: int
    day: int
    lunar: bool = False
    founded: int | None = None
    missing_day: Literal["last", "error"] = "last"

    def date_in(self, year: int) -> date:
        """The day it falls on in the solar ``year``. A 29/02 falls on 28/02 in a year without one
        (``missing_day: last``, the default) or is an error (``missing_day: error``)."""
        if not self.lunar:
            if (self.month, self.day) == (2, 29) and not _stdcal.isleap(year):
                if self.missing_day == "last":
                    return date(year, 2, 28)
                raise PlanError([Problem(f"năm {year} không có ngày 29/02", field=self.key or None,
                                         hint="đặt missing_day: last để dùng ngày 28/02")])
            return date(year, self.month, self.day)
        # A late lunar month (the 11th, 12th) of lunar year Y-1 falls in January/February of Y.
        for lunar_year in (year, year - 1):
            solar = lunar_date(lunar_year, self.month, self.day, self.missing_day, self.key)
            if solar.year == year:
                return solar
        return lunar_date(year, self.month, self.day, self.missing_day, self.key)

    def count(self, year: int) -> int | None:
        """How many years since the founding event, or None for days without one (Tết)."""
        return None if self.founded is None else year - self.founded

    def is_round(self, year: int) -> bool:
        """A "năm tròn" or "năm chẵn" (see :meth:`round_word`): the 5th, 10th, 15th … anniversary."""
        n = self.count(year)
        return n is not None and n > 0 and n % 5 == 0

    def round_word(self, year: int) -> str | None:
        """Decree 145/2013/NĐ-CP art. 3: "năm tròn" for an anniversary ending in 0 (70 năm), "năm chẵn" for one
        ending in 5 (75 năm); None otherwise."""
        if not self.is_round(year):
            return None
        n = self.count(year)
        return "năm tròn" if n is not None and n % 10 == 0 else "năm chẵn"

    def title(self, year: int) -> str:
        """ "91 năm Ngày thành lập Đảng Cộng sản Việt Nam (03/02/1930 - 03/02/2021)"."""
        n = self.count(year)
        if n is None or n <= 0:
            return self.name
        if self.lunar:
            return f"{n} năm {self.name}"
        return f"{n} năm {self.name} ({short(date(self.founded or year, self.month, self.day))} - " \
            f"{short(self.date_in(year))})"


def lunar_date(year: int, month: int, day: int, missing_day: str = "last", key: str = "") -> date:
    """Solar date of lunar day/month in the lunar year that starts in solar ``year``."""
    try:
        solar = lunar_vn.lunar_to_solar(lunar_vn.LunarDate(day=day, month=month, year=year))
    except ValueError:  # month 13, day 31, a year outside the tables (1899-2100)
        raise PlanError([Problem(f"không tính được ngày {day} tháng {month} âm lịch năm {year}", field=key or None,
                                 hint="tháng âm lịch từ 1 đến 12, ngày từ 1 đến 30, năm từ 1900 đến 2099")]) from None
    back = lunar_vn.solar_to_lunar(solar)
    if (back.day, back.month, back.leap) == (day, month, False):
        return solar
    if day == 30 and missing_day == "last":
        return lunar_date(year, month, 29, "error", key)
    raise PlanError(
        [Problem(f"tháng {month} âm lịch năm {year} không có ngày {day}", field=key or None,
                 hint="đặt missing_day: last để dùng ngày cuối tháng âm lịch")]
    )


class Registry:
    """Anniversaries by key: the national list plus a plan's local ones."""

    def __init__(self, items: dict[str, Anniversary]) -> None:
        self._items = items

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __getitem__(self, key: str) -> Anniversary:
        return self._items[key]

    def keys(self) -> list[str]:
        return sorted(self._items)

    def with_local(self, local: list[Anniversary]) -> Registry:
        if not local:
            return self
        merged = dict(self._items)
        merged.update({a.key: a for a in local})
        return Registry(merged)


@lru_cache(maxsize=1)
def national() -> Registry:
    text = resources.files("plancal.vn").joinpath("data/anniversaries.yaml").read_text(encoding="utf-8")
    items = {}
    for key, row in yaml.safe_load(text).items():
        items[key] = Anniversary(key=key, **row)
    return Registry(items)
