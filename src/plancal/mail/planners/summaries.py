"""The standing agency's weekly summary of its plans."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

from plancal.mail.items import PlanSummary, World, _join_names, _only
from plancal.mail.letters import Letter, MailKind
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings
from plancal.store import Store
from plancal.vn.workdays import WorkCalendar

#: the weekly summary goes out on the week's first working day; a run that missed it still sends it
#: during the working days up to this weekday (0 = Monday)
WEEKLY_CATCH_UP_DAYS = 3


def summary_day(today: date, work: WorkCalendar) -> bool:
    """Whether ``today`` is the first working day of its week, when the weekly summary goes out."""
    monday = today - timedelta(days=today.weekday())
    return work.is_working_day(today) and all(not work.is_working_day(monday + timedelta(days=n))
                                              for n in range(today.weekday()))


# -- weekly summary ------------------------------------------------------------------------------
def weekly_summaries(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                     world: World | None = None) -> list[Letter]:
    """On the week's first working day (or a working day shortly after, for a run that missed it), to
    each standing agency: the week ahead, who is late and how late (in working days), what was done last
    week — per plan it coordinates; what the agency itself owes apart from the units' items."""
    world = world or World.load(store)
    if not world.work.is_working_day(today) or (today.weekday() >= WEEKLY_CATCH_UP_DAYS
                                                 and not summary_day(today, world.work)):
        return []
    monday = today - timedelta(days=today.weekday())
    week_end = monday + timedelta(days=6)
    first = next(monday + timedelta(days=n) for n in range(7) if world.work.is_working_day(monday + timedelta(days=n)))
    iso = today.isocalendar()
    per: dict[str, list[PlanSummary]] = defaultdict(list)
    for plan in world.plans.values():
        if plan.closed or plan.period_start > week_end + timedelta(days=30) or plan.period_end < monday - timedelta(days=60):
            continue
        rows = store.occurrences(plan_id=plan.id, kinds=ACTIONABLE, statuses=["open", "done"])
        if not rows:
            continue
        items = [world.item(r, today) for r in rows]
        agency = plan.standing_agency_id
        this_week = [i for i in items if i.status in ("open", "due") and today <= i.due <= week_end]
        late = sorted((i for i in items if i.status == "late"), key=lambda i: (i.days, i.unit_name, i.title))
        summary = PlanSummary(
            plan.id, plan.display_number, plan.title,
            due_this_week=tuple(i for i in this_week if i.unit_id != agency),
            late=tuple(i for i in late if i.unit_id != agency),
            done_last_week=tuple(item for item, row in zip(items, rows, strict=True)
                                 if row.status == "done" and row.done_on is not None
                                 and monday - timedelta(days=7) <= row.done_on < monday),
            open_total=sum(1 for i in items if i.status in ("open", "due", "late")),
            own=tuple(i for i in late + this_week if i.unit_id == agency))
        for email in world.emails(plan.standing_agency_id, today):
            per[email].append(summary)
    letters = []
    for email in sorted(per):
        summaries = tuple(sorted(per[email], key=lambda s: s.plan_id))
        plan_ids = [s.plan_id for s in summaries]
        agency_names = [world.letter_name(world.plans[p].standing_agency_id) for p in plan_ids]
        letters.append(Letter(
            kind=MailKind.WEEKLY, ident=f"{iso.year}-W{iso.week:02d}", recipient=email, day=first, template="weekly_summary",
            context={"today": today, "monday": monday, "sunday": week_end, "week": iso.week, "plans": summaries,
                     "n_late": sum(len(s.late) + sum(1 for i in s.own if i.status == "late") for s in summaries),
                     "n_due": sum(len(s.due_this_week) + sum(1 for i in s.own if i.status != "late") for s in summaries)},
            to_name=_join_names(agency_names), reply_to=(), coordinators=()))
    return _only(letters, recipients)
