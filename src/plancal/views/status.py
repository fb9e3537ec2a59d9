"""The status of a plan: units × duties, due soon, late."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from plancal.schedule.occurrence import ACTIONABLE
from plancal.store import PlanRow, Store
from plancal.tracking.status import late, matrix
from plancal.views.cells import _due, _label, _names, _state, _table, duty_label, plan_title
from plancal.vn.dates import short, with_weekday

DUE_SOON_DAYS = 14


#: rows of a Markdown list before "… and N more" (the full picture is in the units × duties table)
MAX_ROWS = 300


#: rows of the units × duties table artifact (a province plan has a few hundred; a national one, thousands)
STATUS_ROWS = 2000


BUCKET_LABEL = {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Chưa nộp (quá hạn)",
                "awaited": "Đề nghị, chưa nhận", "upcoming": "Chưa đến hạn"}


# -- per plan: units × duties ------------------------------------------------------------------------
def status_rows(store: Store, plan_id: str, today: date, limit: int = STATUS_ROWS) -> list[dict[str, object]]:
    """The units × duties table: for each unit and duty, how many periods were done on time, done
    late, are missing (past due, not done) and are still to come (:func:`plancal.tracking.status.matrix`).

    By unit name and due date. Beyond ``limit`` rows (a national plan has thousands of units) the
    table keeps the rows furthest behind and ends with a line saying how many were left out."""
    counts = matrix(store, plan_id, today)
    names = _names(store)
    first = _first_of_each_duty(store, plan_id)
    buckets = ("on_time", "late", "missing", "awaited", "upcoming")
    cells = [(unit_id, source_id, counts[unit_id][source_id]) for unit_id in counts for source_id in counts[unit_id]]
    if len(cells) > limit:
        cells = sorted(cells, key=lambda c: (-c[2].get("missing", 0), -c[2].get("late", 0)))[:limit - 1]
    cells.sort(key=lambda c: (names.get(c[0], c[0]), c[0], first.get(c[1], (date.max, c[1]))[0], c[1]))
    rows: list[dict[str, object]] = [  # the counts before the long duty text: they fit on the screen
        {"Đơn vị": names.get(unit_id, unit_id), **{BUCKET_LABEL[b]: c.get(b, 0) for b in buckets},
         "Nhiệm vụ": first[source_id][1] if source_id in first else source_id}
        for unit_id, source_id, c in cells]
    left_out = sum(len(v) for v in counts.values()) - len(rows)
    if left_out > 0:
        rows.append({"Đơn vị": f"… và {left_out} dòng khác (đơn vị ít chậm hơn)", **{BUCKET_LABEL[b]: "" for b in buckets},
                     "Nhiệm vụ": ""})
    return rows


def _first_of_each_duty(store: Store, plan_id: str) -> dict[str, tuple[date, str]]:
    """source → (first due date, label), read as plain columns (a national plan has ~60,000 rows)."""
    found = store.first_due_dates(plan_id, ACTIONABLE)
    out: dict[str, tuple[date, str]] = {}
    for source_id, kind, title, period_label, due in sorted(found, key=lambda r: (r[4], r[2])):
        out.setdefault(source_id, (due, _label(kind, title, period_label)))
    return out


def due_soon_markdown(store: Store, plan: PlanRow, today: date, days: int = DUE_SOON_DAYS) -> str:
    """What falls due from ``today`` through the next ``days`` days, by date."""
    end = today + timedelta(days=days - 1)
    names = _names(store)
    rows = store.occurrences(plan_id=plan.id, start=today, end=end, kinds=ACTIONABLE)
    head = [f"# Đến hạn trong {days} ngày tới", f"**{plan_title(plan)}**", "",
            f"Từ {with_weekday(today)} đến {with_weekday(end)}: {len(rows)} việc."]
    if not rows:
        return "\n".join([*head, "", "Không có việc nào đến hạn."])
    body = _table(["Hạn", "Đơn vị", "Việc", "Kỳ", "Tình trạng"],
                  ([_due(r), names.get(r.unit_id or "", r.unit_id or ""), duty_label(r), r.period_label, _state(r, today)]
                   for r in rows), MAX_ROWS)
    return "\n".join([*head, "", body])


def late_markdown(store: Store, plan: PlanRow, today: date) -> str:
    """Who is late, how late, with what: the longest delays first."""
    names = _names(store)
    items = sorted(late(store, today, plan_id=plan.id), key=lambda i: (-i.days_late, names.get(i.row.unit_id or "", "")))
    units = Counter(i.row.unit_id for i in items)
    head = [f"# Đơn vị chậm thực hiện — ngày {short(today)}", f"**{plan_title(plan)}**", "",
            f"{len(items)} việc quá hạn của {len(units)} đơn vị."]
    if not items:
        return "\n".join([*head, "", "Không có đơn vị nào chậm."])
    body = _table(["Đơn vị", "Việc", "Kỳ", "Hạn", "Quá hạn"],
                  ([names.get(i.row.unit_id or "", i.row.unit_id or ""), duty_label(i.row), i.row.period_label,
                    _due(i.row), f"{i.days_late} ngày"] for i in items), MAX_ROWS)
    return "\n".join([*head, "", body])
