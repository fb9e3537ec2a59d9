"""The month's themes and anniversaries."""

from __future__ import annotations

from datetime import date

from plancal.store import Store
from plancal.views.cells import _cell, plan_title
from plancal.vn.dates import with_weekday
from plancal.vn.periods import last_day


# -- monthly themes ----------------------------------------------------------------------------------
def themes_markdown(store: Store, today: date) -> str:
    """The month's propaganda themes and anniversaries, per plan."""
    start, end = today.replace(day=1), last_day(today.year, today.month)
    plans = {p.id: p for p in store.plans() if not p.closed}
    themes = [r for r in store.occurrences(start=start, kinds=["theme"]) if r.window_start <= end and r.plan_id in plans]
    anniversaries = [r for r in store.occurrences(start=start, end=end, kinds=["anniversary"]) if r.plan_id in plans]
    lines = [f"# Chủ đề tuyên truyền tháng {start.month}/{start.year}", ""]
    for pid in sorted({r.plan_id for r in themes}, key=lambda p: (plans[p].issued, p)):
        lines.append(f"## {_cell(plan_title(plans[pid]))}")
        lines += [f"- {_cell(r.title)}" for r in themes if r.plan_id == pid]
        lines.append("")
    if anniversaries:
        lines.append("## Ngày kỷ niệm trong tháng")
        seen = set()
        for r in sorted(anniversaries, key=lambda r: (r.due_effective, r.title)):
            if (r.due_effective, r.title) not in seen:
                seen.add((r.due_effective, r.title))
                lines.append(f"- {with_weekday(r.due_effective)}: {_cell(r.title)}")
        lines.append("")
    if not themes and not anniversaries:
        lines.append("Tháng này không có chủ đề tuyên truyền hay ngày kỷ niệm nào trong các kế hoạch đang thực hiện.")
    return "\n".join(lines).rstrip() + "\n"


def has_themes(store: Store, today: date) -> bool:
    start, end = today.replace(day=1), last_day(today.year, today.month)
    plans = {p.id for p in store.plans() if not p.closed}
    return any(r.plan_id in plans and r.window_start <= end for r in store.occurrences(start=start, kinds=["theme"])) \
        or any(r.plan_id in plans for r in store.occurrences(start=start, end=end, kinds=["anniversary"]))
