"""Conference preparation steps, sent once per conference ahead of the first step."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

from plancal.mail.items import World, _only
from plancal.mail.letters import Letter, MailKind
from plancal.schedule.occurrence import Kind
from plancal.settings import Settings
from plancal.store import OccurrenceRow, Store

#: the list of a conference's preparation steps goes out this many days before the first step is due
CONFERENCE_NOTICE_DAYS = 30


# -- conference preparation ------------------------------------------------------------------------
def conference_steps(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                     world: World | None = None) -> list[Letter]:
    """Once per conference, from ``CONFERENCE_NOTICE_DAYS`` before its first preparation step: the steps."""
    world = world or World.load(store)
    if not world.work.is_working_day(today):
        return []  # mail goes out on working days
    conferences = [c for c in store.occurrences(start=today, kinds=[Kind.CONFERENCE], statuses=["open"])
                   if world.active(c.plan_id) is not None and c.unit_id]
    if not conferences:
        return []
    preparations: dict[str, list[OccurrenceRow]] = defaultdict(list)
    for p in store.occurrences(kinds=[Kind.PREPARATION], conference_uids=[c.uid for c in conferences]):
        if p.conference_uid:
            preparations[p.conference_uid].append(p)
    letters = []
    for conf in conferences:
        steps = sorted(preparations[conf.uid], key=lambda p: (p.due_effective, p.source_id))
        first = min((p.due_effective for p in steps), default=conf.due_effective)
        if today < first - timedelta(days=CONFERENCE_NOTICE_DAYS):
            continue
        unit_ids = list(dict.fromkeys([conf.unit_id or "", *(p.unit_id or "" for p in steps)]))
        step_items = tuple(world.item(p, today) for p in steps)
        context = {"today": today, "conference": world.item(conf, today), "holder": world.name(conf.unit_id),
                   "starts_at": conf.to_occurrence().starts_at, "steps": step_items,
                   "plan": world.plans[conf.plan_id]}
        for unit_id in unit_ids:
            for email in world.emails(unit_id, today):
                letters.append(Letter(
                    kind=MailKind.CONFERENCE, ident=conf.uid, recipient=email, day=today, template="conference_steps",
                    context={**context, "unit_name": world.name(unit_id), "unit_id": unit_id},
                    to_name=world.letter_name(unit_id), reply_to=world.reply_to([conf.plan_id]),
                    coordinators=world.coordinators([conf.plan_id])))
    # one address serving two units of the same conference gets it once
    unique = {letter.key: letter for letter in reversed(letters)}
    return _only(sorted(unique.values(), key=lambda letter: (letter.ident, letter.recipient)), recipients)
