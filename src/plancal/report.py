"""The coordinator's view: the tables and Markdown reports the flows publish as Prefect artifacts.

Everything here reads the store for a given ``today`` and returns plain data (a list of rows for a
table, a Markdown string); publishing is the flows' business. Text is Vietnamese, dates as Vietnamese
write them. Artifact keys are stable (lowercase letters, digits, dashes), so that each run publishes a
new version of the same artifact instead of a new one.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, select

from plancal.agenda import KIND_LABEL, STATE_LABEL, late, matrix
from plancal.cascade import SubPlanStatus
from plancal.collection import ReportWindow
from plancal.dates import long, short, with_weekday
from plancal.period import last_day
from plancal.schedule import ACTIONABLE
from plancal.store import OccurrenceRow, PlanRow, Store

DUE_SOON_DAYS = 14
#: rows of a Markdown list before "… and N more" (the full picture is in the units × duties table)
MAX_ROWS = 300
#: rows of the units × duties table artifact (a province plan has a few hundred; a national one, thousands)
STATUS_ROWS = 2000
DASHBOARD_KEY = "dashboard"
THEMES_KEY = "monthly-themes"
BUCKET_LABEL = {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Chưa nộp (quá hạn)", "upcoming": "Chưa đến hạn"}
_NOT_KEY = re.compile(r"[^a-z0-9]+")


# -- keys and names --------------------------------------------------------------------------------
def artifact_key(*parts: str) -> str:
    """``artifact_key("ag-2021", "2021-H1", "status")`` → "ag-2021-2021-h1-status": lowercase letters,
    digits and dashes only (diacritics dropped), as Prefect requires."""
    text = "-".join(parts).replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    key = _NOT_KEY.sub("-", text).strip("-")
    if not key:
        raise ValueError(f"no artifact key can be made of {parts!r}")
    return key


def status_key(plan_id: str) -> str:
    return artifact_key(plan_id, "status")


def due_soon_key(plan_id: str) -> str:
    return artifact_key(plan_id, "due-14-days")


def late_key(plan_id: str) -> str:
    return artifact_key(plan_id, "late")


def sub_plans_key(plan_id: str) -> str:
    return artifact_key(plan_id, "sub-plans")


def conferences_key(plan_id: str) -> str:
    return artifact_key(plan_id, "conferences")


def collection_key(window: ReportWindow) -> str:
    return artifact_key(window.plan.id, window.reports[0].source_id, window.period_key, "collection")


def consolidated_key(window: ReportWindow) -> str:
    return artifact_key(window.plan.id, window.reports[0].source_id, window.period_key, "consolidated")


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
    if row.due_effective != row.due_stated:
        return f"{short(row.due_effective)} (hạn ghi {short(row.due_stated)})"
    return short(row.due_effective)


def _state(row: OccurrenceRow, today: date) -> str:
    state = row.state(today)
    if state == "late":
        return f"quá hạn {(today - row.due_effective).days} ngày"
    if state in ("done", "done_late") and row.done_on:
        return f"{STATE_LABEL[state]} ({short(row.done_on)})"
    return STATE_LABEL[state]


def plan_title(plan: PlanRow) -> str:
    return f"{plan.display_number} — {_shorten(plan.title, 160)}"


# -- per plan: units × duties ------------------------------------------------------------------------
def status_rows(store: Store, plan_id: str, today: date, limit: int = STATUS_ROWS) -> list[dict[str, object]]:
    """The units × duties table: for each unit and duty, how many periods were done on time, done
    late, are missing (past due, not done) and are still to come (:func:`plancal.agenda.matrix`).

    By unit name and due date. Beyond ``limit`` rows (a national plan has thousands of units) the
    table keeps the rows furthest behind and ends with a line saying how many were left out."""
    counts = matrix(store, plan_id, today)
    names = _names(store)
    first = _first_of_each_duty(store, plan_id)
    buckets = ("on_time", "late", "missing", "upcoming")
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
    q = (select(OccurrenceRow.source_id, OccurrenceRow.kind, OccurrenceRow.title, OccurrenceRow.period_label,
                func.min(OccurrenceRow.due_effective))
         .where(OccurrenceRow.plan_id == plan_id, OccurrenceRow.kind.in_(sorted(ACTIONABLE)),
                OccurrenceRow.status != "cancelled")
         .group_by(OccurrenceRow.source_id, OccurrenceRow.kind, OccurrenceRow.title, OccurrenceRow.period_label))
    with store.session() as s:
        found = s.execute(q).all()
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


# -- sub-unit plans ----------------------------------------------------------------------------------
def sub_plan_rows(store: Store, statuses: Sequence[SubPlanStatus], today: date) -> list[dict[str, object]]:
    names = _names(store)
    out: list[dict[str, object]] = []
    for s in statuses:
        state = f"quá hạn {(today - s.due).days} ngày" if s.state == "late" else STATE_LABEL.get(s.state, s.state)
        out.append({"Đơn vị": names.get(s.unit_id, s.unit_id), "Hạn ban hành": short(s.due), "Tình trạng": state,
                    "Ngày ban hành": short(s.received) if s.received else "",
                    "Kế hoạch cấp dưới": s.plan_number or ""})
    return out


def sub_plan_summary(statuses: Sequence[SubPlanStatus]) -> str:
    c = Counter(s.state for s in statuses)
    return (f"{len(statuses)} đơn vị phải xây dựng kế hoạch: đã ban hành {c['done'] + c['done_late']} "
            f"(muộn {c['done_late']}), quá hạn {c['late']}, đến hạn hôm nay {c['due']}, chưa đến hạn {c['open']}.")


# -- conferences -------------------------------------------------------------------------------------
def conference_groups(store: Store, plan_id: str) -> list[tuple[OccurrenceRow, list[OccurrenceRow]]]:
    """Each conference of the plan with its preparation steps; the pilot first, then by date."""
    conferences = store.occurrences(plan_id=plan_id, kinds=["conference"])
    steps: dict[str, list[OccurrenceRow]] = defaultdict(list)
    for p in store.occurrences(plan_id=plan_id, kinds=["preparation"]):
        steps[p.period_key].append(p)
    out = []
    for conf in sorted(conferences, key=lambda c: (not c.pilot, c.due_effective, c.unit_id or "")):
        own = [p for p in steps.get(f"{conf.period_key}@{conf.unit_id}", []) if p.source_id.startswith(conf.source_id + ".")]
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


# -- reports -----------------------------------------------------------------------------------------
def _received(row: OccurrenceRow, today: date) -> str:
    state = row.state(today)
    if state == "done":
        return "đúng hạn"
    if state == "done_late" and row.done_on:
        return f"muộn {(row.done_on - row.due_effective).days} ngày"
    if state == "late":
        return f"chưa nhận, quá hạn {(today - row.due_effective).days} ngày"
    return "chưa nhận" + (" (hạn hôm nay)" if state == "due" else "")


def collection_rows(store: Store, window: ReportWindow, today: date) -> list[dict[str, object]]:
    """Who has sent the period's report, who is late, who is missing."""
    names = _names(store)
    return [{"Đơn vị": names.get(r.unit_id or "", r.unit_id or ""), "Hạn": _due(r),
             "Ngày nhận": short(r.done_on) if r.done_on else "", "Tình trạng": _received(r, today)}
            for r in sorted(window.reports, key=lambda r: (r.done_on is not None, names.get(r.unit_id or "", "")))]


