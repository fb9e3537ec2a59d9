"""The daily reminder digest: one mail per address with what is due soon, today and late."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta
from operator import attrgetter

from plancal.collector import collector_paused
from plancal.mail.items import Item, UnitBlock, World, _join_names, _only, work_of
from plancal.mail.leadtimes import LeadTimes, limit_of, mail_days
from plancal.mail.letters import Letter, MailKind
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings
from plancal.store import Store


# -- reminder digests -----------------------------------------------------------------------------
@collector_paused()  # its letters and what they show live on and hold no cycles: nothing to collect
def digests(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
            lead: LeadTimes | None = None, world: World | None = None) -> list[Letter]:
    """One digest per address for ``today``: due today, due in the next days, overdue. Only on working
    days; the first working day after days off carries the lead-time marks that fell on them."""
    lead = lead or LeadTimes.from_settings(settings)
    work = work_of(world)
    days = mail_days(today, work)
    if not days:
        return []
    rows = store.open_rows_at_marks(kinds=ACTIONABLE, start=today - timedelta(days=lead.max_after),
                                    end=today + timedelta(days=lead.max_before + (today - days[0]).days),
                                    due_on=lead.digest_aims(today, work), limit_on=lead.digest_limits(today, work))
    if not rows:
        return []
    world = world or World.load(store, {u for r in rows for u in (r.unit_id, r.to_unit_id) if u})
    per_unit: dict[str, list[Item]] = defaultdict(list)
    for row in rows:
        if row.unit_id is None or world.active(row.plan_id) is None:
            continue
        if lead.reminds(row.kind, row.due_effective, limit_of(row), today, work):
            per_unit[row.unit_id].append(world.item(row, today))
    # each address's units in the order its digest shows them (by name), then the addresses grouped by
    # their units: a unit's block is the same in each of its addresses' digests, and addresses of the same
    # units get the same digest but for the recipient, so each block and each units' context is made once
    units_of: dict[str, list[str]] = defaultdict(list)
    for unit_id in sorted(per_unit, key=lambda u: (world.name(u), u)):
        for email in world.emails(unit_id, today):
            units_of[email].append(unit_id)
    addresses: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for email, held in units_of.items():
        addresses[tuple(held)].append(email)
    blocks = {unit_id: _block(world, unit_id, items) for unit_id, items in per_unit.items()}
    plans_of = {unit_id: {i.plan_id for i in items} for unit_id, items in per_unit.items()}
    # most addresses hear of the same few plans: their agencies, reply-to and coordinators, once each
    by_plans: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]] = {}
    letters, ident = [], today.isoformat()
    for units, emails in addresses.items():
        shown = tuple(blocks[u] for u in units)
        plan_ids = tuple(sorted(plans_of[units[0]] if len(units) == 1 else set().union(*(plans_of[u] for u in units))))
        if plan_ids not in by_plans:
            by_plans[plan_ids] = (world.agencies(plan_ids), world.reply_to(plan_ids), world.coordinators(plan_ids))
        agencies, reply_to, coordinators = by_plans[plan_ids]
        context = {"today": today, "blocks": shown, "n_today": sum(len(b.due_today) for b in shown),
                   "n_soon": sum(len(b.soon) for b in shown), "n_overdue": sum(len(b.overdue) for b in shown),
                   "agencies": agencies}
        to_name = world.letter_name(units[0]) if len(units) == 1 else _join_names(map(world.letter_name, units))
        letters += [Letter(kind=MailKind.DIGEST, ident=ident, recipient=email, day=today, template="digest",
                           context=context, to_name=to_name, reply_to=reply_to, coordinators=coordinators)
                    for email in emails]
    letters.sort(key=attrgetter("recipient"))
    return _only(letters, recipients)


def _block(world: World, unit_id: str, items: list[Item]) -> UnitBlock:
    """A unit's part of a digest: due today (in the order of the rows), soon and overdue (by date, title)."""
    due_today: list[Item] = []
    soon: list[Item] = []
    overdue: list[Item] = []
    for item in items:
        (due_today if item.days == 0 else soon if item.days > 0 else overdue).append(item)
    return UnitBlock(unit_id, world.name(unit_id), tuple(due_today), tuple(sorted(soon, key=_BY_DATE)),
                     tuple(sorted(overdue, key=_BY_DATE)))


#: how a block orders what is due soon and what is overdue
_BY_DATE = attrgetter("due", "title")
