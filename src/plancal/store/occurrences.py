"""Reading occurrences: by plan, unit, dates, kinds and status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Text, and_, case, func, literal, not_, or_, select, type_coerce, union_all, update
from sqlalchemy.orm import Session

from plancal.errors import Problem, StoreError
from plancal.schedule.occurrence import Relation
from plancal.store.session import Database
from plancal.store.tables import FACT_COLUMNS, ChangeNumberRow, MarkRow, OccurrenceFacts, OccurrenceRow, json_list

#: the columns of :meth:`Occurrences.occurrence_versions`
VERSION_COLUMNS = ("uid", "plan_id", "kind", "unit_id", "audience", "status", "cancelled_on", "sequence", "content_hash",
                   "done_on", "modified_at", "window_start", "due_effective")


@dataclass(frozen=True)
class Week:
    """The week a summary speaks of: ``today``, its last day, and the days whose completions count as last
    week's (``done_from`` ≤ done_on < ``done_before``)."""

    today: date
    end: date
    done_from: date
    done_before: date


class ListedRow(NamedTuple):
    """A row of a week's list (late, due this week or done last week) as plain columns."""

    which: str  # late | due | done
    uid: str
    plan_id: str
    kind: str
    unit_id: str | None
    title: str
    period_label: str
    due_effective: date
    due_limit: date


def _week_conditions(week: Week) -> dict[str, ColumnElement[bool]]:
    """What puts a row of an actionable kind in each list: the same rules as :meth:`OccurrenceRow.state`
    (late only after the legal limit; a request past its limit is awaited, never late nor owed)."""
    o = OccurrenceRow
    is_open, past_limit = o.status == "open", o.due_limit < week.today
    requested = o.relation == Relation.REQUESTED.value
    return {"late": and_(is_open, past_limit, not_(requested)),
            "due": and_(is_open, not_(past_limit), o.due_effective >= week.today, o.due_effective <= week.end),
            "done": and_(o.status == "done", o.done_on >= week.done_from, o.done_on < week.done_before),
            "open": and_(is_open, or_(not_(past_limit), not_(requested)))}


#: the columns of :class:`OccurrenceFacts` whose values repeat across rows
_SHARED = tuple(FACT_COLUMNS.index(c) for c in ("plan_id", "kind", "source_id", "unit_id", "period_key", "period_label",
                                                "title", "detail", "to_unit_id", "date_source", "relation", "status"))
_AUDIENCE = FACT_COLUMNS.index("audience")


