"""What is due, for whom, and who is late — the views coordinators, feeds and reminders share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from plancal.schedule.occurrence import ACTIONABLE, KINDS, Kind
from plancal.store import OccurrenceRow, Store

STATE_LABEL = {
    "open": "chưa đến hạn",
    "due": "đến hạn hôm nay",
    "late": "quá hạn",
    "done": "đã hoàn thành",
    "done_late": "hoàn thành muộn",
    "cancelled": "đã hủy",
    "awaited": "chưa nhận",
}
KIND_LABEL = {
    "sub_plan": "Kế hoạch cấp dưới",
    "duty": "Nhiệm vụ",
    "report": "Báo cáo",
    "consolidation": "Tổng hợp báo cáo",
    "conference": "Hội nghị",
    "preparation": "Chuẩn bị hội nghị",
    "ongoing": "Nhiệm vụ thường xuyên",
    "theme": "Chủ đề tuyên truyền",
    "anniversary": "Ngày kỷ niệm",
    "milestone": "Mốc sự kiện",
}
#: who set a date (:class:`plancal.schedule.occurrence.DateSource`)
DATE_SOURCE_LABEL = {
    "plan": "theo kế hoạch",
    "agency": "do cơ quan thường trực ấn định",
}
#: how the plan addresses the unit (:class:`plancal.schedule.occurrence.Relation`)
RELATION_LABEL = {
    "assigned": "giao",
    "requested": "đề nghị",
}


@dataclass(frozen=True)
class LateItem:
    row: OccurrenceRow
    days_late: int


def agenda(store: Store, *, start: date, end: date, unit_id: str | None = None,
           plan_id: str | None = None) -> list[OccurrenceRow]:
    """What falls due between ``start`` and ``end``; a standing duty ("thường xuyên") where its period
    starts (it has no deadline of its own), not in the last month of the plan."""
    rows = [r for r in store.occurrences(plan_id=plan_id, unit_id=unit_id, start=start, end=end)
            if r.kind != Kind.ONGOING]
    standing = [r for r in store.occurrences(plan_id=plan_id, unit_id=unit_id, start=start, kinds=[Kind.ONGOING])
                if start <= r.window_start <= end]
    return sorted([*rows, *standing], key=lambda r: (r.window_start if r.kind == Kind.ONGOING else r.due_effective,
                                                     KINDS.index(Kind(r.kind)), r.unit_id or "", r.uid))


def late(store: Store, today: date, *, plan_id: str | None = None) -> list[LateItem]:
    """Assigned items past their legal limit and not done, with the days since that limit. Requests
    ("đề nghị", state awaited) and informational items (milestones, themes) are never late."""
    rows = store.occurrences(plan_id=plan_id, end=today - timedelta(days=1), statuses=["open"])
    return [LateItem(r, (today - r.due_limit).days) for r in rows if r.state(today) == "late"]


def matrix(store: Store, plan_id: str, today: date) -> dict[str, dict[str, dict[str, int]]]:
    """unit → source (duty) → counts of on time / late / missing / awaited (a request not received yet,
    never counted late) / upcoming, for the coordinator's table."""
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for r in store.occurrences(plan_id=plan_id, kinds=ACTIONABLE):
        if r.unit_id is None:
            continue
        state = r.state(today)
        bucket = {"done": "on_time", "done_late": "late", "late": "missing", "awaited": "awaited"}.get(state, "upcoming")
        out[r.unit_id][r.source_id][bucket] += 1
    return out
