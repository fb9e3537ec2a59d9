"""What is due, for whom, and who is late — the views coordinators, feeds and reminders share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from plancal.store import OccurrenceRow, Store

STATE_LABEL = {
    "open": "chưa đến hạn",
    "due": "đến hạn hôm nay",
    "late": "quá hạn",
    "done": "đã hoàn thành",
    "done_late": "hoàn thành muộn",
    "cancelled": "đã hủy",
    "waived": "được miễn",
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
}


@dataclass(frozen=True)
class LateItem:
    row: OccurrenceRow
    days_late: int


def agenda(store: Store, *, start: date, end: date, unit_id: str | None = None,
           plan_id: str | None = None) -> list[OccurrenceRow]:
    return store.occurrences(plan_id=plan_id, unit_id=unit_id, start=start, end=end)


def late(store: Store, today: date, *, plan_id: str | None = None) -> list[LateItem]:
    rows = store.occurrences(plan_id=plan_id, end=today - timedelta(days=1), statuses=["open"])
    return [LateItem(r, (today - r.due_effective).days) for r in rows if r.state(today) == "late"]


def matrix(store: Store, plan_id: str, today: date) -> dict[str, dict[str, dict[str, int]]]:
    """unit → source (duty) → counts of on time / late / missing / upcoming, for the coordinator's table."""
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for r in store.occurrences(plan_id=plan_id):
        if r.unit_id is None or r.kind in ("theme", "anniversary"):
            continue
        state = r.state(today)
        bucket = {"done": "on_time", "done_late": "late", "late": "missing"}.get(state, "upcoming")
        out[r.unit_id][r.source_id][bucket] += 1
    return out
