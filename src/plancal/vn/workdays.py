"""Working days in Vietnam: weekends, public holidays (Labour Code 2019 art. 112 with the announced
day swaps the ``holidays`` package knows) and local overrides for swaps announced later.

Civil Code 2015 art. 148(5): a period whose last day is a day off ends at the end of the next
working day. That is ``shift="next"``, the default; a plan or duty may say ``previous`` or ``none``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import holidays

Shift = Literal["next", "previous", "none"]


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("VN", years=year, language="vi").items())


@lru_cache(maxsize=64)
def _weekend_workdays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year).weekend_workdays)


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
        elif d in self.extra_off or d in _public_holidays(d.year):
            result = False
        elif d.weekday() >= 5:
            result = d in _weekend_workdays(d.year)
        else:
            result = True
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
