"""Lead times: how many days before and after a due date a unit is reminded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from plancal.errors import PlancalError, Problem
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings


class ReminderError(PlancalError):
    """Lead times that cannot work (an unknown kind of duty, a negative number of days)."""


@dataclass(frozen=True)
class LeadTimes:
    """Days before (``before``) and after (``after``, with escalation) the effective due date, per kind."""

    before: Mapping[str, tuple[int, ...]]
    after: Mapping[str, tuple[int, ...]]

    @classmethod
    def from_settings(cls, settings: Settings) -> LeadTimes:
        problems: list[Problem] = []
        for prefix, values in (("PLANCAL_LEAD_DAYS", settings.lead_days), ("PLANCAL_OVERDUE_DAYS", settings.overdue_days)):
            if any(v < 0 for v in values):
                problems.append(Problem(f"số ngày {values} có số âm", field=prefix, hint="chỉ dùng số ngày ≥ 0, ví dụ 7,3,1,0"))
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
        return cls(before, after)

    @property
    def max_before(self) -> int:
        return max((d for days in self.before.values() for d in days), default=0)

    @property
    def max_after(self) -> int:
        return max((d for days in self.after.values() for d in days), default=0)

    def triggers(self, kind: str, days_left: int) -> bool:
        """Whether an item of ``kind`` due in ``days_left`` days (negative: late) is reminded today."""
        if days_left >= 0:
            return days_left in self.before.get(kind, ())
        return -days_left in self.after.get(kind, ())
