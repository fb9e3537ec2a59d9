"""Conferences and their preparation as the coordinator sees them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from plancal.schedule.occurrence import Kind
from plancal.store import OccurrenceRow, PlanRow, Store
from plancal.views.cells import _cell, _due, _names, _shorten, _state, _table, plan_title
from plancal.vn.dates import short, with_weekday


# -- conferences -------------------------------------------------------------------------------------
def conference_groups(store: Store, plan_id: str) -> list[tuple[OccurrenceRow, list[OccurrenceRow]]]:
    """Each conference of the plan with its preparation steps; the pilot first, then by date."""
    conferences = store.occurrences(plan_id=plan_id, kinds=[Kind.CONFERENCE])
    steps: dict[str, list[OccurrenceRow]] = defaultdict(list)
    for p in store.occurrences(plan_id=plan_id, kinds=[Kind.PREPARATION]):
        if p.conference_uid:
            steps[p.conference_uid].append(p)
    out = []
    for conf in sorted(conferences, key=lambda c: (not c.pilot, c.due_effective, c.unit_id or "")):
        own = steps.get(conf.uid, [])
        out.append((conf, sorted(own, key=lambda p: (p.due_effective, p.source_id, p.unit_id or ""))))
    return out


def conferences_active(groups: Sequence[tuple[OccurrenceRow, list[OccurrenceRow]]], today: date,
                       lead_days: int, after_days: int = 7) -> bool:
    """Whether any conference is in its preparation period (from ``lead_days`` before its first step
    to ``after_days`` after it is held)."""
    for conf, steps in groups:
        first = min([conf.due_effective, *(p.due_effective for p in steps)])
        if first - timedelta(days=lead_days) <= today <= conf.due_effective + timedelta(days=after_days):
            return True
    return False


def conferences_markdown(store: Store, plan: PlanRow, today: date) -> str:
    """Every conference of the plan and its preparation milestones, the pilot first."""
    names = _names(store)
    groups = conference_groups(store, plan.id)
    lines = [f"# Hội nghị và các bước chuẩn bị — ngày {short(today)}", f"**{plan_title(plan)}**", ""]
    pilots = [c for c, _ in groups if c.pilot]
    pilot_pending = any(c.state(today) not in ("done", "done_late") for c in pilots)
    for n, (conf, steps) in enumerate(groups, 1):
        tag = " — **hội nghị điểm**" if conf.pilot else ""
        lines.append(f"## {n}. {_cell(conf.title)}{tag}")
        when = conf.to_occurrence().starts_at
        day = f"{with_weekday(when.date())} lúc {when:%H:%M}" if when else f"hạn chót {with_weekday(conf.due_effective)}"
        lines.append(f"- Đơn vị tổ chức: {names.get(conf.unit_id or '', conf.unit_id or '')}")
        lines.append(f"- Thời gian: {day} ({conf.period_label})")
        lines.append(f"- Tình trạng: {_state(conf, today)}")
        if pilots and not conf.pilot and pilot_pending:
            lines.append("- Tổ chức sau hội nghị điểm để rút kinh nghiệm chỉ đạo chung.")
        if steps:
            lines += ["", _table(["Bước chuẩn bị", "Đơn vị", "Hạn", "Tình trạng"],
                                 ([_shorten(p.title, 90), names.get(p.unit_id or "", p.unit_id or ""), _due(p),
                                   _state(p, today)] for p in steps))]
        lines.append("")
    if not groups:
        lines.append("Kế hoạch không có hội nghị.")
    return "\n".join(lines).rstrip() + "\n"
