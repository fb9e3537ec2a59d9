"""The consolidated report of a period (6 months or a year): who reported on time, late or not at all,
quota attainment measured from the register of exemplars, exemplars by field and what is overdue —
collected once as typed data, then rendered to HTML here (templates/reports/consolidated.html.j2) and
to .docx by plancal.views.documents, so that both show the same numbers.

The period's data follow the plan's reporting window (Decree 09/2019/NĐ-CP: 15/12 to 14/6, 15/12 to
14/12); a period the plan sets no report for (6 months at the year's end under Decree 09) uses the
calendar period.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from plancal.errors import PlancalError, Problem
from plancal.intake.exemplars import kind_label
from plancal.intake.stored import stored_plan
from plancal.mail.composition import Attachment
from plancal.mail.items import World
from plancal.mail.letters import Letter, MailKind
from plancal.plans.loading import LoadedPlan
from plancal.schedule.occurrence import ACTIONABLE, Kind, State
from plancal.settings import Settings
from plancal.store import OccurrenceRow, Store
from plancal.tracking.quotas import attainment
from plancal.tracking.windows import ReportWindow, windows
from plancal.vn.dates import short
from plancal.vn.periods import Period, period_of

_PERIOD = re.compile(r"^(\d{4})(?:-H([12]))?$")


def parse_period(text: str) -> Period:
    """"2023-H1", "2023-H2", "2023"."""
    m = _PERIOD.match(text.strip().upper())
    if not m:
        raise PlancalError([Problem(f"kỳ báo cáo '{text}' không hợp lệ", field="period",
                                    hint="ghi 2023-H1 (6 tháng đầu năm), 2023-H2 (6 tháng cuối năm) hoặc 2023 (cả năm)")])
    year = int(m.group(1))
    return period_of("half", year, int(m.group(2))) if m.group(2) else period_of("year", year, 1)


def decree30_date(place: str, d: date) -> str:
    """The place and date line of Decree 30/2020/NĐ-CP: days below 10 and months 1 and 2 with a leading zero
    ("Quảng Ngãi, ngày 05 tháng 02 năm 2023")."""
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{place}, ngày {d.day:02d} tháng {month} năm {d.year}"


def abbreviation(name: str) -> str:
    """"Sở Nội vụ tỉnh Quảng Ngãi (Ban …)" → "SNV": the initials of the agency's own name."""
    head = re.split(r"\(| tỉnh | huyện | thành phố | thị xã | quận ", f" {name} ", maxsplit=1)[0]
    letters = [w[0] for w in head.split() if w[0].isalpha()]
    plain = unicodedata.normalize("NFD", "".join(letters).replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in plain if c.isascii()).upper() or "CQ"


@dataclass(frozen=True)
class Received:
    unit: str
    due: date
    received: date | None
    state: State
    days: int  # late by this many days (received late, or still missing); 0 otherwise

    @property
    def status(self) -> str:
        if self.state == State.DONE:
            return "Đúng hạn"
        if self.state == State.DONE_LATE:
            return f"Muộn {self.days} ngày"
        if self.state == State.LATE:
            return f"Chưa gửi (quá hạn {self.days} ngày)"
        if self.state == State.AWAITED:
            return "Chưa gửi (đề nghị, chờ báo cáo)"
        if self.state == State.WAIVED:
            return "Được miễn"
        return "Chưa đến hạn"


@dataclass(frozen=True)
class QuotaLine:
    duty_id: str
    unit: str
    period: str
    quota: str
    counted: int
    verdict: str


@dataclass(frozen=True)
class FieldLine:
    field: str
    collective: int
    individual: int

    @property
    def total(self) -> int:
        return self.collective + self.individual


@dataclass(frozen=True)
class Overdue:
    unit: str
    duty: str
    period: str
    due: date
    days: int


