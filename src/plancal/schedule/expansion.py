"""Schedule expansion: plan + unit directory → occurrences. Pure and deterministic.

Nothing here reads the clock, the environment or the database: the work calendar and the time zone
come in as arguments, so the same inputs always give the same occurrences with the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from plancal.errors import PlanError, Problem
from plancal.plans.loading import LoadedPlan
from plancal.plans.model import Conference, Duty, KindSelector, Plan, Theme
from plancal.schedule.occurrence import KINDS, Occurrence, occurrence_uid
from plancal.settings import DEFAULT_TIMEZONE
from plancal.units.directory import Directory
from plancal.vn.anniversaries import Registry
from plancal.vn.dates import short
from plancal.vn.periods import Period, add_months, day_in_month, last_day, period_of, periods, span
from plancal.vn.workdays import WorkCalendar

PERIOD_NOUN = {"month": "tháng", "quarter": "quý", "half": "6 tháng", "year": "năm"}


_PLACEHOLDER = re.compile(r"\{([a-z0-9-]+)\}")


@dataclass
class _Expander:
    plan: Plan
    directory: Directory
    registry: Registry
    work: WorkCalendar
    tz: ZoneInfo
    out: list[Occurrence] = field(default_factory=list)

    # -- units ------------------------------------------------------------------------------
    @property
    def scope(self) -> str:
        return self.plan.scope or self.plan.issuer

    def resolve(self, selectors: Iterable[str | KindSelector], holder: str | None = None) -> list[str]:
        found: list[str] = []
        for sel in selectors:
            if isinstance(sel, KindSelector):
                found.extend(self.directory.of_kind(sel.kind, sel.under or self.scope))
            elif sel == "@recipients":
                found.extend(self.resolve([s for s in self.plan.recipients if s != "@recipients"]))
            elif sel == "@standing-agency":
                found.append(self.plan.standing_agency)
            elif sel == "@issuer":
                found.append(self.plan.issuer)
            elif sel == "@holder":
                if holder:
                    found.append(holder)
            else:
                found.append(sel)
        return list(dict.fromkeys(found))

    def add(self, *, kind: str, source_id: str, unit_id: str | None, period: Period, due: date,
            title: str, shift: str | None = None, **extra: object) -> Occurrence:
        effective = self.work.effective(due, shift or self.plan.defaults.shift)  # type: ignore[arg-type]
        occ = Occurrence(
            uid=occurrence_uid(self.plan.id, kind, source_id, unit_id, period.key), plan_id=self.plan.id,
            kind=kind, source_id=source_id, unit_id=unit_id, period_key=period.key, period_label=period.label,
            window_start=min(period.start, due), due_stated=due, due_effective=effective, title=title,
            **extra)  # type: ignore[arg-type]
        self.out.append(occ)
        return occ

    # -- duties -----------------------------------------------------------------------------
    def due_dates(self, duty: Duty) -> list[tuple[Period, date]]:
        w = duty.when
        p = self.plan
        # A one-off duty keeps the same identity ("once") when an amendment moves its date,
        # so that calendars update the event instead of cancelling it and adding another.
        if w.on is not None:
            return [(once(span(p.start, w.on)), w.on)]
        if w.within is not None:
            return [(once(w.within), w.within.end)]
        if w.ongoing:
            return [(once(span(p.start, p.end)), p.end)]
        if w.days_after_issue is not None:
            due = p.issued + timedelta(days=w.days_after_issue)
            return [(once(span(p.issued, due)), due)]
        if w.after is not None:
            target = next(d for d in p.duties if d.id == w.after)
            return [(per, due + timedelta(days=w.days or 0)) for per, due in self.due_dates(target)]
        assert w.every is not None
        start = max(p.start, w.from_ or p.start)
        end = min(p.end, w.until or p.end)
        result = []
        for per in periods(w.every, start, end):
            due = self.recurring_due(duty, per)
            if w.months and (due.month if w.every != "month" else per.start.month) not in w.months:
                continue
            if due < start:
                continue
            result.append((per, due))
        return result

    def recurring_due(self, duty: Duty, per: Period) -> date:
        w = duty.when
        spec = w.month if w.month is not None else "last"
        if spec == "first":
            year, month = per.month(1)
        elif spec == "last":
            year, month = per.month(per.months)
        elif spec == "next":
            year, month = per.month(per.months + 1)
        elif per.frequency == "year":
            year, month = per.start.year, int(spec)
        else:
            if int(spec) > per.months:
                raise PlanError([Problem(f"nhiệm vụ '{duty.id}': tháng thứ {spec} không có trong một "
                                         f"{PERIOD_NOUN[per.frequency]}", field=f"duties.{duty.id}.when.month",
                                         hint=f"dùng first, last hoặc số từ 1 đến {per.months}")])
            year, month = per.month(int(spec))
        day = w.day if w.day is not None else -1
        if w.before:
            # "trước ngày 25": the last day allowed is the 24th; "trước ngày 1" is the previous month's end
            if day == 1:
                y, m = add_months(year, month, -1)
                return last_day(y, m)
            due = day_in_month(year, month, day)
            return due - timedelta(days=1) if day > 0 else due
        return day_in_month(year, month, day)

    def duties(self) -> None:
        for duty in self.plan.duties:
            due_dates = self.due_dates(duty)
            noun = PERIOD_NOUN.get(duty.when.every or "", "")
            for assignment in duty.assignments():
                quota = assignment.quota.text() if assignment.quota else None
                title = duty.what + (f" ({quota}/{noun})" if quota and noun else f" ({quota})" if quota else "")
                for unit_id in self.resolve(assignment.who):
                    for per, due in due_dates:
                        self.add(kind="ongoing" if duty.when.ongoing else "duty", source_id=duty.id, unit_id=unit_id,
                                 period=per, due=due, title=title, detail=duty.note or "", quota=quota,
                                 shift="none" if duty.when.ongoing else duty.when.shift,
                                 to_unit_id=duty.to)

    def sub_plans(self) -> None:
        sp = self.plan.sub_plans
        if sp is None:
            return
        due = self.plan.issued + timedelta(days=sp.days or self.plan.defaults.sub_plan_days)
        per = span(self.plan.issued, due)
        per = Period(per.start, per.end, "window", "sub-plan")
        for unit_id in self.resolve(sp.who):
            self.add(kind="sub_plan", source_id="sub-plan", unit_id=unit_id, period=per, due=due, title=sp.what,
                     to_unit_id=sp.to or self.plan.standing_agency,
                     detail=f"Trên cơ sở {self.plan.display_number}: {self.plan.title}")

    # -- themes and anniversaries -----------------------------------------------------------------
    def years(self) -> range:
        return range(self.plan.start.year, self.plan.end.year + 1)

    def themes(self) -> set[tuple[str, int, bool]]:
        wanted: set[tuple[str, int, bool]] = set()
        audience = tuple(self.resolve(["@recipients"]))
        for theme in self.plan.themes:
            months = list(range(1, 13)) if theme.months == "all" else sorted(theme.months)
            for year in ([theme.year] if theme.year else self.years()):
                start = max(date(year, months[0], 1), self.plan.start)
                end = min(last_day(year, months[-1]), self.plan.end)
                if end < start:
                    continue
                per = Period(start, end, "window", f"{year}")
                title = self.theme_title(theme, year)
                source = "theme-" + hashlib.sha256(theme.title.encode()).hexdigest()[:10]
                lines = [f"Chủ đề tuyên truyền {month_span(months, year)}"]
                lines += [self.registry[k].title(year) for k in theme.anniversaries]
                if theme.content:
                    lines.append(theme.content)
                self.add(kind="theme", source_id=source, unit_id=None, period=per, due=end, title=title,
                         shift="none", detail="\n".join(lines), audience=audience)
                wanted.update((k, year, False) for k in theme.anniversaries)
        return wanted

    def theme_title(self, theme: Theme, year: int) -> str:
        def count(m: re.Match[str]) -> str:
            key = m.group(1)
            if key not in self.registry:
                return m.group(0)
            n = self.registry[key].count(year)
            return str(n) if n is not None else m.group(0)
        return _PLACEHOLDER.sub(count, theme.title)

    def anniversaries(self, wanted: set[tuple[str, int, bool]]) -> None:
        for obs in self.plan.observances:
            for year in obs.years or self.years():
                wanted.add((obs.anniversary, year, obs.peak))
        peaks = {(k, y) for k, y, peak in wanted if peak}
        audience = tuple(self.resolve(["@recipients"]))
        for key, year in sorted({(k, y) for k, y, _ in wanted}):
            ann = self.registry[key]
            day = ann.date_in(year)
            if not self.plan.start <= day <= self.plan.end:
                continue
            n = ann.count(year)
            detail = ann.title(year)
            if ann.is_round(year):
                detail += f"\nNăm chẵn: kỷ niệm {n} năm."
            if ann.lunar:
                detail += f"\nNgày {ann.day} tháng {ann.month} âm lịch, năm {year} nhằm ngày {short(day)}."
            per = Period(day, day, "day", f"{year}")
            self.add(kind="anniversary", source_id=key, unit_id=None, period=per, due=day, title=ann.title(year),
                     shift="none", detail=detail, audience=audience, peak=(key, year) in peaks)

    # -- conferences ------------------------------------------------------------------------
    def conferences(self) -> None:
        for conf in self.plan.conferences:
            holders = self.resolve(conf.held_by)
            pilot_due: date | None = None
            pilot = conf.pilot
            if pilot and pilot.unit in holders:
                holders.remove(pilot.unit)
                holders.insert(0, pilot.unit)
            for holder in holders:
                is_pilot = bool(pilot and holder == pilot.unit)
                window = conf.within
                if is_pilot and pilot:
                    window = pilot.within or span(window.start, window.start + (window.end - window.start) / 2)
                elif pilot_due is not None:
                    window = span(min(pilot_due + timedelta(days=1), window.end), window.end)
                due = conf.on if conf.on and not is_pilot else window.end
                per = once(window)
                starts_at, ends_at = self.session(conf, due)
                attendees = tuple(self.resolve([*conf.attendees, "@holder"], holder=holder))
                occ = self.add(kind="conference", source_id=conf.id, unit_id=holder, period=per, due=due,
                               title=self.conference_title(conf, holder), shift="none" if conf.on else None,
                               detail=self.conference_detail(conf, is_pilot), pilot=is_pilot,
                               starts_at=starts_at, ends_at=ends_at, audience=attendees)
                if is_pilot:
                    pilot_due = occ.due_effective
                for prep in conf.preparation:
                    prep_due = occ.due_effective - timedelta(days=prep.days_before)
                    prep_per = Period(min(window.start, prep_due), prep_due, "window", f"once@{holder}")
                    for unit_id in self.resolve(prep.who, holder=holder):
                        self.add(kind="preparation", source_id=f"{conf.id}.{prep.id}", unit_id=unit_id,
                                 period=prep_per, due=prep_due, title=prep.what, shift="previous",
                                 to_unit_id=prep.to,
                                 detail=f"Chuẩn bị cho {self.conference_title(conf, holder)} "
                                        f"(hạn chót {short(occ.due_effective)}).")

    def session(self, conf: Conference, day: date) -> tuple[datetime | None, datetime | None]:
        if conf.on is None or conf.start is None:
            return None, None
        start = datetime.combine(conf.on, conf.start, tzinfo=self.tz)
        minutes = conf.duration if isinstance(conf.duration, int) else 480 if conf.duration == "full_day" else 240
        return start, start + timedelta(minutes=minutes)

    def conference_title(self, conf: Conference, holder: str) -> str:
        unit = self.directory.get(holder)
        name = unit.name if unit else holder
        if conf.name:
            return conf.name.replace("{unit}", name)
        return f"{conf.title} ({name})"

    def conference_detail(self, conf: Conference, is_pilot: bool) -> str:
        lines = [f"Cấp: {conf.level}"]
        if conf.duration is not None:
            lines.append("Thời lượng: " + {"half_day": "1/2 ngày", "full_day": "1 ngày"}.get(
                str(conf.duration), f"{conf.duration} phút"))
        if is_pilot:
            lines.insert(0, "Hội nghị điểm: tổ chức trước để rút kinh nghiệm chỉ đạo chung.")
        if conf.venue:
            lines.append(f"Địa điểm: {conf.venue}")
        d = conf.delegates
        if d:
            if d.max:
                lines.append(f"Số lượng: tối đa {d.max} đại biểu")
            if d.exemplars_pct is not None:
                lines.append(f"Cơ cấu: đại biểu điển hình tiên tiến khoảng {d.exemplars_pct}%, "
                             f"khách mời khoảng {d.guests_pct if d.guests_pct is not None else 100 - d.exemplars_pct}%")
        if conf.presidium:
            share = f", {conf.presidium.exemplar_share} là anh hùng, chiến sĩ thi đua, điển hình tiên tiến" \
                if conf.presidium.exemplar_share else ""
            lines.append(f"Đoàn Chủ tịch: không quá {conf.presidium.max} người{share}")
        if conf.note:
            lines.append(conf.note)
        if conf.agenda:
            lines.append("Chương trình:")
            lines += [f"{i}. {item}" for i, item in enumerate(conf.agenda, 1)]
        return "\n".join(lines)

    # -- reports ----------------------------------------------------------------------------
    def reports(self) -> None:
        for report in self.plan.reports:
            for cycle in report.cycles:
                for per, cut_from, cutoff in report_periods(cycle, self.plan.start, self.plan.end, report.cutoff):
                    basis = " (Nghị định 09/2019/NĐ-CP)" if report.cutoff == "decree-09" else ""
                    detail = (f"Báo cáo {per.label}. Số liệu tính từ ngày {short(cut_from)} đến ngày "
                              f"{short(cutoff)}{basis}.")
                    for dl in report.deadlines:
                        due = report_due(cutoff, dl.day, dl.month)
                        for unit_id in self.resolve(dl.who):
                            self.add(kind="report", source_id=report.id, unit_id=unit_id, period=per, due=due,
                                     title=f"{report.what} {per.label}", to_unit_id=report.to, detail=detail)
                    if report.consolidate:
                        due = report_due(cutoff, report.consolidate.day, report.consolidate.month)
                        for unit_id in self.resolve(report.consolidate.who):
                            self.add(kind="consolidation", source_id=report.id, unit_id=unit_id, period=per,
                                     due=due, title=f"Tổng hợp {report.what[0].lower()}{report.what[1:]} {per.label}",
                                     to_unit_id=report.consolidate_to or self.plan.issuer, detail=detail)


def once(period: Period) -> Period:
    """The same dates under the identity key of a one-off item."""
    return Period(period.start, period.end, period.frequency, "once")


def month_span(months: list[int], year: int) -> str:
    """"tháng 3/2021", "tháng 8 và 9/2021", "cả năm 2021"."""
    if months == list(range(1, 13)):
        return f"cả năm {year}"
    if len(months) == 1:
        return f"tháng {months[0]}/{year}"
    return "tháng " + ", ".join(str(m) for m in months[:-1]) + f" và {months[-1]}/{year}"


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


def recipients(loaded: LoadedPlan, selectors: Iterable[str | KindSelector]) -> list[str]:
    """Unit ids a list of selectors names in this plan (e.g. ``["@recipients"]``)."""
    ex = _Expander(loaded.plan, loaded.directory, loaded.registry, WorkCalendar(), ZoneInfo(DEFAULT_TIMEZONE))
    return ex.resolve(selectors)


def expand(loaded: LoadedPlan, work: WorkCalendar | None = None, tz: ZoneInfo | str = DEFAULT_TIMEZONE) -> list[Occurrence]:
    """Every occurrence of a plan, sorted by due date then kind, unit and source; times of day in ``tz``
    (``settings.tz``)."""
    return expand_plan(loaded.plan, loaded.directory, loaded.registry, work, tz)


def expand_plan(plan: Plan, directory: Directory, registry: Registry, work: WorkCalendar | None = None,
                tz: ZoneInfo | str = DEFAULT_TIMEZONE) -> list[Occurrence]:
    if work is None:
        work = WorkCalendar(plan.holidays.extra_off, plan.holidays.extra_work)
    ex = _Expander(plan, directory, registry, work, tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz))
    ex.sub_plans()
    ex.duties()
    ex.reports()
    ex.conferences()
    ex.anniversaries(ex.themes())
    seen: dict[str, Occurrence] = {}
    for occ in ex.out:
        seen.setdefault(occ.uid, occ)  # a unit named twice by overlapping selectors gets one occurrence
    return sorted(seen.values(), key=lambda o: (o.due_effective, KINDS.index(o.kind), o.unit_id or "", o.source_id,
                                                 o.period_key))
