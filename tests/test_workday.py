from __future__ import annotations

from datetime import date

from plancal.vn.workdays import WorkCalendar


def test_weekend_aims_at_friday() -> None:
    assert WorkCalendar().aim(date(2021, 4, 24)) == date(2021, 4, 23)  # Saturday → Friday


def test_public_holiday_and_following_weekend() -> None:
    # 30/4/2021 Friday (Victory Day), 1/5 Saturday (Labour Day), 2/5 Sunday, 3/5 day off in lieu.
    cal = WorkCalendar()
    assert cal.aim(date(2021, 5, 3)) == date(2021, 4, 29)
    assert cal.limit(date(2021, 4, 30), grace=True) == date(2021, 5, 4)  # Civil Code art. 148(5)
    assert cal.limit(date(2021, 4, 30)) == date(2021, 4, 30)  # without it, the stated day


def test_tet_holidays() -> None:
    cal = WorkCalendar()
    assert cal.aim(date(2021, 2, 12)) == date(2021, 2, 9)
    assert cal.limit(date(2021, 2, 12), grace=True) == date(2021, 2, 17)


def test_aim_and_limit_stay_inside_their_window() -> None:
    cal = WorkCalendar()
    # a window of Saturday 24/4 and Sunday 25/4 only: no working day inside, the stated day stays
    assert cal.aim(date(2021, 4, 25), floor=date(2021, 4, 24)) == date(2021, 4, 25)
    assert cal.aim(date(2021, 4, 25), floor=date(2021, 4, 23)) == date(2021, 4, 23)
    # a year-end limit on Sunday 31/12/2023 is not extended into 2024
    assert cal.limit(date(2023, 12, 31), grace=True, ceiling=date(2023, 12, 31)) == date(2023, 12, 31)


def test_local_overrides() -> None:
    cal = WorkCalendar(extra_off=[date(2021, 6, 24)], extra_work=[date(2021, 6, 26)])
    assert cal.aim(date(2021, 6, 24)) == date(2021, 6, 23)
    assert cal.limit(date(2021, 6, 24), grace=True) == date(2021, 6, 25)
    assert cal.is_working_day(date(2021, 6, 26))  # a make-up Saturday
    assert cal.holiday_name(date(2021, 6, 24)) == "Ngày nghỉ theo thông báo"