@dataclass(frozen=True)
class Consolidated:
    """Everything a consolidated report shows, typed."""

    plan_id: str
    plan_number: str
    plan_title: str
    parent_agency: str  # the agency above the issuer of the report (cơ quan chủ quản), or ""
    agency: str  # who issues the report: the plan's standing agency
    symbol: str  # "BC-SNV"
    place: str
    day: date
    period: Period
    period_label: str
    data_from: date
    data_to: date
    decree_09: bool
    addressee: str  # Kính gửi: the plan's issuer (or the consolidation's addressee)
    addressee_id: str
    received: tuple[Received, ...]
    quotas: tuple[QuotaLine, ...]
    fields: tuple[FieldLine, ...]
    overdue: tuple[Overdue, ...]

    @property
    def subject(self) -> str:
        title = self.plan_title[:1].lower() + self.plan_title[1:]
        return f"Tổng hợp kết quả thực hiện Kế hoạch {title}, {self.period_label}"

    @property
    def place_date(self) -> str:
        return decree30_date(self.place, self.day)

    def count(self, *states: State) -> int:
        return sum(1 for r in self.received if r.state in states)

    @property
    def on_time(self) -> int:
        return self.count(State.DONE)

    @property
    def late(self) -> int:
        return self.count(State.DONE_LATE)

    @property
    def missing(self) -> int:
        """Not received past the limit: late, or awaited (a request, "đề nghị", is never late)."""
        return self.count(State.LATE, State.AWAITED)

    @property
    def pending(self) -> int:
        return self.count(State.OPEN, State.DUE)

    @property
    def quota_summary(self) -> tuple[int, int, int]:
        met = sum(1 for q in self.quotas if q.verdict == "đạt")
        missed = sum(1 for q in self.quotas if q.verdict == "không đạt")
        return met, missed, len(self.quotas) - met - missed

    @property
    def exemplars(self) -> int:
        return sum(f.total for f in self.fields)

    def sentences(self) -> dict[str, str]:
        """The body's sentences, the same in HTML and .docx."""
        n = len(self.received)
        met, missed, pending = self.quota_summary
        basis = " (Nghị định số 09/2019/NĐ-CP)" if self.decree_09 else ""
        return {
            "intro": f"Thực hiện {self.plan_number} về {self.plan_title[:1].lower() + self.plan_title[1:]}, "
                     f"{self.agency} tổng hợp kết quả {self.period_label}; số liệu tính từ ngày {short(self.data_from)} "
                     f"đến ngày {short(self.data_to)}{basis}, tình hình đến ngày {short(self.day)}.",
            "received": f"Đã nhận {self.on_time + self.late}/{n} báo cáo: đúng hạn {self.on_time}, muộn {self.late}; "
                        f"chưa gửi {self.missing}; chưa đến hạn {self.pending}." if n else
                        "Kế hoạch không đặt kỳ báo cáo này cho các đơn vị.",
            "quotas": f"Đạt {met}, không đạt {missed}, chưa hết kỳ {pending} (trên {len(self.quotas)} chỉ tiêu)."
                      if self.quotas else "Kế hoạch không đặt chỉ tiêu điển hình trong kỳ.",
            "fields": f"Trong kỳ các đơn vị giới thiệu {self.exemplars} điển hình tiên tiến "
                      f"({sum(f.collective for f in self.fields)} tập thể, {sum(f.individual for f in self.fields)} cá nhân)."
                      if self.exemplars else "Trong kỳ chưa có điển hình tiên tiến nào được ghi vào sổ.",
            "overdue": f"Còn {len(self.overdue)} việc quá hạn chưa thực hiện." if self.overdue else
                       "Không có việc nào quá hạn.",
            "assessment": "Phần này do cơ quan thường trực bổ sung trước khi trình.",
        }


def _window(store: Store, plan_id: str, period: Period) -> ReportWindow | None:
    return next((w for w in windows(store, plan_id=plan_id) if w.period_key == period.key), None)


def _late_days(row: OccurrenceRow, today: date) -> int:
    """Days past the legal limit (a submission on the stated last day is on time)."""
    if row.done_on is not None:
        return max(0, (row.done_on - row.due_limit).days)
    return max(0, (today - row.due_limit).days)


