"""The monthly themes and anniversaries, sent on the first days of the month."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date

from plancal.mail.items import World, _by_plan, _join_names, _only
from plancal.mail.letters import Letter
from plancal.settings import Settings
from plancal.store import OccurrenceRow, Store
from plancal.vn.periods import last_day

#: the monthly themes go out on the 1st; a run that missed it still sends them during these first days
THEMES_CATCH_UP_DAYS = 7


# -- monthly themes ------------------------------------------------------------------------------
def monthly_themes(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                   world: World | None = None) -> list[Letter]:
    """On the 1st (or the first run of the month's first days): the month's themes and anniversaries."""
    if today.day > THEMES_CATCH_UP_DAYS:
        return []
    world = world or World.load(store)
    start, end = today.replace(day=1), last_day(today.year, today.month)
    themes = [r for r in store.occurrences(start=start, kinds=["theme"]) if r.window_start <= end]
    anniversaries = store.occurrences(start=start, end=end, kinds=["anniversary"])
    per: dict[str, list[OccurrenceRow]] = defaultdict(list)
    names: dict[str, list[str]] = defaultdict(list)
    for row in [*themes, *anniversaries]:
        if world.active(row.plan_id) is None:
            continue
        for unit_id in row.audience or []:
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
        if not theme_items and not ann_items:
            continue
        plan_ids = {r.plan_id for r in rows}
        letters.append(Letter(
            kind="themes", ident=f"{start:%Y-%m}", recipient=email, day=start, template="monthly_themes",
            context={"today": today, "month": start.month, "year": start.year,
                     "plans": _by_plan(theme_items, world), "anniversaries": tuple(ann_items)},
            to_name=_join_names(names[email]), reply_to=world.reply_to(plan_ids), coordinators=world.coordinators(plan_ids)))
    return _only(letters, recipients)