def consolidated_report(store: Store, window: ReportWindow, today: date) -> str:
    """The draft consolidated report of a period: reports received, duties done in the period, who is
    late. The standing agency completes the assessment and recommendations."""
    names = _names(store)
    plan = window.plan
    rows = {r.uid: r for r in store.occurrences(plan_id=plan.id, kinds=["report"])}
    reports = [rows.get(r.uid, r) for r in window.reports]  # fresh status
    states = Counter(r.state(today) for r in reports)
    received = states["done"] + states["done_late"]
    lines = [f"# Báo cáo tổng hợp: {_cell(window.what)} {window.period_label}",
             f"**{plan_title(plan)}**", "",
             f"- Cơ quan tổng hợp: {names.get(plan.standing_agency_id, plan.standing_agency_id)}"]
    span = window.data_range
    if span:
        basis = " (Nghị định 09/2019/NĐ-CP)" if window.decree_09 else ""
        lines.append(f"- Số liệu tính từ ngày {short(span[0])} đến ngày {short(span[1])}{basis}")
    for c in window.consolidations:
        lines.append(f"- Hạn gửi báo cáo tổng hợp đến {names.get(c.to_unit_id or '', c.to_unit_id or '')}: {_due(c)}")
    lines.append(f"- Tình hình đến {long(today)}")
    lines += ["", "## 1. Tình hình gửi báo cáo",
              f"Đã nhận {received}/{len(reports)} báo cáo (đúng hạn {states['done']}, muộn {states['done_late']}); "
              f"chưa nhận {len(reports) - received}, trong đó quá hạn {states['late']}.", "",
              _table(["Đơn vị", "Hạn", "Ngày nhận", "Tình trạng"],
                     ([names.get(r.unit_id or "", r.unit_id or ""), _due(r), short(r.done_on) if r.done_on else "",
                       _received(r, today)] for r in sorted(reports, key=lambda r: names.get(r.unit_id or "", ""))))]
    if span:
        duties = [r for r in store.occurrences(plan_id=plan.id, start=span[0], end=span[1], kinds=ACTIONABLE)
                  if r.kind not in ("report", "consolidation")]
        per: dict[str, Counter[str]] = defaultdict(Counter)
        first: dict[str, OccurrenceRow] = {}
        for r in duties:
            first.setdefault(r.source_id, r)
            per[r.source_id][r.state(today)] += 1
        lines += ["", "## 2. Kết quả thực hiện các nhiệm vụ trong kỳ"]
        if per:
            lines += [_table(["Nhiệm vụ", "Số lượt", "Đúng hạn", "Muộn", "Chưa thực hiện (quá hạn)", "Chưa đến hạn"],
                             ([duty_label(first[s]), sum(c.values()), c["done"], c["done_late"], c["late"],
                               c["open"] + c["due"]] for s, c in per.items()))]
        else:
            lines.append("Không có nhiệm vụ nào đến hạn trong kỳ.")
    missing = [r for r in reports if r.state(today) == "late"]
    lines += ["", "## 3. Đơn vị chưa gửi báo cáo"]
    lines.append(", ".join(names.get(r.unit_id or "", r.unit_id or "") for r in missing) + "."
                 if missing else "Tất cả các đơn vị đến hạn đã gửi báo cáo.")
    lines += ["", "## 4. Đánh giá chung, kiến nghị", "_Phần này do cơ quan thường trực bổ sung trước khi trình._"]
    return "\n".join(lines) + "\n"


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
        states = Counter(r.state(today) for r in rows)
        soon = sum(1 for r in rows if r.status == "open" and today <= r.due_effective < today + timedelta(days=DUE_SOON_DAYS))
        for r in rows:
            if r.state(today) == "late" and r.unit_id:
                late_units[r.unit_id] += 1
                oldest[r.unit_id] = max(oldest.get(r.unit_id, 0), (today - r.due_effective).days)
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
