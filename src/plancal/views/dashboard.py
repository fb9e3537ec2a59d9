"""The dashboard: every current plan at a glance, and which plans are current on a day.

Everything here reads the store for a given ``today`` and returns plain data (a list of rows for a
table, a Markdown string); publishing is the flows' business. Text is Vietnamese, dates as Vietnamese
write them. Artifact keys are stable (lowercase letters, digits, dashes), so that each run publishes a
new version of the same artifact instead of a new one.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from plancal.schedule.occurrence import ACTIONABLE
from plancal.store import PlanRow, Store
from plancal.views.cells import _cell, _names, _shorten, _table
from plancal.views.keys import due_soon_key, late_key, status_key
from plancal.views.status import DUE_SOON_DAYS
from plancal.vn.dates import long, short


# -- the dashboard -----------------------------------------------------------------------------------
def dashboard_markdown(store: Store, today: date, *, run_label: str = "") -> str:
    """One page over every plan: what is due in the next 14 days, who is late, what was done."""
    names = _names(store)
    plans = [p for p in store.plans() if not p.closed]
    lines = [f"# Tổng quan thực hiện kế hoạch — {long(today)}", ""]
    if run_label:
        lines += [f"_Cập nhật bởi lần chạy: {run_label}_", ""]
    table = []
    late_units: Counter[str] = Counter()
    oldest: dict[str, int] = {}
    for plan in plans:
        rows = store.occurrences(plan_id=plan.id, kinds=ACTIONABLE)
        states: Counter[str] = Counter(r.state(today) for r in rows)
        soon = sum(1 for r in rows if r.status == "open" and today <= r.due_effective < today + timedelta(days=DUE_SOON_DAYS))
        for r in rows:
            if r.state(today) == "late" and r.unit_id:
                late_units[r.unit_id] += 1
                oldest[r.unit_id] = max(oldest.get(r.unit_id, 0), (today - r.due_limit).days)
        if today < plan.period_start:
            phase = "chưa bắt đầu"
        elif today > plan.period_end:
            phase = "đã hết thời gian thực hiện"
        else:
            phase = "đang thực hiện"
        table.append([plan.display_number, soon, states["late"], states["done"], states["done_late"], phase])
    lines += [_table(["Kế hoạch", f"Đến hạn {DUE_SOON_DAYS} ngày tới", "Quá hạn", "Đúng hạn", "Muộn", "Giai đoạn"], table)
              if table else "Chưa có kế hoạch nào được ban hành."]
    if plans:  # the long titles and the artifact keys below the table, so that its numbers fit on the screen
        lines += [""] + [f"- **{p.display_number}**: {_cell(_shorten(p.title, 160))} ({short(p.period_start)} - "
                         f"{short(p.period_end)}). Chi tiết: `{status_key(p.id)}`, `{due_soon_key(p.id)}`, `{late_key(p.id)}`"
                         for p in plans]
    if late_units:
        lines += ["", "## Đơn vị chậm nhiều nhất",
                  _table(["Đơn vị", "Số việc quá hạn", "Quá hạn lâu nhất"],
                         ([names.get(u, u), n, f"{oldest[u]} ngày"] for u, n in
                          sorted(late_units.items(), key=lambda kv: (-kv[1], -oldest[kv[0]], names.get(kv[0], "")))[:15]))]
    return "\n".join(lines) + "\n"


def current_plans(store: Store, today: date, *, before_days: int = 30, after_days: int = 60) -> list[PlanRow]:
    """Plans a coordinator is watching on ``today``: not closed, from a month before their period
    starts to two months after it ends (late reports and the final review still come in)."""
    return [p for p in store.plans() if not p.closed
            and p.period_start - timedelta(days=before_days) <= today <= p.period_end + timedelta(days=after_days)]
