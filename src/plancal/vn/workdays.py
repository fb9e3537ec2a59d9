"""Working days in Vietnam: weekends, public holidays (Labour Code 2019 art. 112), the announced days off
and make-up days (``vn/data/days_off.yaml`` over the ``holidays`` package, see :mod:`plancal.vn.daysoff`)
and a plan's local overrides.

Civil Code 2015 art. 148(5): a period whose last day is a day off ends at the end of the next
working day. That is ``shift="next"``, the default; a plan or duty may say ``previous`` or ``none``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Literal

from plancal.vn.daysoff import year_table

Shift = Literal["next", "previous", "none"]


def _public_holidays(year: int) -> dict[date, str]:
    return year_table(year)[0]


def _weekend_workdays(year: int) -> frozenset[date]:
    return year_table(year)[1]


class WorkCalendar:
    """Which days are working days, with local overrides.

    ``extra_off``: days announced off after the package was released (a local decision, a swap).
    ``extra_work``: days announced as working days (a make-up Saturday).
    """

    def __init__(self, extra_off: Iterable[date] = (), extra_work: Iterable[date] = ()) -> None:
        self.extra_off = frozenset(extra_off)
        self.extra_work = frozenset(extra_work)
        self._cache: dict[date, bool] = {}

    def holiday_name(self, d: date) -> str | None:
        if d in self.extra_off:
            return "Ngày nghỉ theo thông báo"
        return _public_holidays(d.year).get(d)

    def is_working_day(self, d: date) -> bool:
        cached = self._cache.get(d)
        if cached is not None:
            return cached
        if d in self.extra_work:
            result = True
        elif d in self.extra_off:
            result = False
        elif d in _weekend_workdays(d.year):
            result = True
        else:
            result = d not in _public_holidays(d.year) and d.weekday() < 5
        self._cache[d] = result
        return result

    def effective(self, d: date, shift: Shift = "next") -> date:
        """The effective due date for a stated due date ``d``."""
        if shift == "none":
            return d
        step = timedelta(days=1 if shift == "next" else -1)
        while not self.is_working_day(d):
            d += step
        return d
