"""The monthly themes and anniversaries, sent on the first days of the month."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

from plancal.mail.items import World, _by_plan, _join_names, _only
from plancal.mail.letters import Letter, MailKind
from plancal.schedule.occurrence import Kind
from plancal.settings import Settings
from plancal.store import OccurrenceRow, Store
from plancal.vn.periods import last_day
from plancal.vn.workdays import WorkCalendar

#: the monthly themes go out on the month's first working day; a run that missed it still sends them
#: during the days after it
THEMES_CATCH_UP_DAYS = 7


def first_working_day(start: date, work: WorkCalendar) -> date:
    day = start
    while not work.is_working_day(day):
        day += timedelta(days=1)
    return day


def themes_day(today: date, work: WorkCalendar) -> bool:
    """Whether ``today`` is the month's first working day, when the themes go out."""
    return today == first_working_day(today.replace(day=1), work)


# -- monthly themes ------------------------------------------------------------------------------
def monthly_themes(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                   world: World | None = None) -> list[Letter]:
    """On the month's first working day (or a working day shortly after, for a run that missed it): the
    month's themes and anniversaries, and the standing duties of the plans in play."""
    world = world or World.load(store)
    first = first_working_day(today.replace(day=1), world.work)
    if not world.work.is_working_day(today) or not first <= today < first + timedelta(days=THEMES_CATCH_UP_DAYS):
        return []
    start, end = today.replace(day=1), last_day(today.year, today.month)
    themes = [r for r in store.occurrences(start=start, kinds=["theme"]) if r.window_start <= end]
    anniversaries = store.occurrences(start=start, end=end, kinds=["anniversary"])
    # the standing duties ("thường xuyên") of the plans in play, each unit its own, every month
    standing = [r for r in store.occurrences(start=start, kinds=[Kind.ONGOING], statuses=["open"])
                if r.window_start <= end and r.unit_id]
    per: dict[str, list[OccurrenceRow]] = defaultdict(list)
    names: dict[str, list[str]] = defaultdict(list)
    for row in [*themes, *anniversaries, *standing]:
        if world.active(row.plan_id) is None:
            continue
        for unit_id in ([row.unit_id] if row.kind == Kind.ONGOING and row.unit_id else row.audience or []):
            for email in world.emails(unit_id, today):
                if row not in per[email]:
                    per[email].append(row)
                if world.letter_name(unit_id) not in names[email]:
                    names[email].append(world.letter_name(unit_id))
    letters = []
    for email in sorted(per):
        rows = per[email]
        theme_items = [world.item(r, today) for r in rows if r.kind == "theme"]
        ann_items = sorted((world.item(r, today) for r in rows if r.kind == "anniversary"), key=lambda i: (i.due, i.title))
        standing_items = sorted((world.item(r, today) for r in rows if r.kind == Kind.ONGOING),
                                key=lambda i: (i.plan_id, i.unit_name, i.title))
        if not theme_items and not ann_items:
            continue
        plan_ids = {r.plan_id for r in rows}
        letters.append(Letter(
            kind=MailKind.THEMES, ident=f"{start:%Y-%m}", recipient=email, day=first, template="monthly_themes",
            context={"today": today, "month": start.month, "year": start.year,
                     "plans": _by_plan(theme_items, world), "anniversaries": tuple(ann_items),
                     "standing": tuple(standing_items)},
            to_name=_join_names(names[email]), reply_to=world.reply_to(plan_ids), coordinators=world.coordinators(plan_ids)))
    return _only(letters, recipients)
