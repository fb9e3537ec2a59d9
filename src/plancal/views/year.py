"""A plan's year at a glance: a month grid of deadlines, themes, anniversaries and conferences, each
coloured by how it stands on ``today`` (plain data; the web page renders it)."""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from plancal.schedule.occurrence import ACTIONABLE
from plancal.store import OccurrenceRow, PlanRow, Store
from plancal.tracking.status import KIND_LABEL
from plancal.views.cells import _label, _shorten

#: worst first: the colour of a day or an entry is that of its worst item
SEVERITY = ("late", "due", "open", "done_late", "done", "waived", "info")
TONE_LABEL = {"late": "quá hạn", "due": "đến hạn hôm nay", "open": "chưa đến hạn", "done_late": "xong muộn",
              "done": "xong đúng hạn", "waived": "được miễn", "info": "chủ đề, ngày kỷ niệm"}
MONTH_NAMES = [f"Tháng {m}" for m in range(1, 13)]
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


@dataclass
class Entry:
    day: date
    kind: str
    label: str
    tone: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def kind_label(self) -> str:
        return KIND_LABEL.get(self.kind, self.kind)

    @property
    def summary(self) -> str:
        """"12 đơn vị: 8 xong, 3 quá hạn, 1 chưa đến hạn" (only for items many units owe)."""
        total = sum(self.counts.values())
        if total <= 1:
            return ""
        parts = [f"{n} {TONE_LABEL[t]}" for t in SEVERITY if (n := self.counts.get(t, 0))]
        return f"{total} đơn vị: " + ", ".join(parts)


@dataclass
class Month:
    number: int
    name: str
    weeks: list[list[tuple[int, str] | None]]  # (day, tone) or None for cells outside the month
    entries: list[Entry]


def _tone(row: OccurrenceRow, today: date) -> str:
    if row.kind not in ACTIONABLE:
        return "info"
    state = str(row.state(today))
    return state if state in SEVERITY else "open"


def _worst(tones: list[str]) -> str:
    return min(tones, key=SEVERITY.index)


def year_grid(store: Store, plan: PlanRow, year: int, today: date) -> list[Month]:
    """Twelve months; each day cell takes the colour of its worst item, each entry groups the units
    that owe the same thing on the same day."""
    rows = store.occurrences(plan_id=plan.id, start=date(year, 1, 1), end=date(year, 12, 31))
    groups: dict[tuple[date, str, str], list[OccurrenceRow]] = defaultdict(list)
    for r in rows:
        groups[(r.due_effective, r.kind, r.source_id)].append(r)
    by_month: dict[int, list[Entry]] = defaultdict(list)
    for (day, kind, _source), members in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        tones = [_tone(r, today) for r in members]
        first = members[0]
        label = _shorten(first.title, 70) if kind in ("theme", "anniversary") else _label(kind, first.title, first.period_label)
        by_month[day.month].append(Entry(day, kind, _shorten(label, 90), _worst(tones), Counter(tones)))
    months = []
    for m in range(1, 13):
        day_tone: dict[int, str] = {}
        for e in by_month[m]:
            day_tone[e.day.day] = _worst([day_tone.get(e.day.day, "info"), e.tone])
        weeks = [[(d, day_tone.get(d, "")) if d else None for d in week]
                 for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, m)]
        months.append(Month(m, MONTH_NAMES[m - 1], weeks, by_month[m]))
    return months
