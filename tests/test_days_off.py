"""Announced days off and make-up days (vn/data/days_off.yaml) over the ``holidays`` package."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import holidays

from plancal.vn.daysoff import LABOUR_CODE, DayKind, announced, days_off
from plancal.vn.workdays import WorkCalendar
from tests.test_cli import run

# The official 2026 schedule (REFERENCE.md): the Labour Code days with their compensatory days, the
# 31/08 swap with Saturday 22/08, and 12729/VPCP-KGVX of 25/12/2025: 02/01 off, Saturday 10/01 worked;
# 24/11 (Ngày Văn hóa Việt Nam) only proposed.
OFFICIAL_2026_OFF = {
    date(2026, 1, 1), date(2026, 1, 2),
    date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20),
    date(2026, 4, 26), date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1),
    date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2),
}
OFFICIAL_2026_WORK = {date(2026, 1, 10), date(2026, 8, 22)}


def test_2026_matches_the_official_schedule() -> None:
    days = days_off(2026)
    assert {d.date for d in days if d.off} == OFFICIAL_2026_OFF
    assert {d.date for d in days if not d.off} == OFFICIAL_2026_WORK
    assert [d.date for d in days] == sorted(d.date for d in days)


def test_2026_corrections_of_the_package_carry_their_notice() -> None:
    by_date = {d.date: d for d in days_off(2026)}
    package = holidays.country_holidays("VN", years=2026)
    assert date(2026, 1, 2) not in package and date(2026, 11, 24) in package  # what is being corrected
    assert by_date[date(2026, 1, 2)].kind is DayKind.DAY_OFF
    assert "12729/VPCP-KGVX ngày 25/12/2025" in by_date[date(2026, 1, 2)].source
    assert by_date[date(2026, 1, 10)].kind is DayKind.WORKDAY
    assert "12729/VPCP-KGVX" in by_date[date(2026, 1, 10)].source
    assert date(2026, 11, 24) not in by_date
    assert by_date[date(2026, 1, 1)].source == LABOUR_CODE
    assert by_date[date(2026, 9, 2)].kind is DayKind.HOLIDAY


def test_work_calendar_follows_the_announced_days() -> None:
    cal = WorkCalendar()
    assert cal.effective(date(2026, 1, 1), "next") == date(2026, 1, 5)
    assert cal.effective(date(2026, 1, 5) - timedelta(days=1), "previous") == date(2025, 12, 31)
    assert not cal.is_working_day(date(2026, 1, 2))
    assert cal.is_working_day(date(2026, 1, 10))  # a Saturday, worked
    assert cal.is_working_day(date(2026, 11, 24))  # a Tuesday, not a holiday
    assert cal.holiday_name(date(2026, 11, 24)) is None
    assert cal.holiday_name(date(2026, 1, 2)) == "Nghỉ Tết Dương lịch (đổi với 10/01/2026)"


def test_years_without_announcements_are_the_package() -> None:
    for year in range(2017, 2026):
        assert year not in announced()
        package = holidays.country_holidays("VN", years=year)
        assert {d.date for d in days_off(year) if d.off} == set(package)
        assert {d.date for d in days_off(year) if not d.off} == {d for d in package.weekend_workdays if d.year == year}


def test_every_announced_entry_names_a_dated_notice_or_says_why_not() -> None:
    for entries in announced().values():
        for a in entries:
            assert a.source and a.name
            assert a.kind == "not_off" or "/" in a.source and "ngày" in a.source


def test_days_off_command_lists_the_year_with_sources(tmp_path: Path) -> None:
    result = run(["days-off", "2026"], tmp_path, f"sqlite:///{tmp_path}/db.sqlite")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("02/01/2026" in line and "Nghỉ hoán đổi" in line for line in lines)
    assert any("10/01/2026" in line and "Làm bù" in line for line in lines)
    assert "24/11/2026" not in result.stdout
    assert sum("Nguồn:" in line for line in lines) == len(days_off(2026))
    assert max(len(line) for line in lines) <= 80


def test_days_off_command_rejects_a_bad_year(tmp_path: Path) -> None:
    result = run(["days-off", "0"], tmp_path, f"sqlite:///{tmp_path}/db.sqlite")
    assert result.returncode == 1
    assert "Lỗi: năm 0" in result.stderr and "Traceback" not in result.stderr
