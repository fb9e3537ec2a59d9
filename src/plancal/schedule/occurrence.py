"""What a plan owes or shows on a day: the Occurrence, its kinds and its stable id."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import date, datetime

KINDS = ("sub_plan", "duty", "report", "consolidation", "conference", "preparation", "ongoing", "theme", "anniversary")


#: kinds that a unit must act on (and that can be late); themes and anniversaries are informational
ACTIONABLE = frozenset({"sub_plan", "duty", "report", "consolidation", "conference", "preparation"})


@dataclass(frozen=True)
class Occurrence:
    uid: str
    plan_id: str
    kind: str
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

    @property
    def actionable(self) -> bool:
        return self.kind in ACTIONABLE

    @property
    def shifted(self) -> bool:
        return self.due_effective != self.due_stated

    def content_hash(self) -> str:
        """A digest of everything a calendar or a mail shows; changes raise the event's SEQUENCE."""
        values = tuple(getattr(self, f.name) for f in fields(self))
        return hashlib.sha256(repr(values).encode()).hexdigest()[:32]


def occurrence_uid(plan_id: str, kind: str, source_id: str, unit_id: str | None, period_key: str) -> str:
    raw = f"{plan_id}|{kind}|{source_id}|{unit_id or '-'}|{period_key}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]
