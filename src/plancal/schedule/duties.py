"""Duties and sub-unit plans: when each falls due, for whom, in every period."""

from __future__ import annotations

from datetime import date, timedelta

from plancal.errors import PlanError, Problem
from plancal.plans.model import Duty, SubPlans
from plancal.schedule.context import Expansion, once
from plancal.schedule.occurrence import Kind
from plancal.vn.periods import Period, add_months, day_in_month, last_day, periods, span

PERIOD_NOUN = {"month": "tháng", "quarter": "quý", "half": "6 tháng", "year": "năm", "school_year": "năm học"}


# -- duties -----------------------------------------------------------------------------
def due_dates(ex: Expansion, duty: Duty) -> list[tuple[Period, date]]:
    """(period, due date) of every time a duty falls due; computed once per duty, so that an ``after:``
    chain costs one computation per link."""
    if duty.id not in ex.due_cache:
        ex.due_cache[duty.id] = _due_dates(ex, duty)
    return ex.due_cache[duty.id]


def _due_dates(ex: Expansion, duty: Duty) -> list[tuple[Period, date]]:
    w = duty.when
    p = ex.plan
    # A one-off duty keeps the same identity ("once") when an amendment moves its date,
    # so that calendars update the event instead of cancelling it and adding another.
    if w.on is not None:
        due = w.on - timedelta(days=1) if w.before else w.on  # "trước ngày 15/05": the 14th is the last day
        return [(once(span(min(p.start, due), due)), due)]
    if w.within is not None:
        return [(once(w.within), w.within.end)]
    if w.ongoing:
        return [(once(span(p.start, p.end)), p.end)]
    if w.days_after_issue is not None:
        due = p.issued + timedelta(days=w.days_after_issue)
        return [(once(span(p.issued, due)), due)]
    if w.after is not None:
        # A follow-up step is due ``days`` after its predecessor in the same period; with no stated delay
        # ("Văn phòng tổng hợp, trình …") the same day. A period whose predecessor is not owed (its limit
        # precedes the issue date) has no follow-up either: nothing to consolidate, nothing to submit.
        target = ex.duty(w.after)
        return [(per, due + timedelta(days=w.days or 0)) for per, due in due_dates(ex, target) if due >= p.issued]
    assert w.every is not None
    start = max(p.start, w.from_ or p.start)
    end = min(p.end, w.until or p.end)
    result = []
    for per in periods(w.every, start, end):
        due = recurring_due(ex, duty, per)
        if w.months and (due.month if w.every != "month" else per.start.month) not in w.months:
            continue
        if due < start:
            continue
        result.append((per, due))
    return result


def recurring_due(ex: Expansion, duty: Duty, per: Period) -> date:
    w = duty.when
    spec = w.month if w.month is not None else "last"
    if spec == "first":
        year, month = per.month(1)
    elif spec == "last":
        year, month = per.month(per.months)
    elif spec == "next":
        year, month = per.month(per.months + 1)
    elif per.frequency == "year":
        year, month = per.start.year, int(spec)
    elif per.frequency == "school_year":  # a calendar month of the school year (9-12 its first year)
        month = int(spec)
        year = per.start.year if month >= per.start.month else per.end.year
    else:
        if int(spec) > per.months:
            raise PlanError([Problem(f"nhiệm vụ '{duty.id}': tháng thứ {spec} không có trong một "
                                     f"{PERIOD_NOUN[per.frequency]}", field=f"duties.{duty.id}.when.month",
                                     hint=f"dùng first, last hoặc số từ 1 đến {per.months}")])
        year, month = per.month(int(spec))
    day = w.day if w.day is not None else -1
    if w.before:
        # "trước ngày 25": the last day allowed is the 24th; "trước ngày 1" is the previous month's end
        if day == 1:
            y, m = add_months(year, month, -1)
            return last_day(y, m)
        due = day_in_month(year, month, day)
        return due - timedelta(days=1) if day > 0 else due
    return day_in_month(year, month, day)


def duties(ex: Expansion) -> None:
    for duty in ex.plan.duties:
        dates = due_dates(ex, duty)
        w = duty.when
        noun = PERIOD_NOUN.get(w.every or "", "")
        # the same for every unit and period (read once: a national duty has tens of thousands of items)
        kind, shift = (Kind.ONGOING, "none") if w.ongoing else (Kind.DUTY, w.shift)
        grace, set_by, tentative = w.grace, w.date_set_by, w.tentative
        to = duty.recipients
        to_unit_id, also_to, alternatives = to[0] if to else None, tuple(to[1:]), tuple(duty.either or ())
        for assignment in duty.assignments():
            quota = assignment.quota.text() if assignment.quota else None
            title = duty.title + (f" ({quota}/{noun})" if quota and noun else f" ({quota})" if quota else "")
            for unit_id in ex.resolve(assignment.who, exclude=[*duty.except_, *assignment.except_]):
                detail = duty_detail(ex, duty, unit_id)
                request = ex.requested(duty.request, unit_id)
                ex.add_each(dates, kind=kind, source_id=duty.id, unit_id=unit_id, title=title, detail=detail,
                            quota=quota, shift=shift, grace=grace, set_by=set_by, request=request,
                            to_unit_id=to_unit_id, also_to=also_to, alternatives=alternatives, tentative=tentative)


def duty_detail(ex: Expansion, duty: Duty, unit_id: str) -> str:
    """The duty's note, with the alternatives and every recipient when there are several."""
    lines = []
    if duty.either:
        lines.append("Thực hiện một trong các cách sau:")
        lines += [f"- {alt}" for alt in duty.either]
    others = [u for u in duty.recipients if u != unit_id]
    if len(others) > 1:
        lines.append("Gửi đến: " + "; ".join(ex.name(u) for u in others))
    if duty.note:
        lines.append(duty.note)
    return "\n".join(lines)


def sub_plans(ex: Expansion) -> None:
    """Each request of ``sub_plans`` (one or a list, each with its own who/what/days): a unit owes one
    implementing plan; named by two requests, the first applies."""
    for sp in ex.plan.sub_plans:
        _sub_plan(ex, sp)


def _sub_plan(ex: Expansion, sp: SubPlans) -> None:
    due = ex.plan.issued + timedelta(days=sp.days or ex.plan.defaults.sub_plan_days)
    set_by = sp.set_by or ("plan" if sp.days else "agency")
    per = span(ex.plan.issued, due)
    per = Period(per.start, per.end, "window", "sub-plan")
    for unit_id in ex.resolve(sp.who, exclude=sp.except_):
        ex.add(kind=Kind.SUB_PLAN, source_id="sub-plan", unit_id=unit_id, period=per, due=due, title=sp.what,
                 to_unit_id=sp.to or ex.plan.standing_agency, set_by=set_by, request=ex.requested(sp.request, unit_id),
                 detail=f"Trên cơ sở {ex.plan.display_number}: {ex.plan.title}")