class Occurrences(Database):
    def occurrences(self, *, plan_id: str | None = None, unit_id: str | None = None, start: date | None = None,
                    end: date | None = None, kinds: Iterable[str] | None = None,
                    include_cancelled: bool = False, statuses: Iterable[str] | None = None,
                    conference_uids: Iterable[str] | None = None) -> list[OccurrenceRow]:
        """Rows (as ORM objects) by plan, unit, due dates, kinds, status and the conference they prepare,
        in due date order."""
        q = select(OccurrenceRow)
        if plan_id:
            q = q.where(OccurrenceRow.plan_id == plan_id)
        if unit_id:
            q = q.where(OccurrenceRow.unit_id == unit_id)
        if start:
            q = q.where(OccurrenceRow.due_effective >= start)
        if end:
            q = q.where(OccurrenceRow.due_effective <= end)
        if kinds is not None:
            q = q.where(OccurrenceRow.kind.in_(list(kinds)))
        if statuses is not None:
            q = q.where(OccurrenceRow.status.in_(list(statuses)))
        elif not include_cancelled:
            q = q.where(OccurrenceRow.status != "cancelled")
        if conference_uids is not None:
            q = q.where(OccurrenceRow.conference_uid.in_(sorted(set(conference_uids))))
        q = q.order_by(OccurrenceRow.due_effective, OccurrenceRow.kind, OccurrenceRow.unit_id, OccurrenceRow.uid)
        with self.session() as s:
            return list(s.scalars(q))

    def open_counts(self, plan_ids: Iterable[str], kinds: Iterable[str], week: Week) -> dict[str, int]:
        """Per plan that has open or done rows of ``kinds``: how many are still owed on ``week.today``
        (open: due, not yet due, or late; a request past its limit is awaited, not owed), in plan id
        order. What a weekly summary lists comes from :meth:`week_lists`. Counted within the index on
        (plan, status, limit, relation, kind): no row is read."""
        o = OccurrenceRow
        owed = func.count(case((_week_conditions(week)["open"], 1)))
        q = (select(o.plan_id, owed)
             .where(o.plan_id.in_(sorted(set(plan_ids))), o.status.in_(["open", "done"]), o.kind.in_(sorted(kinds)))
             .group_by(o.plan_id).order_by(o.plan_id))
        with self.session() as s:
            return {plan_id: int(n) for plan_id, n in s.execute(q).tuples()}

    def week_lists(self, plan_ids: Iterable[str], kinds: Iterable[str], week: Week) -> list[ListedRow]:
        """Every row of these plans that is late, due this week or done last week, as plain columns (no ORM
        objects: a national plan lists tens of thousands), in the order of :meth:`occurrences`.

        One query per list, each through its own index: the late and the done through the index on
        (plan, status, limit …), the due through the window of due days — where only the days are asked
        of SQLite and the rest is picked here (SQLite keeps no statistics: given any equality on an indexed
        column it would read through that index instead of the window). Was one scan of every row."""
        o, when = OccurrenceRow, _week_conditions(week)
        plans, wanted = sorted(set(plan_ids)), frozenset(kinds)
        cols = (o.uid, o.plan_id, o.kind, o.unit_id, o.title, o.period_label, o.due_effective, o.due_limit, o.status)
        late = select(literal("late").label("which"), *cols).where(o.plan_id.in_(plans), when["late"])
        due = select(literal("due").label("which"), *cols).where(
            o.due_effective >= week.today, o.due_effective <= week.end, o.due_limit >= week.today)
        done = select(literal("done").label("which"), *cols).where(o.plan_id.in_(plans), when["done"])
        lists = union_all(late, due, done)
        q = lists.order_by(*(lists.selected_columns[c] for c in ("due_effective", "kind", "unit_id", "uid")))
        plan_set = frozenset(plans)
        with self.session() as s:
            return [ListedRow(*row[:-1]) for row in s.execute(q).tuples()
                    if row[3] in wanted and row[2] in plan_set and (row[0] != "due" or row[-1] == "open")]

    def occurrence_versions(self) -> list[tuple[Any, ...]]:
        """What decides each row's place and bytes in the feeds, as plain tuples straight from the driver
        (no ORM objects, no type conversion: tens of thousands of rows in a few tens of milliseconds), in
        the order of :data:`VERSION_COLUMNS`. Dates and times are what the driver gives (ISO text on
        SQLite, ``date``/``datetime`` on PostgreSQL); the audience is JSON text or a list."""
        sql = f"SELECT {', '.join(VERSION_COLUMNS)} FROM occurrences"
        with self.session() as s:
            return list(s.connection().exec_driver_sql(sql).tuples().all())  # one fetchall, not a fetch per row

    def occurrence_facts(self, *, uids: Iterable[str] | None = None, unit_ids: Iterable[str] | None = None,
                         kinds: Iterable[str] | None = None, changed_after: int | None = None,
                         cancelled_between: tuple[date, date] | None = None) -> list[OccurrenceFacts]:
        """Rows (any status) as :class:`OccurrenceFacts`, from a Core select of their columns on the
        connection (no ORM loading): every row, or those with one of ``uids``, held by one of ``unit_ids``,
        of one of ``kinds``, with a change number above ``changed_after`` or cancelled on a day of
        ``cancelled_between`` (from, before): any that match. Texts equal across rows (a duty's title for
        every commune) are one string in memory. The audience is read as the driver gives it and decoded
        here: nearly every row has none, and the JSON type would parse each ``[]``."""
        cols = [type_coerce(OccurrenceRow.audience, Text) if name == "audience" else getattr(OccurrenceRow, name)
                for name in FACT_COLUMNS]
        wheres: list[Any] = []
        if kinds is not None:
            wheres.append(OccurrenceRow.kind.in_(sorted(kinds)))
        if changed_after is not None:
            wheres.append(OccurrenceRow.change_number > changed_after)
        if cancelled_between is not None:
            o = OccurrenceRow
            wheres.append(and_(o.status == "cancelled", o.cancelled_on >= cancelled_between[0],
                               o.cancelled_on < cancelled_between[1]))
        chunked = [(OccurrenceRow.uid, list(uids or ())), (OccurrenceRow.unit_id, list(unit_ids or ()))]
        queries = [select(*cols).where(w) for w in wheres]
        for col, values in chunked:
            queries += [select(*cols).where(col.in_(values[i:i + 500])) for i in range(0, len(values), 500)]
        if uids is None and unit_ids is None and not wheres:
            queries = [select(*cols)]
        seen: set[str] = set()
        out: list[OccurrenceFacts] = []
        texts: dict[Any, Any] = {}
        share = texts.setdefault
        with self.session() as s:
            conn = s.connection()
            for q in queries:
                for r in conn.execute(q).tuples():  # row by row: a list of every raw row would add ~75 MB to the peak
                    if r[0] in seen:
                        continue
                    seen.add(r[0])
                    row: list[Any] = list(r)
                    for i in _SHARED:
                        row[i] = share(row[i], row[i])
                    row[_AUDIENCE] = json_list(row[_AUDIENCE])
                    out.append(OccurrenceFacts(*row))
        return out

    def last_change_number(self) -> int:
        """The number of the last committed change of an occurrence row (see :func:`next_change_number`)."""
        with self.session() as s:
            return int(s.scalar(select(ChangeNumberRow.last).where(ChangeNumberRow.id == 1)) or 0)

    def occurrences_by_uid(self, uids: Iterable[str]) -> list[OccurrenceRow]:
        """These rows (any status), in chunks small enough for any driver's parameter limit."""
        with self.session() as s:
            return rows_by_uid(s, list(uids))

    def occurrences_of_units(self, unit_ids: Iterable[str], *, also_kinds: Iterable[str] = ()) -> list[OccurrenceRow]:
        """Every row (any status) of these units, and every row of ``also_kinds`` whoever holds it."""
        unit_ids, kinds = list(unit_ids), list(also_kinds)
        rows: dict[str, OccurrenceRow] = {}
        with self.session() as s:
            for i in range(0, len(unit_ids), 500):
                for r in s.scalars(select(OccurrenceRow).where(OccurrenceRow.unit_id.in_(unit_ids[i:i + 500]))):
                    rows[r.uid] = r
            if kinds:
                for r in s.scalars(select(OccurrenceRow).where(OccurrenceRow.kind.in_(kinds))):
                    rows.setdefault(r.uid, r)
        return list(rows.values())

    def first_due_dates(self, plan_id: str, kinds: Iterable[str]) -> list[tuple[str, str, str, str, date]]:
        """(source, kind, title, period label, first due date) of each duty of a plan, as plain columns
        (a national plan has ~60,000 rows)."""
        q = (select(OccurrenceRow.source_id, OccurrenceRow.kind, OccurrenceRow.title, OccurrenceRow.period_label,
                    func.min(OccurrenceRow.due_effective))
             .where(OccurrenceRow.plan_id == plan_id, OccurrenceRow.kind.in_(sorted(kinds)),
                    OccurrenceRow.status != "cancelled")
             .group_by(OccurrenceRow.source_id, OccurrenceRow.kind, OccurrenceRow.title, OccurrenceRow.period_label))
        with self.session() as s:
            return [(a, b, c, d, e) for a, b, c, d, e in s.execute(q).all()]

    def find_occurrence(self, plan_id: str, source_id: str, unit_id: str, period_key: str | None = None,
                        ) -> OccurrenceRow:
        q = select(OccurrenceRow).where(OccurrenceRow.plan_id == plan_id, OccurrenceRow.source_id == source_id,
                                        OccurrenceRow.unit_id == unit_id, OccurrenceRow.status != "cancelled")
        if period_key:
            q = q.where(OccurrenceRow.period_key == period_key)
        with self.session() as s:
            rows = list(s.scalars(q.order_by(OccurrenceRow.due_effective)))
        if len(rows) != 1:
            keys = ", ".join(r.period_key for r in rows) or "không có"
            raise StoreError([Problem(
                f"không xác định được nhiệm vụ '{source_id}' của đơn vị '{unit_id}' trong kế hoạch '{plan_id}'"
                + (f" kỳ '{period_key}'" if period_key else "") + f" (tìm thấy {len(rows)}; các kỳ: {keys})",
                field="period", hint="ghi rõ kỳ (period), ví dụ 2021-03, 2021-Q1, 2021-H1, 2021")])
        return rows[0]

    def open_rows_at_marks(self, *, kinds: Iterable[str], start: date, end: date, due_on: Iterable[date] = (),
                           limit_on: Iterable[date] = ()) -> list[MarkRow]:
        """The open rows of ``kinds`` due (aim) from ``start`` to ``end`` whose aim is one of ``due_on`` or
        whose legal limit is one of ``limit_on`` (the day's lead-time and working-days-late marks), as
        plain :class:`MarkRow` tuples from one column select, in the order of :meth:`occurrences`.

        The kinds are picked here, not in the query: SQLite, which keeps no statistics of its own, takes a
        ``kind IN (…)`` condition for a selective one and reads the rows through the index on kind (nearly
        every row is a duty: the whole table, twice as slow at national scale) instead of the window of
        due days through the index on them. The other kinds in the window are a few themes and
        anniversaries."""
        o = OccurrenceRow
        due_on, limit_on = sorted(set(due_on)), sorted(set(limit_on))
        if not due_on and not limit_on:
            return []
        wanted = frozenset(kinds)
        q = (select(*(getattr(o, name) for name in MarkRow._fields))
             .where(o.status == "open", o.due_effective >= start, o.due_effective <= end,
                    or_(o.due_effective.in_(due_on), o.due_limit.in_(limit_on)))
             .order_by(o.due_effective, o.kind, o.unit_id, o.uid))
        with self.session() as s:
            rows = s.connection().execute(q).tuples().all()  # one fetchall, no ORM
        return [MarkRow._make(r) for r in rows if r[_MARK_KIND] in wanted]


