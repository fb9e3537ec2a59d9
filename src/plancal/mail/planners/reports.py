"""Calls for semiannual and annual reports, sent ahead of the deadline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

from plancal.mail.items import Item, World, _join_names, _only
from plancal.mail.letters import Letter, MailKind
from plancal.schedule.occurrence import Cycle, Kind
from plancal.settings import Settings
from plancal.store import Store
from plancal.tracking.windows import REPORT_CALL_DAYS

#: the cycles whose reports are called for by mail (monthly and quarterly ones are reminded as duties)
CALLED = frozenset({Cycle.SEMIANNUAL, Cycle.ANNUAL})


# -- calls for reports ---------------------------------------------------------------------------
def report_calls(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                 world: World | None = None) -> list[Letter]:
    """The call for semiannual and annual reports, ``REPORT_CALL_DAYS`` before the deadline: once per
    plan, period and address."""
    world = world or World.load(store)
    if not world.work.is_working_day(today):
        return []  # mail goes out on working days
    rows = store.occurrences(start=today, end=today + timedelta(days=REPORT_CALL_DAYS), kinds=[Kind.REPORT, Kind.CONSOLIDATION],
                             statuses=["open"])
    per: dict[tuple[str, str, str], list[Item]] = defaultdict(list)
    names: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for row in rows:
        if row.unit_id is None or world.active(row.plan_id) is None or row.cycle not in CALLED:
            continue
        item = world.item(row, today)
        for email in world.emails(row.unit_id, today):
            key = (row.plan_id, row.period_key, email)
            per[key].append(item)
            if world.letter_name(row.unit_id) not in names[key]:
                names[key].append(world.letter_name(row.unit_id))
    letters = []
    for (plan_id, period_key, email), items in sorted(per.items()):
        items.sort(key=lambda i: (i.due, i.kind, i.unit_name))
        letters.append(Letter(
            kind=MailKind.REPORT_CALL, ident=f"{plan_id}/{period_key}", recipient=email, day=today, template="report_call",
            context={"today": today, "plan": world.plans[plan_id], "period_label": items[0].period_label,
                     "items": tuple(items), "agency": world.name(world.plans[plan_id].standing_agency_id)},
            to_name=_join_names(names[(plan_id, period_key, email)]), reply_to=world.reply_to([plan_id]),
            coordinators=world.coordinators([plan_id])))
    return _only(letters, recipients)
