"""What a plan owes or shows on a day: the Occurrence, its kinds and its stable id."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum


class Kind(StrEnum):
    """What an occurrence is. The order is the order of the same day's items in agendas and feeds."""

    SUB_PLAN = "sub_plan"
    DUTY = "duty"
    REPORT = "report"
    CONSOLIDATION = "consolidation"
    CONFERENCE = "conference"
    PREPARATION = "preparation"
    ONGOING = "ongoing"
    THEME = "theme"
    ANNIVERSARY = "anniversary"


class Status(StrEnum):
    """What the store records of an occurrence."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
    WAIVED = "waived"  # the coordinator excused the unit (with a reason)


class State(StrEnum):
    """An occurrence as of a given day."""

    OPEN = "open"
    DUE = "due"
    LATE = "late"
    DONE = "done"
    DONE_LATE = "done_late"
    CANCELLED = "cancelled"
    WAIVED = "waived"


class Cycle(StrEnum):
    """How often a periodic report is due."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"


class Cutoff(StrEnum):
    """Where a periodic report's data window comes from."""

    DECREE_09 = "decree-09"  # Decree 09/2019/NĐ-CP: the 15th to the 14th
    CALENDAR = "calendar"  # the calendar period itself


KINDS: tuple[Kind, ...] = tuple(Kind)
#: kinds that a unit must act on (and that can be late); themes and anniversaries are informational
ACTIONABLE = frozenset({Kind.SUB_PLAN, Kind.DUTY, Kind.REPORT, Kind.CONSOLIDATION, Kind.CONFERENCE, Kind.PREPARATION})


@dataclass(frozen=True)
class Occurrence:
    uid: str
    plan_id: str
    kind: Kind
    source_id: str
    unit_id: str | None
    period_key: str
    period_label: str
    window_start: date
    due_stated: date
    due_effective: date
    title: str
    detail: str = ""
    to_unit_id: str | None = None
    quota: str | None = None
    pilot: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    audience: tuple[str, ...] = ()
    peak: bool = False
    #: the title without its period ("Báo cáo kết quả" of "Báo cáo kết quả 6 tháng đầu năm 2023")
    what: str = ""
    #: a periodic report's cycle and data window (first and last day of the data it covers) and its rule
    cycle: Cycle | None = None
    data_from: date | None = None
    data_to: date | None = None
    cutoff: Cutoff | None = None
    #: a preparation step's conference (the uid of the conference occurrence it prepares)
    conference_uid: str | None = None

    @property
    def actionable(self) -> bool:
        return self.kind in ACTIONABLE

    @property
    def shifted(self) -> bool:
        return self.due_effective != self.due_stated

    def content_hash(self) -> str:
        """A digest of everything a calendar or a mail shows; changes raise the event's SEQUENCE."""
        values = tuple(_plain(getattr(self, f.name)) for f in fields(self))
        return hashlib.sha256(repr(values).encode()).hexdigest()[:32]


def _plain(value: object) -> object:
    return str(value) if isinstance(value, StrEnum) else value


def occurrence_uid(plan_id: str, kind: str, source_id: str, unit_id: str | None, period_key: str) -> str:
    raw = f"{plan_id}|{kind}|{source_id}|{unit_id or '-'}|{period_key}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]
