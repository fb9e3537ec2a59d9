"""Which mails are due on ``today``: reminder digests, escalations, plan notices, monthly themes,
conference preparation steps, calls for reports and the coordinators' weekly summary.

Everything here is a pure reading of the store for a given ``today``: it returns :class:`Letter` s
(what to tell whom) and sends nothing; :mod:`plancal.delivery` sends them exactly once.

Lead times are counted in calendar days on the effective due date (the stated date moved off a
weekend or holiday): by default a reminder 7, 3 and 1 days before and on the day, then 1 and 7 days
after, each of which also escalates to the plan's standing agency and to the late unit's parent. They
can be set per kind of duty (``PLANCAL_LEAD_DAYS_REPORT=14,7,3,1,0``, ``PLANCAL_OVERDUE_DAYS_DUTY=1,3,7``).
A person — an email address — gets one digest a day with everything that falls due for every unit that
lists the address; never one mail per duty.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from plancal.agenda import KIND_LABEL
from plancal.errors import PlancalError, Problem, StoreError
from plancal.feed import UNIT_DIR, feed_url, unit_feed_name, webcal_url
from plancal.mail import Letter
from plancal.period import last_day
from plancal.schedule import ACTIONABLE
from plancal.settings import Settings
from plancal.store import OccurrenceRow, PlanRow, Store, UnitRow

#: the call for a semiannual or annual report goes out this many days before its deadline
REPORT_CALL_DAYS = 14
#: the list of a conference's preparation steps goes out this many days before the first step is due
CONFERENCE_NOTICE_DAYS = 30
#: the monthly themes go out on the 1st; a run that missed it still sends them during these first days
THEMES_CATCH_UP_DAYS = 7
#: the weekly summary goes out on Monday; a run that missed it still sends it during these first days
WEEKLY_CATCH_UP_DAYS = 3
_SEMIANNUAL_OR_ANNUAL = re.compile(r"^\d{4}(-H[12])?$")


class ReminderError(PlancalError):
    """Lead times that cannot work (an unknown kind of duty, a negative number of days)."""


@dataclass(frozen=True)
class LeadTimes:
    """Days before (``before``) and after (``after``, with escalation) the effective due date, per kind."""

    before: Mapping[str, tuple[int, ...]]
    after: Mapping[str, tuple[int, ...]]

    @classmethod
    def from_settings(cls, settings: Settings) -> LeadTimes:
        problems: list[Problem] = []
        for prefix, values in (("PLANCAL_LEAD_DAYS", settings.lead_days), ("PLANCAL_OVERDUE_DAYS", settings.overdue_days)):
            if any(v < 0 for v in values):
                problems.append(Problem(f"số ngày {values} có số âm", field=prefix, hint="chỉ dùng số ngày ≥ 0, ví dụ 7,3,1,0"))
        before = {kind: tuple(settings.lead_days) for kind in ACTIONABLE}
        after = {kind: tuple(settings.overdue_days) for kind in ACTIONABLE}
        for prefix, target, pairs in (("PLANCAL_LEAD_DAYS_", before, settings.lead_days_by_kind),
                                      ("PLANCAL_OVERDUE_DAYS_", after, settings.overdue_days_by_kind)):
            for kind, values in pairs:
                name = prefix + kind.upper()
                if kind not in ACTIONABLE:
                    known = ", ".join(f"{prefix}{k.upper()}" for k in sorted(ACTIONABLE))
                    problems.append(Problem(f"không có loại việc '{kind}'", field=name, hint=f"dùng một trong: {known}"))
                elif any(v < 0 for v in values):
                    problems.append(Problem(f"số ngày {values} có số âm", field=name, hint="chỉ dùng số ngày ≥ 0"))
                else:
                    target[kind] = tuple(values)
        if problems:
            raise ReminderError(problems)
        return cls(before, after)

    @property
    def max_before(self) -> int:
        return max((d for days in self.before.values() for d in days), default=0)

    @property
    def max_after(self) -> int:
        return max((d for days in self.after.values() for d in days), default=0)

    def triggers(self, kind: str, days_left: int) -> bool:
        """Whether an item of ``kind`` due in ``days_left`` days (negative: late) is reminded today."""
        if days_left >= 0:
            return days_left in self.before.get(kind, ())
        return -days_left in self.after.get(kind, ())


# -- views handed to the templates -------------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    """One occurrence as a mail shows it."""

    uid: str
    kind: str
    kind_label: str
    title: str
    detail: str
    plan_id: str
    plan_number: str
    plan_title: str
    unit_id: str
    unit_name: str
    period_label: str
    due: date
    due_stated: date
    days: int  # due - today: negative when late
    to_name: str
    quota: str | None
    status: str

    @property
    def shifted(self) -> bool:
        return self.due != self.due_stated

    @property
    def late_days(self) -> int:
        return -self.days


@dataclass(frozen=True)
class UnitBlock:
    unit_id: str
    unit_name: str
    due_today: tuple[Item, ...]
    soon: tuple[Item, ...]
    overdue: tuple[Item, ...]


@dataclass(frozen=True)
class PlanGroup:
    plan_id: str
    number: str
    title: str
    items: tuple[Item, ...] = ()
    themes: tuple[Item, ...] = ()


@dataclass(frozen=True)
class DutyGroup:
    """A duty of a plan notice: what, to whom, and every date it falls due."""

    kind_label: str
    title: str
    to_name: str
    quota: str | None
    detail: str
    dates: tuple[Item, ...]


@dataclass(frozen=True)
class PlanSummary:
    plan_id: str
    number: str
    title: str
    due_this_week: tuple[Item, ...]
    late: tuple[Item, ...]
    done_last_week: tuple[Item, ...]
    open_total: int


@dataclass
class World:
    """Units and plans by id, read once per planning run."""

    units: dict[str, UnitRow]
    plans: dict[str, PlanRow]

    @classmethod
    def load(cls, store: Store) -> World:
        return cls({u.id: u for u in store.unit_rows()}, {p.id: p for p in store.plans()})

    def name(self, unit_id: str | None) -> str:
        if unit_id is None:
            return ""
        unit = self.units.get(unit_id)
        return unit.name if unit else unit_id

    def emails(self, unit_id: str | None) -> list[str]:
        unit = self.units.get(unit_id or "")
        return list(dict.fromkeys(e.strip().lower() for e in (unit.emails or []) if e.strip())) if unit else []

    def active(self, plan_id: str) -> PlanRow | None:
        plan = self.plans.get(plan_id)
        return plan if plan is not None and not plan.closed else None

    def reply_to(self, plan_ids: Iterable[str]) -> tuple[tuple[str, str], ...]:
        """The standing agencies of these plans: where a reply should go."""
        out: list[tuple[str, str]] = []
        for pid in sorted(set(plan_ids)):
            plan = self.plans.get(pid)
            agency = self.units.get(plan.standing_agency_id) if plan else None
            if agency is not None and agency.emails:
                out.append((agency.name, agency.emails[0].strip()))
        return tuple(dict.fromkeys(out))

    def coordinators(self, plan_ids: Iterable[str]) -> tuple[str, ...]:
        out: list[str] = []
        for pid in sorted(set(plan_ids)):
            plan = self.plans.get(pid)
            if plan is not None:
                out.extend(self.emails(plan.standing_agency_id))
        return tuple(dict.fromkeys(out))

    def agencies(self, plan_ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.name(self.plans[p].standing_agency_id) for p in sorted(set(plan_ids))
                                   if p in self.plans))

    def item(self, row: OccurrenceRow, today: date) -> Item:
        plan = self.plans.get(row.plan_id)
        return Item(uid=row.uid, kind=row.kind, kind_label=KIND_LABEL.get(row.kind, row.kind), title=row.title,
                    detail=row.detail or "", plan_id=row.plan_id,
                    plan_number=plan.display_number if plan else row.plan_id, plan_title=plan.title if plan else "",
                    unit_id=row.unit_id or "", unit_name=self.name(row.unit_id), period_label=row.period_label,
                    due=row.due_effective, due_stated=row.due_stated, days=(row.due_effective - today).days,
                    to_name=self.name(row.to_unit_id), quota=row.quota, status=row.state(today))


def _only(letters: Iterable[Letter], recipients: Collection[str] | None) -> list[Letter]:
    if recipients is None:
        return list(letters)
    wanted = {r.strip().lower() for r in recipients}
    return [letter for letter in letters if letter.recipient in wanted]


def _by_plan(items: Iterable[Item], world: World) -> tuple[PlanGroup, ...]:
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        groups[item.plan_id].append(item)
    out = []
    for pid in sorted(groups, key=lambda p: (world.plans[p].issued if p in world.plans else date.min, p)):
        plan = world.plans.get(pid)
        out.append(PlanGroup(pid, plan.display_number if plan else pid, plan.title if plan else "", tuple(groups[pid])))
    return tuple(out)


def _join_names(names: Iterable[str]) -> str:
    return ", ".join(dict.fromkeys(names))


# -- reminder digests -----------------------------------------------------------------------------
def digests(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
            lead: LeadTimes | None = None, world: World | None = None) -> list[Letter]:
    """One digest per address for ``today``: due today, due in the next days, overdue."""
    lead = lead or LeadTimes.from_settings(settings)
    world = world or World.load(store)
    rows = store.occurrences(start=today - timedelta(days=lead.max_after), end=today + timedelta(days=lead.max_before),
                             kinds=ACTIONABLE, statuses=["open"])
    per: dict[str, dict[str, list[Item]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.unit_id is None or world.active(row.plan_id) is None:
            continue
        if not lead.triggers(row.kind, (row.due_effective - today).days):
            continue
        item = world.item(row, today)
        for email in world.emails(row.unit_id):
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
            kind="digest", ident=today.isoformat(), recipient=email, day=today, template="digest",
            context={"today": today, "blocks": tuple(blocks), "n_today": counts["due_today"], "n_soon": counts["soon"],
                     "n_overdue": counts["overdue"], "agencies": world.agencies(plan_ids)},
            to_name=_join_names(b.unit_name for b in blocks), reply_to=world.reply_to(plan_ids),
            coordinators=world.coordinators(plan_ids)))
    return _only(letters, recipients)


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
            for email in world.emails(target):
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
            to_name=_join_names(world.name(u) for u in sorted(per[email])), reply_to=world.reply_to(plan_ids),
            coordinators=world.coordinators(plan_ids)))
    return _only(letters, recipients)


# -- plan issued ---------------------------------------------------------------------------------
def _strip_period(title: str, label: str) -> str:
    return title[: -len(label)].rstrip(" -–") if label and title.endswith(label) else title


def plan_notices(store: Store, settings: Settings, today: date, plan_id: str, *,
                 recipients: Collection[str] | None = None, world: World | None = None) -> list[Letter]:
    """The plan was issued (or amended): each unit it names hears its duties, dates and feed address."""
    world = world or World.load(store)
    plan = world.plans.get(plan_id)
    if plan is None:
        known = ", ".join(sorted(world.plans)) or "chưa có kế hoạch nào"
        raise StoreError([Problem(f"không có kế hoạch '{plan_id}' (đã ban hành: {known})", field="plan",
                                  hint="ban hành trước bằng 'plancal issue TỆP.yaml'")])
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
            duties.append(DutyGroup(first.kind_label, _strip_period(first.title, first.period_label), first.to_name,
                                    first.quota, first.detail if same_detail else "",
                                    tuple(sorted(items, key=lambda i: i.due))))
        url = feed_url(settings, unit_feed_name(unit.feed_token))
        context = {"today": today, "plan": plan, "issuer": world.name(plan.issuer_id),
                   "agency": world.name(plan.standing_agency_id), "unit_name": unit.name, "duties": tuple(duties),
                   "n_dates": sum(len(d.dates) for d in duties), "themes": themes, "anniversaries": anniversaries,
                   "feed_url": url, "webcal_url": webcal_url(url),
                   "subscribe_url": f"{settings.feed_base_url}/{UNIT_DIR}/{unit.feed_token}"}
        for email in world.emails(unit_id):
            letters.append(Letter(
                kind="notice", ident=f"{plan.id}@r{plan.revision}/{unit_id}", recipient=email, day=today,
                template="plan_issued", context=context, to_name=unit.name, reply_to=world.reply_to([plan.id]),
                coordinators=world.coordinators([plan.id])))
    return _only(letters, recipients)


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
            for email in world.emails(unit_id):
                if row not in per[email]:
                    per[email].append(row)
                if world.name(unit_id) not in names[email]:
                    names[email].append(world.name(unit_id))
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


# -- conference preparation ------------------------------------------------------------------------
def conference_steps(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                     world: World | None = None) -> list[Letter]:
    """Once per conference, from ``CONFERENCE_NOTICE_DAYS`` before its first preparation step: the steps."""
    world = world or World.load(store)
    conferences = [c for c in store.occurrences(start=today, kinds=["conference"], statuses=["open"])
                   if world.active(c.plan_id) is not None and c.unit_id]
    if not conferences:
        return []
    preparations: dict[tuple[str, str], list[OccurrenceRow]] = defaultdict(list)
    for p in store.occurrences(kinds=["preparation"]):
        preparations[(p.plan_id, p.period_key)].append(p)
    letters = []
    for conf in conferences:
        steps = sorted((p for p in preparations[(conf.plan_id, f"{conf.period_key}@{conf.unit_id}")]
                        if p.source_id.startswith(conf.source_id + ".")), key=lambda p: (p.due_effective, p.source_id))
        first = min((p.due_effective for p in steps), default=conf.due_effective)
        if today < first - timedelta(days=CONFERENCE_NOTICE_DAYS):
            continue
        unit_ids = list(dict.fromkeys([conf.unit_id or "", *(p.unit_id or "" for p in steps)]))
        step_items = tuple(world.item(p, today) for p in steps)
        context = {"today": today, "conference": world.item(conf, today), "holder": world.name(conf.unit_id),
                   "starts_at": conf.to_occurrence().starts_at, "steps": step_items,
                   "plan": world.plans[conf.plan_id]}
        for unit_id in unit_ids:
            for email in world.emails(unit_id):
                letters.append(Letter(
                    kind="conference", ident=conf.uid, recipient=email, day=today, template="conference_steps",
                    context={**context, "unit_name": world.name(unit_id), "unit_id": unit_id},
                    to_name=world.name(unit_id), reply_to=world.reply_to([conf.plan_id]),
                    coordinators=world.coordinators([conf.plan_id])))
    # one address serving two units of the same conference gets it once
    unique = {letter.key: letter for letter in reversed(letters)}
    return _only(sorted(unique.values(), key=lambda letter: (letter.ident, letter.recipient)), recipients)


# -- calls for reports ---------------------------------------------------------------------------
def report_calls(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                 world: World | None = None) -> list[Letter]:
    """The call for semiannual and annual reports, ``REPORT_CALL_DAYS`` before the deadline: once per
    plan, period and address."""
    world = world or World.load(store)
    rows = store.occurrences(start=today, end=today + timedelta(days=REPORT_CALL_DAYS), kinds=["report", "consolidation"],
                             statuses=["open"])
    per: dict[tuple[str, str, str], list[Item]] = defaultdict(list)
    names: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for row in rows:
        if row.unit_id is None or world.active(row.plan_id) is None or not _SEMIANNUAL_OR_ANNUAL.match(row.period_key):
            continue
        item = world.item(row, today)
        for email in world.emails(row.unit_id):
            key = (row.plan_id, row.period_key, email)
            per[key].append(item)
            if item.unit_name not in names[key]:
                names[key].append(item.unit_name)
    letters = []
    for (plan_id, period_key, email), items in sorted(per.items()):
        items.sort(key=lambda i: (i.due, i.kind, i.unit_name))
        letters.append(Letter(
            kind="report_call", ident=f"{plan_id}/{period_key}", recipient=email, day=today, template="report_call",
            context={"today": today, "plan": world.plans[plan_id], "period_label": items[0].period_label,
                     "items": tuple(items), "agency": world.name(world.plans[plan_id].standing_agency_id)},
            to_name=_join_names(names[(plan_id, period_key, email)]), reply_to=world.reply_to([plan_id]),
            coordinators=world.coordinators([plan_id])))
    return _only(letters, recipients)


# -- weekly summary ------------------------------------------------------------------------------
def weekly_summaries(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                     world: World | None = None) -> list[Letter]:
    """On Monday (or the first run of the week's first days), to each standing agency: the week ahead,
    who is late and how late, what was done last week — per plan it coordinates."""
    if today.weekday() >= WEEKLY_CATCH_UP_DAYS:
        return []
    world = world or World.load(store)
    monday = today - timedelta(days=today.weekday())
    week_end = monday + timedelta(days=6)
    iso = today.isocalendar()
    per: dict[str, list[PlanSummary]] = defaultdict(list)
    for plan in world.plans.values():
        if plan.closed or plan.period_start > week_end + timedelta(days=30) or plan.period_end < monday - timedelta(days=60):
            continue
        rows = store.occurrences(plan_id=plan.id, kinds=ACTIONABLE, statuses=["open", "done"])
        if not rows:
            continue
        items = [world.item(r, today) for r in rows]
        summary = PlanSummary(
            plan.id, plan.display_number, plan.title,
            due_this_week=tuple(i for i in items if i.status in ("open", "due") and today <= i.due <= week_end),
            late=tuple(sorted((i for i in items if i.status == "late"), key=lambda i: (i.days, i.unit_name, i.title))),
            done_last_week=tuple(item for item, row in zip(items, rows, strict=True)
                                 if row.status == "done" and row.done_on is not None
                                 and monday - timedelta(days=7) <= row.done_on < monday),
            open_total=sum(1 for i in items if i.status in ("open", "due", "late")))
        for email in world.emails(plan.standing_agency_id):
            per[email].append(summary)
    letters = []
    for email in sorted(per):
        summaries = tuple(sorted(per[email], key=lambda s: s.plan_id))
        plan_ids = [s.plan_id for s in summaries]
        agency_names = [world.name(world.plans[p].standing_agency_id) for p in plan_ids]
        letters.append(Letter(
            kind="weekly", ident=f"{iso.year}-W{iso.week:02d}", recipient=email, day=monday, template="weekly_summary",
            context={"today": today, "monday": monday, "sunday": week_end, "week": iso.week, "plans": summaries,
                     "n_late": sum(len(s.late) for s in summaries),
                     "n_due": sum(len(s.due_this_week) for s in summaries)},
            to_name=_join_names(agency_names), reply_to=(), coordinators=()))
    return _only(letters, recipients)


def due_recipients(store: Store, settings: Settings, today: date) -> list[str]:
    """Every address that has a time-driven mail due on ``today``: a flow splits this list into batches."""
    world = World.load(store)
    lead = LeadTimes.from_settings(settings)
    found: set[str] = set()
    for letters in (digests(store, settings, today, lead=lead, world=world),
                    escalations(store, settings, today, lead=lead, world=world),
                    monthly_themes(store, settings, today, world=world),
                    conference_steps(store, settings, today, world=world),
                    report_calls(store, settings, today, world=world),
                    weekly_summaries(store, settings, today, world=world)):
        found.update(letter.recipient for letter in letters)
    return sorted(found)
