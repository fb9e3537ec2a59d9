"""The standing agency's weekly summary of its plans.

Per plan: the counts of each list (late, due this week, done last week, still open) and the top of each
list — the :data:`TOP` longest late, the :data:`TOP` due soonest. When a list is longer, the mail also
counts the late items per unit (or per parent unit) and attaches every list in full as an .xlsx workbook,
so a national plan with tens of thousands of late items still makes a mail of a few hundred kilobytes.
The lists come as plain columns (their lengths are the counts), what is still owed from one aggregate
query; only the items shown are built.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta
from functools import partial

from plancal.mail.composition import WorkbookAttachment
from plancal.mail.items import Item, LateCount, PlanSummary, World, _join_names, _only
from plancal.mail.leadtimes import working_days_late
from plancal.mail.letters import Letter, MailKind
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings
from plancal.store import ListedRow, PlanRow, Store, Week
from plancal.vn.dates import short
from plancal.vn.workdays import WorkCalendar
from plancal.workbooks import Table

#: the weekly summary goes out on the week's first working day; a run that missed it still sends it
#: during the working days up to this weekday (0 = Monday)
WEEKLY_CATCH_UP_DAYS = 3
#: how many items of each list a plan's summary shows; longer lists travel whole in the attachment
TOP = 30
#: late items held by at most this many units are counted per unit; by more, per parent unit
LATE_PER_UNIT_AT_MOST = 12


def summary_day(today: date, work: WorkCalendar) -> bool:
    """Whether ``today`` is the first working day of its week, when the weekly summary goes out."""
    monday = today - timedelta(days=today.weekday())
    return work.is_working_day(today) and all(not work.is_working_day(monday + timedelta(days=n))
                                              for n in range(today.weekday()))


# -- weekly summary ------------------------------------------------------------------------------
def weekly_summaries(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                     world: World | None = None) -> list[Letter]:
    """On the week's first working day (or a working day shortly after, for a run that missed it), to
    each standing agency: the week ahead, who is late and how late (in working days), what was done last
    week — per plan it coordinates; what the agency itself owes apart from the units' items."""
    world = world or World.load(store)
    if not world.work.is_working_day(today) or (today.weekday() >= WEEKLY_CATCH_UP_DAYS
                                                and not summary_day(today, world.work)):
        return []
    monday = today - timedelta(days=today.weekday())
    week = Week(today, monday + timedelta(days=6), monday - timedelta(days=7), monday)
    current = [plan for plan in world.plans.values()
               if not plan.closed and plan.period_start <= week.end + timedelta(days=30)
               and plan.period_end >= monday - timedelta(days=60)]
    summaries, lists = plan_summaries(store, world, current, week)
    per: dict[str, list[PlanSummary]] = defaultdict(list)
    for plan in current:
        if plan.id in summaries:
            for email in world.emails(plan.standing_agency_id, today):
                per[email].append(summaries[plan.id])
    return _only(_letters(world, per, week, lists), recipients)


#: a plan's full lists: "late" (longest late first), "due" (this week, by date), "done" (last week)
Lists = dict[str, list[ListedRow]]


def plan_summaries(store: Store, world: World, plans: Sequence[PlanRow], week: Week,
                   ) -> tuple[dict[str, PlanSummary], dict[str, Lists]]:
    """The summary of each plan that has open or done items, and each plan's full lists."""
    owed = store.open_counts([plan.id for plan in plans], ACTIONABLE, week)
    lists: dict[str, Lists] = {pid: {"late": [], "due": [], "done": []} for pid in owed}
    for row in store.week_lists(owed, ACTIONABLE, week):
        lists[row.plan_id][row.which].append(row)
    for plan_lists in lists.values():  # stable: rows late as long are in the store's order
        plan_lists["late"].sort(key=lambda r: (r.due_effective, world.name(r.unit_id), r.title))
    # what the standing agency itself owes is a section of its own, not among the units' items (the
    # attachment keeps the full lists)
    shown: dict[str, tuple[list[ListedRow], list[ListedRow], list[ListedRow]]] = {}
    for pid, plan_lists in lists.items():
        agency = world.plans[pid].standing_agency_id
        shown[pid] = ([r for r in plan_lists["late"] if r.unit_id != agency],
                      [r for r in plan_lists["due"] if r.unit_id != agency],
                      [r for r in plan_lists["late"] + plan_lists["due"] if r.unit_id == agency])
    items = _items(store, world, [r.uid for pid, (late, due, own) in shown.items()
                                  for r in (*late[:TOP], *due[:TOP], *own[:TOP], *lists[pid]["done"][:TOP])], week.today)
    out = {}
    for pid, n_open in owed.items():
        late, due, own = shown[pid]
        done = lists[pid]["done"]
        by, by_parent = _late_by(world, late) if len(late) > TOP else ((), False)
        plan = world.plans[pid]
        out[pid] = PlanSummary(
            pid, plan.display_number, plan.title,
            due_this_week=tuple(items[r.uid] for r in due[:TOP]), late=tuple(items[r.uid] for r in late[:TOP]),
            done_last_week=tuple(items[r.uid] for r in done[:TOP]),
            open_total=n_open, n_due=len(due), n_late=len(late), n_done=len(done),
            late_by=by, late_by_parent=by_parent, own=tuple(items[r.uid] for r in own[:TOP]))
    return out, lists


