"""Periodic reports and their consolidation, with Decree 09/2019 or calendar data windows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from plancal.schedule.context import Expansion
from plancal.schedule.occurrence import Cutoff, Cycle, Kind
from plancal.vn.dates import short
from plancal.vn.periods import Period, add_months, day_in_month, period_of, periods


# -- reports ----------------------------------------------------------------------------
def reports(ex: Expansion) -> None:
    for report in ex.plan.reports:
        for cycle in report.cycles:
            for per, cut_from, cutoff in report_periods(cycle, ex.plan.start, ex.plan.end, report.cutoff):
                basis = " (Nghị định 09/2019/NĐ-CP)" if report.cutoff == "decree-09" else ""
                detail = (f"Báo cáo {per.label}. Số liệu tính từ ngày {short(cut_from)} đến ngày "
                          f"{short(cutoff)}{basis}.")
                window: dict[str, Any] = {"cycle": Cycle(cycle), "data_from": cut_from, "data_to": cutoff,
                          "cutoff": Cutoff(report.cutoff)}
                for dl in report.deadlines:
                    due = report_due(cutoff, dl.day, dl.month)
                    for unit_id in ex.resolve(dl.who):
                        ex.add(kind=Kind.REPORT, source_id=report.id, unit_id=unit_id, period=per, due=due,
                                 title=f"{report.what} {per.label}", what=report.what, to_unit_id=report.to,
                                 detail=detail, set_by=dl.set_by, request=ex.requested(dl.request, unit_id),
                                 floor=cutoff + timedelta(days=1), **window)
                if report.consolidate:
                    due = report_due(cutoff, report.consolidate.day, report.consolidate.month)
                    for unit_id in ex.resolve(report.consolidate.who):
                        what = f"Tổng hợp {report.what[0].lower()}{report.what[1:]}"
                        ex.add(kind=Kind.CONSOLIDATION, source_id=report.id, unit_id=unit_id, period=per,
                                 due=due, title=f"{what} {per.label}", what=what,
                                 to_unit_id=report.consolidate_to or ex.plan.issuer, detail=detail,
                                 set_by=report.consolidate.set_by, request=ex.requested(report.consolidate.request, unit_id),
                                 floor=cutoff + timedelta(days=1), **window)


def report_periods(cycle: str, start: date, end: date, cutoff: str = "decree-09") -> list[tuple[Period, date, date]]:
    """Periods of a report whose cut-off falls within [start, end]: (period, first day of data, cut-off day).
    Decree 09/2019 cut-offs run from the 15th to the 14th; ``calendar`` ones are the period itself."""
    if cutoff == "calendar":
        freq = {"annual": "year", "semiannual": "half", "quarterly": "quarter", "monthly": "month"}[cycle]
        pers = periods(freq, start, end)
        if cycle == "semiannual":
            pers = [p for p in pers if p.start.month == 1]  # "6 tháng, cuối năm": the year-end one is the annual
        return [(p, p.start, p.end) for p in pers if start <= p.end <= end]
    out: list[tuple[Period, date, date]] = []
    for year in range(start.year, end.year + 1):
        if cycle == "annual":
            items = [(period_of("year", year, 1), date(year - 1, 12, 15), date(year, 12, 14))]
        elif cycle == "semiannual":
            items = [(period_of("half", year, 1), date(year - 1, 12, 15), date(year, 6, 14))]
        elif cycle == "quarterly":
            items = []
            for q in range(1, 5):
                per = period_of("quarter", year, q)
                y, m = add_months(year, per.start.month, -1)
                items.append((per, date(y, m, 15), date(year, per.end.month, 14)))
        else:
            items = []
            for mo in range(1, 13):
                y, m = add_months(year, mo, -1)
                items.append((period_of("month", year, mo), date(y, m, 15), date(year, mo, 14)))
        out.extend(item for item in items if start <= item[2] <= end)
    return out


def report_due(cutoff: date, day: int, month: str) -> date:
    year, mo = (cutoff.year, cutoff.month) if month == "cutoff" else add_months(cutoff.year, cutoff.month, 1)
    return day_in_month(year, mo, day)
