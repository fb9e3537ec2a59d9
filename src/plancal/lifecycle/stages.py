"""The stages of a plan's lifecycle, which of the day's mail each sends, and which have work on a day.

Each stage runs as a flow of its own (see ``flows/``, which maps every stage to its flow); the core names
the stages and says when they have something to do, never how they run.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from plancal.mail.daily import DAILY, DailyMail
from plancal.mail.items import World
from plancal.mail.leadtimes import LeadTimes
from plancal.mail.letters import MailKind
from plancal.mail.planners.conferences import CONFERENCE_NOTICE_DAYS
from plancal.mail.planners.summaries import summary_day
from plancal.mail.planners.themes import themes_day
from plancal.schedule.occurrence import Kind
from plancal.settings import Settings
from plancal.store import Store
from plancal.tracking.windows import open_windows
from plancal.views.conferences import conference_groups, conferences_active
from plancal.views.themes import has_themes


class Stage(StrEnum):
    ISSUE = "issue"  # a plan file is issued (on demand)
    SUB_UNIT_PLANS = "sub_unit_plans"  # the sub-unit plans that arrived, who has issued one
    MONTHLY_THEMES = "monthly_themes"  # the month's themes and anniversaries (its first working day)
    CONFERENCES = "conferences"  # conference preparation steps, pilot first
    SEMIANNUAL_REPORTS = "semiannual_reports"  # calls for reports, who has reported, the draft consolidation
    REMINDERS = "reminders"  # the morning digests, escalations and weekly summary
    EXPORT = "export"  # the calendar feeds rewritten


#: the stages that run every day, in the order a day runs them
DAILY_STAGES = (Stage.SUB_UNIT_PLANS, Stage.MONTHLY_THEMES, Stage.CONFERENCES, Stage.SEMIANNUAL_REPORTS,
                Stage.REMINDERS)

#: which kinds of :data:`plancal.mail.daily.DAILY` each stage sends (every kind exactly once)
MAIL: dict[Stage, tuple[MailKind, ...]] = {
    Stage.MONTHLY_THEMES: (MailKind.THEMES,),
    Stage.CONFERENCES: (MailKind.CONFERENCE,),
    Stage.SEMIANNUAL_REPORTS: (MailKind.REPORT_CALL,),
    Stage.REMINDERS: (MailKind.DIGEST, MailKind.ESCALATION, MailKind.WEEKLY),
}


def daily_mail(stage: Stage) -> list[DailyMail]:
    """The day's mail that ``stage`` sends, in :data:`DAILY` order."""
    kinds = MAIL.get(stage, ())
    return [daily for daily in DAILY if daily.kind in kinds]


def stages_for(store: Store, settings: Settings, today: date) -> list[Stage]:
    """The daily stages that have work on ``today``, in :data:`DAILY_STAGES` order (a run on a day with
    nothing to do would send and write nothing anyway)."""
    world = World.load(store)
    lead = LeadTimes.from_settings(settings)
    active = [p for p in world.plans.values() if not p.closed]
    found = []
    sub_plans = store.occurrences(kinds=[Kind.SUB_PLAN], statuses=["open"], start=today - timedelta(days=lead.max_after),
                                  end=today + timedelta(days=lead.max_before))
    if any(lead.reminds(Kind.SUB_PLAN, r.due_effective, r.due_limit, today, world.work) for r in sub_plans):
        found.append(Stage.SUB_UNIT_PLANS)
    if themes_day(today, world.work) and has_themes(store, today):
        found.append(Stage.MONTHLY_THEMES)
    if any(conferences_active(conference_groups(store, p.id), today, CONFERENCE_NOTICE_DAYS) for p in active):
        found.append(Stage.CONFERENCES)
    if open_windows(store, today):
        found.append(Stage.SEMIANNUAL_REPORTS)
    # the weekly summary goes out on the week's first working day (the days after only catch up a missed run)
    if any(daily.planner(store, settings, today, world=world) for daily in daily_mail(Stage.REMINDERS)
           if daily.kind != MailKind.WEEKLY or summary_day(today, world.work)):
        found.append(Stage.REMINDERS)
    return found
