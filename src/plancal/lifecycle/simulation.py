"""A simulated clock for watching a plan's lifecycle: how the units respond.

``plancal simulate`` walks the days of a range; on each day it runs only the stages that have
something to do (:func:`plancal.lifecycle.stages.stages_for`), so a plan year plays in about a
minute. Units respond deterministically, from a hash of each occurrence's uid: most on time, some
late, some never — so the coordinator's tables show all three.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from plancal.schedule.occurrence import ACTIONABLE
from plancal.store import OccurrenceRow, Store

ON_TIME_PERCENT = 60
LATE_PERCENT = 25  # the rest never respond


@dataclass(frozen=True)
class Response:
    """A unit's simulated answer to one occurrence."""

    uid: str
    unit_id: str
    day: date
    note: str


def _roll(uid: str) -> int:
    return int(hashlib.sha256(f"simulation|{uid}".encode()).hexdigest()[:8], 16)


def response_day(row: OccurrenceRow, first_day: date) -> date | None:
    """When the unit responds to ``row``: on time (0-3 days early), late (1-10 days) or never (None).
    Never before ``first_day`` (the simulation's first day, or the plan's issue)."""
    roll = _roll(row.uid)
    bucket = roll % 100
    if bucket < ON_TIME_PERCENT:
        day = max(row.window_start, row.due_effective - timedelta(days=(roll // 100) % 4))
    elif bucket < ON_TIME_PERCENT + LATE_PERCENT:
        day = row.due_effective + timedelta(days=1 + (roll // 100) % 10)
    else:
        return None
    return max(day, first_day)


def responses(store: Store, today: date, first_day: date, plan_ids: Iterable[str]) -> list[Response]:
    """The open actionable occurrences of these plans whose unit responds on ``today``."""
    out = []
    for plan_id in plan_ids:
        for row in store.occurrences(plan_id=plan_id, kinds=ACTIONABLE, statuses=["open"],
                                     end=today + timedelta(days=3)):
            if row.unit_id and response_day(row, first_day) == today:
                out.append(Response(row.uid, row.unit_id, today, "Mô phỏng: đơn vị gửi"))
    return out
