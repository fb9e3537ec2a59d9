"""Plan notices: each unit hears its duties, dates and feed address when a plan is issued."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date

from plancal.errors import Problem, StoreError
from plancal.feeds.names import UNIT_DIR, feed_url, unit_feed_name, webcal_url
from plancal.mail.items import DutyGroup, Item, World, _only
from plancal.mail.letters import Letter, MailKind
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings
from plancal.store import OccurrenceRow, Store


# -- plan issued ---------------------------------------------------------------------------------
def plan_notices(store: Store, settings: Settings, today: date, plan_id: str, *,
                 recipients: Collection[str] | None = None, world: World | None = None) -> list[Letter]:
    """The plan was issued (or amended): each unit it names hears its duties, dates and feed address —
    unless its period has ended by ``today`` (issuing an old plan for the record sends nothing)."""
    world = world or World.load(store)
    plan = world.plans.get(plan_id)
    if plan is None:
        known = ", ".join(sorted(world.plans)) or "chưa có kế hoạch nào"
        raise StoreError([Problem(f"không có kế hoạch '{plan_id}' (đã ban hành: {known})", field="plan",
                                  hint="ban hành trước bằng 'plancal issue TỆP.yaml'")])
    if today > plan.period_end:
        return []  # a plan whose period has ended is on record, not news: nobody is told to act on it
    rows = store.occurrences(plan_id=plan_id)
    by_unit: dict[str, list[OccurrenceRow]] = defaultdict(list)
    for row in rows:
        if row.unit_id is not None and row.kind in ACTIONABLE:
            by_unit[row.unit_id].append(row)
    unit_ids = list(dict.fromkeys([*(plan.recipients or []), *sorted(by_unit)]))
    themes = tuple(world.item(r, today) for r in rows if r.kind == "theme")
    anniversaries = tuple(world.item(r, today) for r in rows if r.kind == "anniversary")
    letters = []
    for unit_id in unit_ids:
        unit = world.units.get(unit_id)
        if unit is None:
            continue
        groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
        for row in by_unit.get(unit_id, []):
            groups[(row.kind, row.source_id)].append(world.item(row, today))
        duties = []
        for items in sorted(groups.values(), key=lambda its: (min(i.due for i in its), its[0].title)):
            first = min(items, key=lambda i: i.due)
            same_detail = len({i.detail for i in items}) == 1
            duties.append(DutyGroup(first.kind_label, first.what, first.to_name,
                                    first.quota, first.detail if same_detail else "",
                                    tuple(sorted(items, key=lambda i: i.due))))
        url = feed_url(settings, unit_feed_name(unit.feed_token))
        context = {"today": today, "plan": plan, "issuer": world.name(plan.issuer_id),
                   "agency": world.name(plan.standing_agency_id), "unit_name": unit.name, "duties": tuple(duties),
                   "n_dates": sum(len(d.dates) for d in duties), "themes": themes, "anniversaries": anniversaries,
                   "feed_url": url, "webcal_url": webcal_url(url),
                   "subscribe_url": f"{settings.feed_base_url}/{UNIT_DIR}/{unit.feed_token}"}
        for email in world.emails(unit_id, today):
            letters.append(Letter(
                kind=MailKind.NOTICE, ident=f"{plan.id}@r{plan.revision}/{unit_id}", recipient=email, day=today,
                template="plan_issued", context=context, to_name=unit.letter_name, reply_to=world.reply_to([plan.id]),
                coordinators=world.coordinators([plan.id]), plan_id=plan.id))
    return _only(letters, recipients)
