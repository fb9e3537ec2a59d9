from __future__ import annotations

from datetime import date

import holidays
import pytest

from plancal.errors import PlanError
from plancal.vn.anniversaries import lunar_date, national


@pytest.mark.parametrize("year", range(2017, 2031))
def test_gio_to_matches_holidays_package(year: int) -> None:
    ours = national()["gio-to-hung-vuong"].date_in(year)
    vn = holidays.country_holidays("VN", years=year)
    theirs = [d for d, name in vn.items() if "Hung" in name and "observed" not in name.lower()]
    assert ours in theirs, (ours, theirs)


@pytest.mark.parametrize("year", range(2017, 2031))
def test_tet_matches_holidays_package(year: int) -> None:
    ours = national()["tet-nguyen-dan"].date_in(year)
    vn = holidays.country_holidays("VN", years=year)
    assert vn.get(ours) is not None and "Lunar New Year" in vn.get(ours, "")


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2017, date(2017, 4, 6)), (2021, date(2021, 4, 21)), (2024, date(2024, 4, 18)), (2025, date(2025, 4, 7)),
     (2026, date(2026, 4, 26)), (2030, date(2030, 4, 12))],
)
def test_gio_to_known_dates(year: int, expected: date) -> None:
    assert national()["gio-to-hung-vuong"].date_in(year) == expected


def test_counts_are_computed_and_round_flagged() -> None:
    reg = national()
    assert reg["thanh-lap-dang"].count(2021) == 91
    assert reg["thanh-lap-dang"].title(2021) == \
        "91 năm Ngày thành lập Đảng Cộng sản Việt Nam (03/02/1930 - 03/02/2021)"
    assert reg["sinh-nhat-bac-ho"].count(2021) == 131
    assert reg["loi-keu-goi-thi-dua"].count(2023) == 75 and reg["loi-keu-goi-thi-dua"].is_round(2023)
    assert not reg["loi-keu-goi-thi-dua"].is_round(2021)
    assert reg["tet-nguyen-dan"].count(2021) is None


def test_lunar_day_30_has_an_explicit_rule() -> None:
    # Lunar month 12 of the year of the Ox (2021) has 29 days: Tết 2022 is 1/2/2022, so 30/12 does not exist.
    assert lunar_date(2021, 12, 29) == date(2022, 1, 31)
    assert lunar_date(2021, 12, 30, "last") == date(2022, 1, 31)
    with pytest.raises(PlanError, match="không có ngày 30"):
        lunar_date(2021, 12, 30, "error")


def test_late_lunar_month_falls_in_the_asked_solar_year() -> None:
    # Tất niên (30 or 29 of month 12) for solar 2022 is the eve of Tết 2022 (1/2/2022).
    assert national()["tat-nien"].date_in(2022) == date(2022, 1, 31)