def _items(store: Store, world: World, uids: Collection[str], today: date) -> dict[str, Item]:
    """The items shown, built from their rows (only these are read whole)."""
    return {row.uid: world.item(row, today) for row in store.occurrences_by_uid(uids)}


def _late_by(world: World, late: Sequence[ListedRow]) -> tuple[tuple[LateCount, ...], bool]:
    """The late items counted per unit; per parent unit when more than :data:`LATE_PER_UNIT_AT_MOST` units
    are late (the most late first, at most :data:`TOP` lines)."""
    per_unit = Counter(r.unit_id or "" for r in late)
    by_parent = len(per_unit) > LATE_PER_UNIT_AT_MOST
    counts: Counter[str] = Counter()
    for unit_id, n in per_unit.items():
        unit = world.units.get(unit_id)
        counts[world.name(unit.parent_id or unit_id) if by_parent and unit is not None else world.name(unit_id)] += n
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(LateCount(name, n) for name, n in ranked[:TOP]), by_parent


def _letters(world: World, per: dict[str, list[PlanSummary]], week: Week,
             lists: dict[str, Lists]) -> list[Letter]:
    today, monday = week.today, week.done_before
    iso = today.isocalendar()
    first = next(monday + timedelta(days=n) for n in range(7) if world.work.is_working_day(monday + timedelta(days=n)))
    letters = []
    for email in sorted(per):
        summaries = tuple(sorted(per[email], key=lambda s: s.plan_id))
        plan_ids = [s.plan_id for s in summaries]
        agency_names = [world.letter_name(world.plans[p].standing_agency_id) for p in plan_ids]
        context: dict[str, object] = {
            "today": today, "monday": monday, "sunday": week.end, "week": iso.week, "plans": summaries,
            "n_late": sum(s.n_late + sum(1 for i in s.own if i.status == "late") for s in summaries),
            "n_due": sum(s.n_due + sum(1 for i in s.own if i.status != "late") for s in summaries)}
        if any(s.capped for s in summaries):
            workbook = WorkbookAttachment(f"tong-hop-tuan-{iso.year}-W{iso.week:02d}.xlsx",
                                          partial(_tables, world, [lists[p] for p in plan_ids], week, iso.week),
                                          datetime.combine(today, time(0)))
            context.update(attachments=(workbook,), attachment_name=workbook.filename)
        letters.append(Letter(
            kind=MailKind.WEEKLY, ident=f"{iso.year}-W{iso.week:02d}", recipient=email, day=first, template="weekly_summary",
            context=context, to_name=_join_names(agency_names), reply_to=(), coordinators=()))
    return letters


def _tables(world: World, lists: Sequence[Lists], week: Week, number: int) -> tuple[Table, ...]:
    """The full lists of a letter's plans, one sheet each: late (with working days late), due this week,
    done last week."""
    def cells(row: ListedRow) -> tuple[str, str, str, str, date]:
        return (world.plans[row.plan_id].display_number, world.name(row.unit_id), row.title, row.period_label,
                row.due_effective)

    def every(which: str) -> list[ListedRow]:
        return [r for plan_lists in lists for r in plan_lists[which]]

    head = ("Kế hoạch", "Đơn vị", "Việc", "Kỳ", "Hạn")
    widths = (36, 40, 80, 16, 12, 14)
    return (
        Table("Đang chậm", f"Việc đang chậm, tính đến ngày {short(week.today)}", (*head, "Quá hạn (ngày làm việc)"),
              tuple((*cells(r), working_days_late(r.due_limit, week.today, world.work)) for r in every("late")), widths),
        Table("Đến hạn trong tuần", f"Việc đến hạn trong tuần {number} ({short(week.done_before)} – {short(week.end)})",
              head, tuple(cells(r) for r in every("due")), widths),
        Table("Hoàn thành tuần qua", f"Việc hoàn thành trong tuần trước ngày {short(week.done_before)}", head,
              tuple(cells(r) for r in every("done")), widths),
    )
