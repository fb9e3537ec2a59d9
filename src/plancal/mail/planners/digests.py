"""The daily reminder digest: one mail per address with what is due soon, today and late."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

from plancal.mail.items import Item, UnitBlock, World, _join_names, _only
from plancal.mail.leadtimes import LeadTimes, mail_days
from plancal.mail.letters import Letter, MailKind
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings
from plancal.store import Store


# -- reminder digests -----------------------------------------------------------------------------
def digests(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
            lead: LeadTimes | None = None, world: World | None = None) -> list[Letter]:
    """One digest per address for ``today``: due today, due in the next days, overdue. Only on working
    days; the first working day after days off carries the lead-time marks that fell on them."""
    lead = lead or LeadTimes.from_settings(settings)
    world = world or World.load(store)
    days = mail_days(today, world.work)
    if not days:
        return []
    window = store.due_rows(start=today - timedelta(days=lead.max_after),
                            end=today + timedelta(days=lead.max_before + (today - days[0]).days), kinds=ACTIONABLE)
    # the dates decide who is reminded; only those rows are read whole
    rows = store.occurrences_in_order(
        r.uid for r in window if r.unit_id is not None and world.active(r.plan_id) is not None
        and lead.reminds(r.kind, r.due_effective, r.due_limit, today, world.work))
    per: dict[str, dict[str, list[Item]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        assert row.unit_id is not None
        item = world.item(row, today)
        for email in world.emails(row.unit_id, today):
            per[email][row.unit_id].append(item)
    letters = []
    for email in sorted(per):
        blocks = []
        plan_ids: set[str] = set()
        for unit_id in sorted(per[email], key=lambda u: (world.name(u), u)):
            items = per[email][unit_id]
            plan_ids.update(i.plan_id for i in items)
            blocks.append(UnitBlock(
                unit_id, world.name(unit_id),
                due_today=tuple(i for i in items if i.days == 0),
                soon=tuple(sorted((i for i in items if i.days > 0), key=lambda i: (i.due, i.title))),
                overdue=tuple(sorted((i for i in items if i.days < 0), key=lambda i: (i.due, i.title)))))
        counts = {name: sum(len(getattr(b, name)) for b in blocks) for name in ("due_today", "soon", "overdue")}
        letters.append(Letter(
            kind=MailKind.DIGEST, ident=today.isoformat(), recipient=email, day=today, template="digest",
            context={"today": today, "blocks": tuple(blocks), "n_today": counts["due_today"], "n_soon": counts["soon"],
                     "n_overdue": counts["overdue"], "agencies": world.agencies(plan_ids)},
            to_name=_join_names(world.letter_name(b.unit_id) for b in blocks), reply_to=world.reply_to(plan_ids),
            coordinators=world.coordinators(plan_ids)))
    return _only(letters, recipients)
