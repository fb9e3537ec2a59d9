from __future__ import annotations

from datetime import date

from plancal.vn.workdays import WorkCalendar


def test_weekend_moves_to_monday() -> None:
    assert WorkCalendar().effective(date(2021, 4, 24)) == date(2021, 4, 26)  # Saturday


def test_public_holiday_and_following_weekend() -> None:
    # 30/4/2021 Friday (Victory Day), 1/5 Saturday (Labour Day), 2/5 Sunday, 3/5 day off in lieu.
    assert WorkCalendar().effective(date(2021, 4, 30)) == date(2021, 5, 4)


def test_tet_holidays() -> None:
    assert WorkCalendar().effective(date(2021, 2, 12)) == date(2021, 2, 17)


def test_previous_and_none() -> None:
    cal = WorkCalendar()
    assert cal.effective(date(2021, 4, 25), "previous") == date(2021, 4, 23)
    assert cal.effective(date(2021, 4, 25), "none") == date(2021, 4, 25)


def test_local_overrides() -> None:
    cal = WorkCalendar(extra_off=[date(2021, 6, 24)], extra_work=[date(2021, 6, 26)])
    assert cal.effective(date(2021, 6, 24)) == date(2021, 6, 25)
    assert cal.is_working_day(date(2021, 6, 26))  # a make-up Saturday
    assert cal.holiday_name(date(2021, 6, 24)) == "Ngày nghỉ theo thông báo"
