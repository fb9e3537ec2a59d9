"""Quotas measured from the register of exemplars: for each duty whose quota counts exemplars
("2-3 điển hình mỗi tháng", "ít nhất 15 điển hình/năm toàn tỉnh", "5-7 mỗi huyện", "ít nhất 2 mỗi xã"),
each unit (``scope: each``) or the whole plan (``scope: total``) in each period, the quota, how many
exemplars were introduced and whether the quota was met.

A quota counts exemplars when its unit names them ("điển hình …"); quotas of articles or events
("bài", "lần") are not measured from this register. A unit's count is the exemplars that unit
introduced itself; a total counts every exemplar of the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from plancal.plans.loading import LoadedPlan
from plancal.plans.model import Duty, Quota
from plancal.schedule.expansion import recipients
from plancal.store import Exemplar
from plancal.vn.periods import Period, periods, span
from plancal.vn.text import nfc


def counts_exemplars(quota: Quota) -> bool:
    """Whether a quota is a number of exemplars (its unit says "điển hình")."""
    return "điển hình" in nfc(quota.unit).casefold()


@dataclass(frozen=True)
class Attainment:
    """One quota, one unit (None: the whole plan) and one period."""

    duty_id: str
    duty: str  # what the duty says
    unit_id: str | None
    period: Period
    quota: Quota
    counted: int
    #: True met, False missed, None not yet known (the period has not ended and the minimum is not reached)
    attained: bool | None

    @property
    def verdict(self) -> str:
        if self.attained is None:
            return "chưa hết kỳ"
        return "đạt" if self.attained else "không đạt"


def _met(quota: Quota, counted: int, over: bool) -> bool | None:
    """A minimum is met once reached ("2-3": a fourth exemplar still meets it); a maximum alone is met
    when the period ends without passing it."""
    if quota.min is not None:
        if counted >= quota.min:
            return True
        return False if over else None
    assert quota.max is not None
    if counted > quota.max:
        return False
    return True if over else None


def _periods(duty: Duty, loaded: LoadedPlan, start: date, end: date) -> list[Period]:
    plan, w = loaded.plan, duty.when
    if w.every is None:
        whole = span(plan.start, plan.end)
        return [whole] if whole.end >= start and whole.start <= end else []
    first = max(plan.start, w.from_ or plan.start)
    last = min(plan.end, w.until or plan.end)
    return [p for p in periods(w.every, first, last) if p.end >= start and p.start <= end]


def attainment(loaded: LoadedPlan, register: Sequence[Exemplar], start: date, end: date,
               today: date) -> list[Attainment]:
    """Every exemplar quota of the plan in the periods that overlap [start, end], as of ``today``.
    A period is counted whole (a month of the data window counts its whole month)."""
    out: list[Attainment] = []
    for duty in loaded.plan.duties:
        for assignment in duty.assignments():
            quota = assignment.quota
            if quota is None or not counts_exemplars(quota):
                continue
            for per in _periods(duty, loaded, start, end):
                inside = [e for e in register if per.start <= e.introduced <= per.end]
                over = today > per.end
                if quota.scope == "total":
                    n = len(inside)
                    out.append(Attainment(duty.id, duty.what, None, per, quota, n, _met(quota, n, over)))
                    continue
                for unit_id in recipients(loaded, assignment.who):
                    n = sum(1 for e in inside if e.unit_id == unit_id)
                    out.append(Attainment(duty.id, duty.what, unit_id, per, quota, n, _met(quota, n, over)))
    return out

