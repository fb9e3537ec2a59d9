"""Collecting periodic reports (báo cáo định kỳ): the reporting windows of each plan and who has reported.

A plan's ``reports`` expand to ``report`` occurrences (each unit reports a period by a deadline) and a
``consolidation`` occurrence (the standing agency sums the period up for the People's Committee). A
reporting window opens when the call for reports goes out (``REPORT_CALL_DAYS`` before the first unit
deadline), the consolidated report is drafted from the units' deadline on, and the window closes a
week after the consolidation deadline. Data cut-offs follow Decree 09/2019/NĐ-CP (or the calendar period,
as the plan says).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from plancal.schedule.occurrence import Cutoff, Kind
from plancal.store import OccurrenceRow, PlanRow, Store

#: the call for a semiannual or annual report goes out this many days before its deadline
REPORT_CALL_DAYS = 14
#: a window stays open this many days after the consolidation deadline (late reports still arrive)
CLOSE_AFTER_DAYS = 7


@dataclass(frozen=True)
class ReportWindow:
    """One reporting period of one plan."""

    plan: PlanRow
    period_key: str
    period_label: str
    what: str  # the report's title without the period
    reports: tuple[OccurrenceRow, ...]  # one per reporting unit
    consolidations: tuple[OccurrenceRow, ...]  # usually one: the standing agency's

    @property
    def deadline(self) -> date:
        """The last unit deadline: from this day on the consolidated report is drafted."""
        return max(r.due_effective for r in self.reports)

    @property
    def opens(self) -> date:
        return min(r.due_effective for r in self.reports) - timedelta(days=REPORT_CALL_DAYS)

    @property
    def consolidation_due(self) -> date:
        return max((c.due_effective for c in self.consolidations), default=self.deadline)

    @property
    def closes(self) -> date:
        return self.consolidation_due + timedelta(days=CLOSE_AFTER_DAYS)

    def is_open(self, today: date) -> bool:
        return self.opens <= today <= self.closes

    def consolidating(self, today: date) -> bool:
        """From the units' deadline to the window's close: the consolidated report is (re)drafted."""
        return self.deadline <= today <= self.closes

    @property
    def data_range(self) -> tuple[date, date] | None:
        """(first day, cut-off day) of the period's data, as the plan set it (Decree 09/2019 cut-offs or the
        calendar period)."""
        first = self.reports[0]
        if first.data_from is None or first.data_to is None:
            return None
        return first.data_from, first.data_to

    @property
    def decree_09(self) -> bool:
        """Whether the period's data follow the cut-offs of Decree 09/2019/NĐ-CP."""
        return self.reports[0].cutoff == Cutoff.DECREE_09


def windows(store: Store, *, plan_id: str | None = None) -> list[ReportWindow]:
    """Every reporting window of every plan that is not closed (or of ``plan_id``)."""
    plans = {p.id: p for p in store.plans() if not p.closed and (plan_id is None or p.id == plan_id)}
    groups: dict[tuple[str, str, str], dict[str, list[OccurrenceRow]]] = defaultdict(lambda: defaultdict(list))
    for row in store.occurrences(plan_id=plan_id, kinds=[Kind.REPORT, Kind.CONSOLIDATION]):
        if row.plan_id in plans and row.unit_id is not None:
            groups[(row.plan_id, row.source_id, row.period_key)][row.kind].append(row)
    out = []
    for (pid, _source, key), kinds in groups.items():
        reports = kinds.get("report", [])
        if not reports:
            continue
        label = reports[0].period_label
        what = reports[0].what
        out.append(ReportWindow(plans[pid], key, label, what, tuple(sorted(reports, key=lambda r: r.unit_id or "")),
                                tuple(kinds.get("consolidation", []))))
    return sorted(out, key=lambda w: (w.deadline, w.plan.id, w.period_key))


def open_windows(store: Store, today: date) -> list[ReportWindow]:
    return [w for w in windows(store) if w.is_open(today)]
