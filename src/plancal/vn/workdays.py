"""Working days in Vietnam: weekends, public holidays (Labour Code 2019 art. 112), the announced days off
and make-up days (``vn/data/days_off.yaml`` over the ``holidays`` package, see :mod:`plancal.vn.daysoff`)
and a plan's local overrides.

A stated limit ("trước ngày 25" → the 24th) gives two dates. The **aim** (:meth:`WorkCalendar.aim`) is
the last working day on or before it: a clerk sends the document before a Sunday, never after. The
**legal limit** (:meth:`WorkCalendar.limit`) is the stated day itself, extended by Civil Code 2015
art. 148(5) ("a period whose last day is a day off ends at the end of the next working day") only where
the plan asks for it. Neither ever leaves the period the limit belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from plancal.vn.daysoff import year_table


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

    def aim(self, stated: date, floor: date | None = None) -> date:
        """The last working day on or before ``stated`` and not before ``floor`` (the period's or window's
        first day); ``stated`` itself when the window has no working day."""
        lowest = floor if floor is not None else stated - timedelta(days=31)
        d = stated
        while d >= lowest:
            if self.is_working_day(d):
                return d
            d -= timedelta(days=1)
        return stated

    def limit(self, stated: date, grace: bool = False, ceiling: date | None = None) -> date:
        """The legal limit of a stated last day: ``stated``, or with Civil Code art. 148(5) (``grace``) the
        next working day when ``stated`` is a day off, never later than ``ceiling`` (the period's end)."""
        if not grace:
            return stated
        d = stated
        while not self.is_working_day(d):
            nxt = d + timedelta(days=1)
            if ceiling is not None and nxt > ceiling:
                return stated
            d = nxt
        return d
