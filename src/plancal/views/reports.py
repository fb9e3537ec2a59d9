"""Report collection and the consolidated report of a reporting window."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from plancal.schedule.occurrence import ACTIONABLE
from plancal.store import OccurrenceRow, Store
from plancal.tracking.windows import ReportWindow
from plancal.views.cells import _cell, _due, _names, _table, duty_label, plan_title
from plancal.vn.dates import long, short


# -- reports -----------------------------------------------------------------------------------------
def _received(row: OccurrenceRow, today: date) -> str:
    state = row.state(today)
    if state == "done":
        return "đúng hạn"
    if state == "done_late" and row.done_on:
        return f"muộn {(row.done_on - row.due_limit).days} ngày"
    if state == "late":
        return f"chưa nhận, quá hạn {(today - row.due_limit).days} ngày"
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
    states: Counter[str] = Counter(r.state(today) for r in reports)
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
