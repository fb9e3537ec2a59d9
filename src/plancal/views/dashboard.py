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
from plancal.tracking.status import late
from plancal.views.cells import _cell, _due, _names, _shorten, _state, _table, duty_label
from plancal.views.keys import DUE_WEEK_KEY, LATE_ALL_KEY, artifact_url, due_soon_key, late_key, status_key
from plancal.views.status import DUE_SOON_DAYS, KEY_TEXT, MAX_ROWS
from plancal.vn.dates import long, short


# -- the dashboard -----------------------------------------------------------------------------------
def _link(text: str, ui_url: str, key: str) -> str:
    return f"[{text}]({artifact_url(ui_url, key)})" if ui_url else f"{text} (`{key}`)"


#: days after a plan's period ends during which it is still watched (late reports and the final review
#: still come in); after that the dashboard lists it as a record
ENDED_AFTER_DAYS = 60


def dashboard_markdown(store: Store, today: date, *, run_label: str = "", ui_url: str = "", feed_base_url: str = "",
                       key_prefix: str = "") -> str:
    """One page over every plan: what is due in the next 14 days, who is late, what was done. With
    ``ui_url`` (the Prefect UI) the details are links to their artifacts (keys published with
    ``key_prefix``, a simulation's "sim-"); with ``feed_base_url`` each plan links to its year page."""
    names = _names(store)
    # a plan over for more than two months is a record, not work: nobody is chased on it any more, so
    # it is listed without late figures (issuing the 2017-2025 plans today shows no flood of "quá hạn")
    open_plans = [p for p in store.plans() if not p.closed]
    plans = [p for p in open_plans if not _ended(p, today)]
    ended = [p for p in open_plans if _ended(p, today)]
    lines = [f"# Tổng quan thực hiện kế hoạch — {long(today)}", "",
             f"**{_link('Việc đến hạn tuần này', ui_url, key_prefix + DUE_WEEK_KEY)}** · "
             f"**{_link('Việc quá hạn và liên hệ đơn vị', ui_url, key_prefix + LATE_ALL_KEY)}**", ""]
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
              if table else ("Không có kế hoạch nào đang thực hiện." if ended else "Chưa có kế hoạch nào được ban hành.")]
    if plans:  # the long titles and the artifact keys below the table, so that its numbers fit on the screen
        lines += [""] + [f"- **{p.display_number}**: {_cell(_shorten(p.title, 160))} ({short(p.period_start)} - "
                         f"{short(p.period_end)}). " + _plan_links(p, today, ui_url, feed_base_url, key_prefix)
                         for p in plans]
    if late_units:
        lines += ["", "## Đơn vị chậm nhiều nhất",
                  _table(["Đơn vị", "Số việc quá hạn", "Quá hạn lâu nhất"],
                         ([names.get(u, u), n, f"{oldest[u]} ngày"] for u, n in
                          sorted(late_units.items(), key=lambda kv: (-kv[1], -oldest[kv[0]], names.get(kv[0], "")))[:15]))]
    if ended:
        lines += ["", "## Kế hoạch đã kết thúc (lưu trữ, không theo dõi quá hạn)",
                  *(f"- **{p.display_number}** ({short(p.period_start)} - {short(p.period_end)}): "
                    f"{_cell(_shorten(p.title, 160))}" for p in ended)]
    return "\n".join(lines) + "\n"


def _ended(plan: PlanRow, today: date) -> bool:
    """Whether ``plan`` is over for more than :data:`ENDED_AFTER_DAYS`: a record, its items no longer chased."""
    return today > plan.period_end + timedelta(days=ENDED_AFTER_DAYS)


def _plan_links(plan: PlanRow, today: date, ui_url: str, feed_base_url: str, key_prefix: str) -> str:
    links = [_link(text, ui_url, key_prefix + key(plan.id)) for text, key in
             (("Đơn vị × nhiệm vụ", status_key), ("Đến hạn 14 ngày", due_soon_key), ("Quá hạn", late_key))]
    if feed_base_url:
        year = min(max(today.year, plan.period_start.year), plan.period_end.year)
        links.append(f"[Cả năm {year}]({feed_base_url.rstrip('/')}/plans/{plan.id}/{year})")
    return " · ".join(links)


def week_markdown(store: Store, today: date) -> str:
    """Every current plan's items due from today to Sunday, by date."""
    end = today + timedelta(days=6 - today.weekday())
    names = _names(store)
    numbers = {p.id: p.display_number for p in store.plans() if not p.closed}
    rows = [r for r in store.occurrences(start=today, end=end, kinds=ACTIONABLE) if r.plan_id in numbers]
    head = [f"# Đến hạn tuần này — {short(today)} đến {short(end)}", "", f"{len(rows)} việc."]
    if not rows:
        return "\n".join([*head, "", "Không có việc nào đến hạn tuần này."]) + "\n"
    return "\n".join([*head, "", _table(["Hạn", "Kỳ", "Đơn vị", "Tình trạng", "Kế hoạch", "Việc"],
                                         ([_due(r), r.period_label, _shorten(names.get(r.unit_id or "", r.unit_id or ""), 40),
                                           _state(r, today), numbers[r.plan_id], _shorten(duty_label(r), KEY_TEXT)]
                                          for r in rows), MAX_ROWS)]) + "\n"


def late_all_markdown(store: Store, today: date) -> str:
    """Every late item of every current plan, with the unit's contact: the longest delays first."""
    names = _names(store)
    emails = {u.id: (u.emails or [""])[0] for u in store.unit_rows()}
    numbers = {p.id: p.display_number for p in store.plans() if not p.closed and not _ended(p, today)}
    items = sorted((i for i in late(store, today) if i.row.plan_id in numbers and i.row.kind in ACTIONABLE),
                   key=lambda i: (-i.days_late, names.get(i.row.unit_id or "", "")))
    head = [f"# Việc quá hạn — ngày {short(today)}", "", f"{len(items)} việc quá hạn."]
    if not items:
        return "\n".join([*head, "", "Không có việc nào quá hạn."]) + "\n"
    return "\n".join([*head, "", _table(
        ["Đơn vị", "Liên hệ", "Quá hạn", "Hạn", "Kỳ", "Kế hoạch", "Việc"],
        ([_shorten(names.get(i.row.unit_id or "", i.row.unit_id or ""), 40),
          f"[{emails[i.row.unit_id or '']}](mailto:{emails[i.row.unit_id or '']})" if emails.get(i.row.unit_id or "") else "",
          f"{i.days_late} ngày", _due(i.row), i.row.period_label, numbers[i.row.plan_id], _shorten(duty_label(i.row), KEY_TEXT)]
         for i in items), MAX_ROWS)]) + "\n"


def current_plans(store: Store, today: date, *, before_days: int = 30, after_days: int = ENDED_AFTER_DAYS) -> list[PlanRow]:
    """Plans a coordinator is watching on ``today``: not closed, from a month before their period
    starts to two months after it ends (late reports and the final review still come in)."""
    return [p for p in store.plans() if not p.closed
            and p.period_start - timedelta(days=before_days) <= today <= p.period_end + timedelta(days=after_days)]
