"""Can-chi names of lunar years, checked against known years and an independent cycle count."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import holidays
import pytest

from plancal.plans.loading import load_plan
from plancal.schedule.expansion import expand
from plancal.vn.canchi import BRANCHES, STEMS, can_chi, can_chi_of
from tests.helpers import HEADER, write_plan

KNOWN = {1930: "Canh Ngọ", 1945: "Ất Dậu", 1954: "Giáp Ngọ", 1968: "Mậu Thân", 1975: "Ất Mão", 1984: "Giáp Tý",
         2000: "Canh Thìn", 2020: "Canh Tý", 2021: "Tân Sửu", 2024: "Giáp Thìn", 2025: "Ất Tỵ", 2026: "Bính Ngọ"}


@pytest.mark.parametrize(("year", "name"), sorted(KNOWN.items()))
def test_known_years(year: int, name: str) -> None:
    assert can_chi(year) == name


def test_against_the_sixty_year_cycle_from_giap_ty_1984() -> None:
    # Walk the cycle forward and backward from 1984 (Giáp Tý), one step a year, no modular formula.
    stem, branch = 0, 0
    for year in range(1984, 2101):
        assert can_chi(year) == f"{STEMS[stem]} {BRANCHES[branch]}"
        stem, branch = (stem + 1) % len(STEMS), (branch + 1) % len(BRANCHES)
    stem, branch = 0, 0
    for year in range(1984, 1899, -1):
        assert can_chi(year) == f"{STEMS[stem]} {BRANCHES[branch]}"
        stem, branch = (stem - 1) % len(STEMS), (branch - 1) % len(BRANCHES)
    assert len({can_chi(y) for y in range(1900, 1960)}) == 60
    assert can_chi(1924) == can_chi(1984) == can_chi(2044)


def test_a_date_takes_the_name_of_its_lunar_year() -> None:
    for year in range(2017, 2031):
        tet = next(d for d, name in holidays.country_holidays("VN", years=year).items() if name == "Lunar New Year")
        assert can_chi_of(tet) == can_chi(year)
        assert can_chi_of(date.fromordinal(tet.toordinal() - 1)) == can_chi(year - 1)


def test_theme_titles_name_the_year_by_can_chi(tmp_path: Path) -> None:
    body = """
    themes:
      - {months: [1, 2], title: "Mừng Đảng, mừng Xuân {can-chi}", anniversaries: [thanh-lap-dang]}
    """
    path = write_plan(tmp_path, body, header=HEADER.replace("period: 2021", "period: năm 2021-2022"))
    titles = sorted((o.window_start.year, o.title) for o in expand(load_plan(path)) if o.kind == "theme")
    assert titles == [(2021, "Mừng Đảng, mừng Xuân Tân Sửu"), (2022, "Mừng Đảng, mừng Xuân Nhâm Dần")]
