"""A simulated clock for watching a plan's lifecycle: which stages have work on a given day, and how
the units respond.

``plancal simulate`` walks the days of a range; on each day it runs only the stages that have
something to do (a flow run on a day with nothing to do would send and write nothing anyway), so
a plan year plays in about a minute. Units respond deterministically, from a hash of each
occurrence's uid: most on time, some late, some never — so the coordinator's tables show all three.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from plancal.mail.items import World
from plancal.mail.leadtimes import LeadTimes, limit_of
from plancal.mail.planners.conferences import CONFERENCE_NOTICE_DAYS
from plancal.mail.planners.digests import digests
from plancal.mail.planners.escalations import escalations
from plancal.mail.planners.summaries import summary_day, weekly_summaries
from plancal.mail.planners.themes import themes_day
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings

#: the daily lifecycle stages, in the order a simulated day runs them
from plancal.store import OccurrenceRow, Store
from plancal.tracking.windows import open_windows
from plancal.views.conferences import conference_groups, conferences_active
from plancal.views.themes import has_themes

#: the daily lifecycle stages, in the order a simulated day runs them
STAGES = ("sub_unit_plans", "monthly_themes", "conferences", "semiannual_reports", "reminders")
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


def stages_for(store: Store, settings: Settings, today: date) -> list[str]:
    """The lifecycle stages that have work on ``today`` (see :data:`STAGES`)."""
    world = World.load(store)
    lead = LeadTimes.from_settings(settings)
    active = [p for p in world.plans.values() if not p.closed]
    found = []
    sub_plans = store.occurrences(kinds=["sub_plan"], statuses=["open"], start=today - timedelta(days=lead.max_after),
                                  end=today + timedelta(days=lead.max_before))
    if any(lead.reminds("sub_plan", r.due_effective, limit_of(r), today, world.work) for r in sub_plans):
        found.append("sub_unit_plans")
    if themes_day(today, world.work) and has_themes(store, today):
        found.append("monthly_themes")
    if any(conferences_active(conference_groups(store, p.id), today, CONFERENCE_NOTICE_DAYS) for p in active):
        found.append("conferences")
    if open_windows(store, today):
        found.append("semiannual_reports")
    # the weekly summary goes out on the week's first working day (the days after only catch up a missed run)
    weekly = summary_day(today, world.work) and weekly_summaries(store, settings, today, world=world)
    if weekly or digests(store, settings, today, lead=lead, world=world) \
            or escalations(store, settings, today, lead=lead, world=world):
        found.append("reminders")
    return found
