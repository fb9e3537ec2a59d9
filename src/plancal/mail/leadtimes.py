"""Lead times and the escalation ladder: when before its aim a unit is reminded, and how many working
days after its legal limit a late item is reminded to the unit, then to the standing agency, then to the
issuer and the late unit's parent. Mail goes out on working days only; the first working day after days
off sends what fell due on them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from plancal.errors import PlancalError, Problem
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings
from plancal.store import MarkRow, OccurrenceRow
from plancal.vn.workdays import WorkCalendar


class ReminderError(PlancalError):
    """Lead times that cannot work (an unknown kind of duty, a negative number of days)."""


@lru_cache(maxsize=64)
def mail_days(today: date, work: WorkCalendar) -> tuple[date, ...]:
    """The days whose time-driven mail goes out ``today``: none on a day off; on a working day, itself
    and the days off just before it (Monday sends what fell due on Saturday and Sunday). Asked for every
    row a digest considers (a calendar never changes once made)."""
    if not work.is_working_day(today):
        return ()
    days = [today]
    day = today - timedelta(days=1)
    while not work.is_working_day(day) and len(days) < 31:
        days.append(day)
        day -= timedelta(days=1)
    return tuple(reversed(days))


def working_days_late(limit: date, today: date, work: WorkCalendar) -> int:
    """How many working days after ``limit`` (the legal limit) ``today`` is: 0 up to the limit; the first
    working day after it is 1."""
    if today <= limit:
        return 0
    return _working_days_between(limit, today, work)


@lru_cache(maxsize=8192)
def _working_days_between(limit: date, today: date, work: WorkCalendar) -> int:
    """Working days in (limit, today]: a planning run asks for the same few limits thousands of times (a
    calendar never changes once made)."""
    return sum(1 for n in range(1, (today - limit).days + 1) if work.is_working_day(limit + timedelta(days=n)))


def limits_late_by(today: date, work: WorkCalendar, lates: Iterable[int]) -> tuple[date, ...]:
    """The legal limits that are exactly one of ``lates`` working days behind ``today`` (see
    :func:`working_days_late`), latest first; walked back at most a year."""
    wanted = {n for n in lates if n > 0}
    if not wanted:
        return ()
    out: list[date] = []
    late, limit, floor = 0, today, today - timedelta(days=366)
    while late <= max(wanted) and limit > floor:
        if work.is_working_day(limit):
            late += 1
        limit -= timedelta(days=1)
        if late in wanted:
            out.append(limit)
    return tuple(out)


def limit_of(row: OccurrenceRow | MarkRow) -> date:
    """The legal limit of an occurrence (after which its unit is late)."""
    return row.due_limit


@dataclass(frozen=True)
class LeadTimes:
    """Calendar days before the aim (``before``) and working days after the legal limit (``after``) at
    which a unit's digest carries an item, per kind; and the escalation ladder (working days late at
    which the standing agency, then the issuer and the late unit's parent, hear of it)."""

    before: Mapping[str, tuple[int, ...]]
    after: Mapping[str, tuple[int, ...]]
    agency_after: int = 3
    issuer_after: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> LeadTimes:
        problems: list[Problem] = []
        for prefix, values in (("PLANCAL_LEAD_DAYS", settings.lead_days), ("PLANCAL_OVERDUE_DAYS", settings.overdue_days)):
            if any(v < 0 for v in values):
                problems.append(Problem(f"số ngày {values} có số âm", field=prefix, hint="chỉ dùng số ngày ≥ 0, ví dụ 7,3,1,0"))
        agency, issuer = settings.escalate_agency_after, settings.escalate_issuer_after
        if agency < 1:
            problems.append(Problem(f"số ngày làm việc {agency} phải từ 1 trở lên", field="PLANCAL_ESCALATE_AGENCY_AFTER",
                                    hint="ví dụ 3: cơ quan thường trực được báo khi đơn vị chậm 3 ngày làm việc"))
        if issuer < agency:
            problems.append(Problem(f"số ngày làm việc {issuer} nhỏ hơn của cơ quan thường trực ({agency})",
                                    field="PLANCAL_ESCALATE_ISSUER_AFTER",
                                    hint="cơ quan ban hành và đơn vị cấp trên chỉ được báo sau cơ quan thường trực, ví dụ 10"))
        before: dict[str, tuple[int, ...]] = {kind: tuple(settings.lead_days) for kind in ACTIONABLE}
        after: dict[str, tuple[int, ...]] = {kind: tuple(settings.overdue_days) for kind in ACTIONABLE}
        for prefix, target, pairs in (("PLANCAL_LEAD_DAYS_", before, settings.lead_days_by_kind),
                                      ("PLANCAL_OVERDUE_DAYS_", after, settings.overdue_days_by_kind)):
            for kind, values in pairs:
                name = prefix + kind.upper()
                if kind not in ACTIONABLE:
                    known = ", ".join(f"{prefix}{k.upper()}" for k in sorted(ACTIONABLE))
                    problems.append(Problem(f"không có loại việc '{kind}'", field=name, hint=f"dùng một trong: {known}"))
                elif any(v < 0 for v in values):
                    problems.append(Problem(f"số ngày {values} có số âm", field=name, hint="chỉ dùng số ngày ≥ 0"))
                else:
                    target[kind] = tuple(values)
        if problems:
            raise ReminderError(problems)
        return cls(before, after, agency, issuer)

    @property
    def max_before(self) -> int:
        return max((d for days in self.before.values() for d in days), default=0)

    @property
    def max_after(self) -> int:
        """The longest calendar look-back that can hold a working-day mark (holidays included)."""
        days = max((d for days in self.after.values() for d in days), default=0)
        return 2 * max(days, self.agency_after, self.issuer_after) + 14

    def triggers(self, kind: str, days_left: int) -> bool:
        """Whether an item of ``kind`` due in ``days_left`` days (negative: working days late) is reminded."""
        if days_left >= 0:
            return days_left in self.before.get(kind, ())
        return -days_left in self.after.get(kind, ())

    def reminds(self, kind: str, aim: date, limit: date, today: date, work: WorkCalendar) -> bool:
        """Whether the unit's digest of ``today`` carries an item: a lead-time mark on ``today`` or on the
        days off before it, or a working-days-late mark today."""
        if today > limit:
            return working_days_late(limit, today, work) in self.after.get(kind, ())
        marks = self.before.get(kind, ())
        return any((aim - day).days in marks for day in mail_days(today, work) if day <= aim)

    def digest_aims(self, today: date, work: WorkCalendar) -> tuple[date, ...]:
        """The aims a digest of ``today`` may carry before their limit: a lead-time mark on ``today`` or on
        the days off before it (see :meth:`reminds`)."""
        marks = {d for days in self.before.values() for d in days}
        return tuple(sorted({day + timedelta(days=m) for day in mail_days(today, work) for m in marks}))

    def digest_limits(self, today: date, work: WorkCalendar) -> tuple[date, ...]:
        """The legal limits a digest of ``today`` may carry as late: a working-days-late mark today."""
        return limits_late_by(today, work, {d for days in self.after.values() for d in days})

    def escalation_limits(self, today: date, work: WorkCalendar) -> tuple[date, ...]:
        """The legal limits at a rung of the ladder today (see :meth:`escalates`)."""
        return limits_late_by(today, work, (self.agency_after, self.issuer_after))

    def escalates(self, limit: date, today: date, work: WorkCalendar) -> tuple[str, ...]:
        """Who hears of a late item today: ("agency",) at ``agency_after`` working days late,
        ("issuer", "parent") at ``issuer_after``."""
        late = working_days_late(limit, today, work)
        if late == 0 or not work.is_working_day(today):
            return ()
        out: tuple[str, ...] = ()
        if late == self.agency_after:
            out += ("agency",)
        if late == self.issuer_after:
            out += ("issuer", "parent")
        return out
