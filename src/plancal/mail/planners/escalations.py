"""Escalations: late items, to those who follow them up, by the ladder an office accepts (the unit's own
reminders first, the standing agency after a few working days, the issuer and the late unit's parent
only after a long delay), on working days only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

from plancal.collector import collector_paused
from plancal.mail.items import Item, World, _by_plan, _join_names, _only, work_of
from plancal.mail.leadtimes import LeadTimes, limit_of
from plancal.mail.letters import Letter, MailKind
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings
from plancal.store import MarkRow, OccurrenceRow, PlanRow, Store

#: who hears of a late item, by rung of the ladder, as a letter names them
ROLE = {"agency": "cơ quan thường trực", "issuer": "cơ quan ban hành kế hoạch", "parent": "đơn vị cấp trên"}


def escalatable(row: OccurrenceRow | MarkRow, plan: PlanRow) -> bool:
    """Whether a late occurrence is followed up above its unit: actionable, assigned (not requested of an
    outside body) and not the standing agency's own (it does not report itself to itself)."""
    return row.escalatable and row.unit_id is not None and row.unit_id != plan.standing_agency_id


# -- escalations ---------------------------------------------------------------------------------
@collector_paused()  # its letters and what they show live on and hold no cycles: nothing to collect
def escalations(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                lead: LeadTimes | None = None, world: World | None = None) -> list[Letter]:
    """Late items at a rung of the ladder (working days after the legal limit), to the plan's standing
    agency, then to its issuer and the late unit's parent. Nothing on a day off."""
    lead = lead or LeadTimes.from_settings(settings)
    work = work_of(world)
    if not work.is_working_day(today):
        return []
    rows = store.open_rows_at_marks(kinds=ACTIONABLE, start=today - timedelta(days=lead.max_after),
                                    end=today - timedelta(days=1), limit_on=lead.escalation_limits(today, work))
    if not rows:
        return []
    world = world or World.load(store, {u for r in rows for u in (r.unit_id, r.to_unit_id) if u})
    per: dict[str, dict[str, list[tuple[Item, str]]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        plan = world.active(row.plan_id)
        if plan is None or not escalatable(row, plan):
            continue
        limit = limit_of(row)
        rungs = lead.escalates(limit, today, work)
        if not rungs:
            continue
        item = world.item(row, today)
        late_unit = world.units.get(row.unit_id or "")
        targets = {"agency": plan.standing_agency_id, "issuer": plan.issuer_id,
                   "parent": late_unit.parent_id if late_unit is not None else None}
        seen: set[str] = set()
        for rung in rungs:
            target = targets[rung]
            if not target or target == row.unit_id:
                continue
            for email in world.emails(target, today):
                if email not in seen:
                    seen.add(email)
                    per[email][target].append((item, ROLE[rung]))
    letters = []
    for email in sorted(per):
        entries = [entry for unit_entries in per[email].values() for entry in unit_entries]
        items = sorted((i for i, _ in entries), key=lambda i: (-i.working_late, i.unit_name, i.title))
        plan_ids = {i.plan_id for i in items}
        roles = sorted({role for _, role in entries})
        letters.append(Letter(
            kind=MailKind.ESCALATION, ident=today.isoformat(), recipient=email, day=today, template="escalation",
            context={"today": today, "plans": _by_plan(items, world), "n_items": len(items),
                     "n_units": len({i.unit_id for i in items}), "roles": tuple(roles),
                     "agencies": world.agencies(plan_ids),
                     "recipient_units": tuple(world.name(u) for u in sorted(per[email]))},
            to_name=_join_names(world.letter_name(u) for u in sorted(per[email])), reply_to=world.reply_to(plan_ids),
            coordinators=world.coordinators(plan_ids)))
    return _only(letters, recipients)