def consolidated(store: Store, plan_id: str, period: Period, today: date, *,
                 loaded: LoadedPlan | None = None) -> Consolidated:
    """The consolidated report of ``plan_id`` for ``period`` as of ``today``."""
    loaded = loaded or stored_plan(store, plan_id)
    plan = loaded.plan
    names = {u.id: u.name for u in loaded.directory}
    window = _window(store, plan_id, period)
    data_from, data_to = (window.data_range if window and window.data_range else (period.start, period.end))
    fresh = {r.uid: r for r in store.occurrences(plan_id=plan_id, kinds=[Kind.REPORT])}
    reports = [fresh.get(r.uid, r) for r in window.reports] if window else []
    received = tuple(sorted((Received(names.get(r.unit_id or "", r.unit_id or ""), r.due_effective, r.done_on,
                                      State(r.state(today)), _late_days(r, today)) for r in reports),
                            key=lambda x: x.unit))
    register = store.exemplars(plan_id)
    quotas = tuple(QuotaLine(a.duty_id, names.get(a.unit_id, a.unit_id) if a.unit_id else "Toàn địa bàn", a.period.label,
                             a.quota.text(), a.counted, a.verdict)
                   for a in attainment(loaded, register, data_from, data_to, today))
    by_field: dict[str, Counter[bool]] = {}
    for e in register:
        if data_from <= e.introduced <= data_to:
            by_field.setdefault(e.field, Counter())[e.collective] += 1
    order = {f: i for i, f in enumerate(plan.exemplar_fields)}
    fields = tuple(FieldLine(f, c[True], c[False])
                   for f, c in sorted(by_field.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    overdue_rows = [r for r in store.occurrences(plan_id=plan_id, start=plan.start, end=today, kinds=ACTIONABLE)
                    if r.kind not in (Kind.REPORT, Kind.CONSOLIDATION) and r.state(today) == State.LATE]
    overdue = tuple(Overdue(names.get(r.unit_id or "", r.unit_id or ""), r.what or r.title, r.period_label,
                            r.due_effective, _late_days(r, today))
                    for r in sorted(overdue_rows, key=lambda r: (r.due_effective, r.unit_id or "", r.source_id)))
    agency = names.get(plan.standing_agency, plan.standing_agency)
    unit = loaded.directory.get(plan.standing_agency)
    parent = names.get(unit.parent, "") if unit and unit.parent else ""
    addressee_id = next((c.to_unit_id for c in window.consolidations if c.to_unit_id), None) if window else None
    addressee_id = addressee_id or plan.issuer
    return Consolidated(
        plan_id=plan.id, plan_number=plan.display_number, plan_title=plan.title, parent_agency=parent, agency=agency,
        symbol=f"BC-{abbreviation(agency)}", place=plan.place, day=today, period=period,
        period_label=window.period_label if window else period.label, data_from=data_from, data_to=data_to,
        decree_09=bool(window and window.decree_09), addressee=names.get(addressee_id, addressee_id),
        addressee_id=addressee_id, received=received, quotas=quotas, fields=fields, overdue=overdue)


# -- HTML ------------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _environment(folder: str) -> Environment:
    env = Environment(loader=FileSystemLoader(folder, encoding="utf-8"), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters.update(short=short, kind_label=kind_label)
    return env


def reports_folder(settings: Settings) -> Path:
    return settings.templates_dir / "reports"


def render_html(report: Consolidated, settings: Settings) -> str:
    env = _environment(str(reports_folder(settings)))
    return env.get_template("consolidated.html.j2").render(r=report, s=report.sentences())


# -- the mail to the issuer --------------------------------------------------------------------------
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_filename(report: Consolidated) -> str:
    return f"bao-cao-tong-hop-{report.plan_id}-{report.period.key}.docx"


def report_letters(store: Store, report: Consolidated, document: bytes) -> list[Letter]:
    """The consolidated report to its addressee (the plan's issuer), once per plan, period and address,
    with the .docx attached."""
    world = World.load(store)
    plan = world.plans.get(report.plan_id)
    if plan is None:
        return []
    s = report.sentences()
    filename = docx_filename(report)
    context = {"today": report.day, "plan": plan, "period_label": report.period_label, "agency": report.agency,
               "data_from": report.data_from, "data_to": report.data_to, "filename": filename,
               "received": s["received"], "quotas": s["quotas"], "fields": s["fields"], "overdue": s["overdue"],
               "attachments": (Attachment(filename, DOCX_TYPE, document),)}
    return [Letter(kind=MailKind.CONSOLIDATED, ident=f"{report.plan_id}/{report.period.key}", recipient=email,
                   day=report.day, template="consolidated_report", context=context, to_name=report.addressee,
                   reply_to=world.reply_to([report.plan_id]), coordinators=world.coordinators([report.plan_id]),
                   plan_id=report.plan_id)
            for email in world.emails(report.addressee_id)]
