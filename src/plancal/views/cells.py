"""Table cells and labels shared by the coordinator's views."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import yaml

from plancal.store import OccurrenceRow, PlanRow, Store
from plancal.tracking.status import DATE_SOURCE_LABEL, KIND_LABEL, STATE_LABEL
from plancal.vn.dates import short


def plan_file_label(path: Path) -> str:
    """What to call a plan file before it is validated (for a run name): its number, else its id, else
    the file name. Never raises: a broken file still gets a readable name."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return path.name
    if isinstance(data, dict):
        for field in ("number", "id"):
            value = data.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return path.name


def _names(store: Store) -> dict[str, str]:
    return {u.id: u.name for u in store.unit_rows()}


def _cell(value: object) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], limit: int | None = None) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rows = list(rows)
    shown = rows if limit is None else rows[:limit]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in shown]
    if len(shown) < len(rows):
        lines += ["", f"… và {len(rows) - len(shown)} dòng nữa."]
    return "\n".join(lines)


def _shorten(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def duty_label(row: OccurrenceRow) -> str:
    """What to do, for a table cell: the title without the period, shortened; other kinds than plain
    duties say what they are ("Báo cáo: …", "Kế hoạch cấp dưới: …")."""
    return _label(row.kind, row.title, row.period_label)


def _label(kind: str, title: str, period_label: str) -> str:
    if period_label and title.endswith(period_label):
        title = title[: -len(period_label)].rstrip(" -–")
    return _shorten(title, 90) if kind == "duty" else f"{KIND_LABEL.get(kind, kind)}: {_shorten(title, 90)}"


def _due(row: OccurrenceRow) -> str:
    """The aim, with the stated limit when it differs and who set the date: "23/04/2021 (hạn 24/04/2021,
    theo kế hoạch)"."""
    source = DATE_SOURCE_LABEL.get(row.date_source, row.date_source)
    if row.due_effective != row.due_stated:
        return f"{short(row.due_effective)} (hạn {short(row.due_stated)}, {source})"
    return f"{short(row.due_effective)} ({source})"


def _state(row: OccurrenceRow, today: date) -> str:
    state = row.state(today)
    if state == "late":
        return f"quá hạn {(today - row.due_limit).days} ngày"
    if state in ("done", "done_late") and row.done_on:
        return f"{STATE_LABEL[state]} ({short(row.done_on)})"
    return STATE_LABEL[state]


def plan_title(plan: PlanRow) -> str:
    return f"{plan.display_number} — {_shorten(plan.title, 160)}"