#: where a row of :meth:`Occurrences.open_rows_at_marks`'s select holds its kind
_MARK_KIND = MarkRow._fields.index("kind")


def next_change_number(s: Session) -> int:
    """The number for the rows this transaction inserts or changes now (``OccurrenceRow.change_number``):
    one more than the last given. The counter row stays locked to the end of the transaction, so a
    concurrent change waits, takes the number after it and commits after it. Take it before writing
    any occurrence row: writers that all lock the counter first cannot deadlock on it."""
    c = ChangeNumberRow
    s.execute(update(c).where(c.id == 1).values(last=c.last + 1))
    last = s.scalar(select(c.last).where(c.id == 1))
    if last is None:  # a store whose counter row was lost: above every number given
        last = (s.scalar(select(func.max(OccurrenceRow.change_number))) or 0) + 1
        s.add(c(id=1, last=last))
        s.flush()
    return int(last)


def rows_by_uid(s: Session, uids: Sequence[str]) -> list[OccurrenceRow]:
    """These rows (any status) as ORM objects, in chunks small enough for any driver's parameter limit."""
    out: list[OccurrenceRow] = []
    for i in range(0, len(uids), 500):
        out.extend(s.scalars(select(OccurrenceRow).where(OccurrenceRow.uid.in_(uids[i:i + 500]))))
    return out
