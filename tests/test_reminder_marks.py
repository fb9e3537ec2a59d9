"""The day's lead-time and ladder marks as dates: the rows the digests and escalations select by."""

from __future__ import annotations

from datetime import date, timedelta

from plancal.mail.leadtimes import limits_late_by, working_days_late
from plancal.vn.workdays import WorkCalendar


def test_limits_late_by_are_exactly_the_limits_that_many_working_days_behind() -> None:
    work = WorkCalendar(extra_off=[date(2025, 5, 16)], extra_work=[date(2025, 4, 26)])
    for today in (date(2025, 1, 2) + timedelta(days=n) for n in range(0, 200, 3)):
        lates = (1, 3, 10)
        picked = set(limits_late_by(today, work, lates))
        brute = {today - timedelta(days=n) for n in range(1, 120)
                 if working_days_late(today - timedelta(days=n), today, work) in lates}
        assert picked == brute, today


def test_no_mark_no_limit() -> None:
    assert limits_late_by(date(2025, 5, 26), WorkCalendar(), (0,)) == ()
