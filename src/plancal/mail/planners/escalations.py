"""Escalations: late items reported to those who follow them up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

from plancal.mail.items import Item, World, _by_plan, _join_names, _only
from plancal.mail.leadtimes import LeadTimes
from plancal.mail.letters import Letter
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings
from plancal.store import Store


# -- escalations ---------------------------------------------------------------------------------
def escalations(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                lead: LeadTimes | None = None, world: World | None = None) -> list[Letter]:
    """Late items at an overdue mark, to the plan's standing agency and the late unit's parent."""
    lead = lead or LeadTimes.from_settings(settings)
    world = world or World.load(store)
    rows = store.occurrences(start=today - timedelta(days=lead.max_after), end=today - timedelta(days=1),
                             kinds=ACTIONABLE, statuses=["open"])
    per: dict[str, dict[str, list[tuple[Item, str]]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        plan = world.active(row.plan_id)
        if row.unit_id is None or plan is None or not lead.triggers(row.kind, (row.due_effective - today).days):
            continue
        item = world.item(row, today)
        late_unit = world.units.get(row.unit_id)
        targets = [(plan.standing_agency_id, "cơ quan thường trực")]
        if late_unit is not None and late_unit.parent_id:
            targets.append((late_unit.parent_id, "đơn vị cấp trên"))
        seen: set[str] = set()
        for target, role in targets:
            if target == row.unit_id:
                continue
            for email in world.emails(target, today):
                if email not in seen:
                    seen.add(email)
                    per[email][target].append((item, role))
    letters = []
    for email in sorted(per):
        entries = [entry for unit_entries in per[email].values() for entry in unit_entries]
        items = sorted((i for i, _ in entries), key=lambda i: (i.days, i.unit_name, i.title))
        plan_ids = {i.plan_id for i in items}
        roles = sorted({role for _, role in entries})
        letters.append(Letter(
            kind="escalation", ident=today.isoformat(), recipient=email, day=today, template="escalation",
            context={"today": today, "plans": _by_plan(items, world), "n_items": len(items),
                     "n_units": len({i.unit_id for i in items}), "roles": tuple(roles),
                     "recipient_units": tuple(world.name(u) for u in sorted(per[email]))},
            to_name=_join_names(world.letter_name(u) for u in sorted(per[email])), reply_to=world.reply_to(plan_ids),
            coordinators=world.coordinators(plan_ids)))
    return _only(letters, recipients)
