"""The plan format: one YAML file per plan (kế hoạch), validated strictly with pydantic.

Unknown keys, wrong types and impossible dates are errors. See ``docs/plan-format.md`` for the
reference with examples; the five source plans are encoded under ``plans/``.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from plancal.units.directory import ID_RE
from plancal.vn.dates import parse_date
from plancal.vn.periods import Period, parse_window, span

VnDate = Annotated[date, BeforeValidator(parse_date)]
Shift = Literal["next", "previous", "none"]
Frequency = Literal["month", "quarter", "half", "year"]


def _slug(value: str) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise ValueError(f"mã '{value}' không hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch ngang")
    return value


Slug = Annotated[str, BeforeValidator(_slug)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class KindSelector(Strict):
    """Every unit of a kind under a given unit: {kind: commune, under: huyen-x}. Without ``under`` the
    plan's ``scope`` applies (default: the issuer), so "every commune" never reaches another province."""

    kind: str
    under: Slug | None = None


def _selector(value: Any) -> Any:
    if isinstance(value, str):
        if value.startswith("@"):
            if value not in SPECIAL_SELECTORS:
                raise ValueError(f"'{value}' không phải là nhóm đặc biệt; dùng một trong {', '.join(SPECIAL_SELECTORS)}")
            return value
        return _slug(value)
    return value


SPECIAL_SELECTORS = ("@recipients", "@standing-agency", "@issuer", "@holder")
Selector = Annotated[str | KindSelector, BeforeValidator(_selector)]


def _window(value: Any) -> Any:
    if isinstance(value, str):
        return parse_window(value)
    if isinstance(value, int):
        return parse_window(str(value))
    if isinstance(value, dict):
        extra = set(value) - {"from", "to"}
        if extra or set(value) != {"from", "to"}:
            raise ValueError("khoảng thời gian dạng bảng cần đúng hai khóa from và to")
        start, end = parse_date(value["from"]), parse_date(value["to"])
        if end < start:
            raise ValueError(f"ngày kết thúc {end:%d/%m/%Y} trước ngày bắt đầu {start:%d/%m/%Y}")
        return span(start, end)
    return value


Window = Annotated[Period, BeforeValidator(_window)]


class Quota(Strict):
    """"2 bài/tháng", "5-7 điển hình/năm", "ít nhất 15 điển hình/năm toàn tỉnh"."""

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    unit: str
    scope: Literal["each", "total"] = "each"
    #: the plan's own words for the number, kept as written ("ít nhất 5-7", "từ 2-3"); the bounds stay typed
    words: str | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Quota:
        if self.min is None and self.max is None:
            raise ValueError("chỉ tiêu cần ít nhất min hoặc max")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) nhỏ hơn min ({self.min})")
        return self

    def text(self) -> str:
        if self.words:
            n = self.words
        elif self.min is not None and self.max is not None:
            n = str(self.min) if self.min == self.max else f"{self.min}-{self.max}"
        elif self.min is not None:
            n = f"ít nhất {self.min}"
        else:
            n = f"tối đa {self.max}"
        return f"{n} {self.unit}" + (" (toàn địa bàn)" if self.scope == "total" else "")


class When(Strict):
    """When something is due. Exactly one of: ``on``, ``within``, ``days_after_issue``, ``every``, ``after``.

    - ``on: 13/05/2025`` — a fixed date;
    - ``within: Q1/2020`` (or H1/2021, 5/2025, 2021, {from, to}) — a window, due on its last day;
    - ``ongoing: true`` — "thường xuyên": for the whole plan period, never due, never late;
    - ``days_after_issue: 30``;
    - ``every: month|quarter|half|year`` with ``day`` (day of month, -1 = last, default last),
      ``month`` (which month of the period: first, last, next (the month after), or 1..12; default
      last), ``before: true`` ("trước ngày 25": due the day before), ``months`` (only these calendar
      months), ``from``/``until`` (narrower than the plan period);
    - ``after: <duty id>`` with ``days`` — chained: due ``days`` after that duty's stated due date in
      the same period.
    ``shift`` overrides the plan's rule for a due date that falls on a day off.
    """

    on: VnDate | None = None
    within: Window | None = None
    ongoing: Literal[True] | None = None
    days_after_issue: int | None = Field(default=None, ge=0)
    every: Frequency | None = None
    day: int | None = Field(default=None, ge=-31, le=31)
    month: Literal["first", "last", "next"] | int | None = None
    before: bool = False
    months: list[int] | None = None
    from_: VnDate | None = Field(default=None, alias="from")
    until: VnDate | None = None
    after: Slug | None = None
    days: int | None = None
    shift: Shift | None = None

    @model_validator(mode="after")
    def _one_mode(self) -> When:
        modes = [name for name in ("on", "within", "ongoing", "days_after_issue", "every", "after")
                 if getattr(self, name) is not None]
        if len(modes) != 1:
            raise ValueError(
                "cần đúng một cách ghi thời hạn (on, within, ongoing, days_after_issue, every hoặc after), "
                f"đang có: {', '.join(modes) or 'không có'}")
        if self.every is None and (self.day is not None or self.month is not None or self.months or self.before):
            raise ValueError("day, month, months và before chỉ dùng cùng every")
        if self.after is None and self.days is not None:
            raise ValueError("days chỉ dùng cùng after")
        if self.after is not None and self.days is None:
            raise ValueError("after cần days: số ngày sau thời hạn của nhiệm vụ kia")
        if self.day == 0:
            raise ValueError("day không thể là 0; dùng -1 cho ngày cuối tháng")
        if self.months and any(not 1 <= m <= 12 for m in self.months):
            raise ValueError("months chỉ gồm các tháng từ 1 đến 12")
        if isinstance(self.month, int) and not 1 <= self.month <= 12:
            raise ValueError("month phải là first, last, next hoặc một số từ 1 đến 12")
        return self


class Assignment(Strict):
    who: list[Selector]
    quota: Quota | None = None


class Duty(Strict):
    id: Slug
    what: str
    who: list[Selector] | None = None
    quota: Quota | None = None
    assign: list[Assignment] | None = None
    to: Slug | None = None
    when: When
    note: str | None = None

    @model_validator(mode="after")
    def _who(self) -> Duty:
        if (self.who is None) == (self.assign is None):
            raise ValueError("ghi người thực hiện bằng who (và quota) hoặc bằng assign, không cả hai")
        if self.assign is not None and self.quota is not None:
            raise ValueError("khi dùng assign, ghi quota trong từng mục assign")
        return self

    def assignments(self) -> list[Assignment]:
        return self.assign if self.assign is not None else [Assignment(who=self.who or [], quota=self.quota)]


class SubPlans(Strict):
    """"Trên cơ sở Kế hoạch này, các … xây dựng kế hoạch": who must issue an implementing plan."""

    who: list[Selector]
    days: int | None = Field(default=None, ge=1)
    what: str = "Xây dựng và ban hành kế hoạch triển khai thực hiện"
    to: Slug | None = None


class Theme(Strict):
    months: list[int] | Literal["all"]
    year: int | None = None
    title: str
    content: str | None = None
    anniversaries: list[Slug] = []

    @field_validator("months")
    @classmethod
    def _months(cls, v: list[int] | str) -> list[int] | str:
        if isinstance(v, list) and (not v or any(not 1 <= m <= 12 for m in v)):
            raise ValueError("months gồm các tháng từ 1 đến 12, hoặc all cho cả năm")
        return v


class Observance(Strict):
    """An anniversary the plan focuses on (a peak of propaganda), every year of the period or given years."""

    anniversary: Slug
    years: list[int] | None = None
    peak: bool = True
    note: str | None = None


class LocalAnniversary(Strict):
    key: Slug
    name: str
    date: VnDate | None = None
    lunar: bool = False
    month: int | None = None
    day: int | None = None
    missing_day: Literal["last", "error"] = "last"

    @model_validator(mode="after")
    def _date(self) -> LocalAnniversary:
        if self.lunar:
            if self.month is None or self.day is None or self.date is not None:
                raise ValueError("ngày âm lịch ghi bằng month và day (không dùng date)")
        elif self.date is None:
            raise ValueError("cần date: ngày của sự kiện gốc, ví dụ 13/05/1955")
        return self


class Preparation(Strict):
    id: Slug
    what: str
    who: list[Selector]
    to: Slug | None = None
    days_before: int = Field(ge=0)


class Pilot(Strict):
    unit: Slug
    within: Window | None = None


class Delegates(Strict):
    max: int | None = Field(default=None, ge=1)
    exemplars_pct: int | None = Field(default=None, ge=0, le=100)
    guests_pct: int | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _sum(self) -> Delegates:
        if self.exemplars_pct is not None and self.guests_pct is not None and \
                self.exemplars_pct + self.guests_pct != 100:
            raise ValueError("tỉ lệ đại biểu điển hình và khách mời phải cộng lại 100%")
        return self


class Presidium(Strict):
    max: int = Field(ge=1)
    exemplar_share: str | None = None


class Conference(Strict):
    id: Slug
    title: str
    level: str
    held_by: list[Selector]
    within: Window
    on: VnDate | None = None
    start: time | None = None
    duration: Literal["half_day", "full_day"] | int | None = "half_day"
    note: str | None = None
    pilot: Pilot | None = None
    delegates: Delegates | None = None
    presidium: Presidium | None = None
    agenda: list[str] = []
    name: str | None = None
    attendees: list[Selector] = []
    venue: str | None = None
    preparation: list[Preparation] = []

    @model_validator(mode="after")
    def _dates(self) -> Conference:
        if self.on is not None and not self.within.start <= self.on <= self.within.end:
            raise ValueError(f"ngày họp {self.on:%d/%m/%Y} nằm ngoài khoảng {self.within.label}")
        if self.start is not None and self.on is None:
            raise ValueError("giờ bắt đầu (start) cần ngày họp (on)")
        return self


class ReportDeadline(Strict):
    who: list[Selector]
    day: int = Field(ge=1, le=31)
    month: Literal["cutoff", "next"] = "cutoff"


class Report(Strict):
    """Periodic reports under Decree 09/2019/NĐ-CP: data cut-off 14/6 (6 months), 14/12 (year)."""

    id: Slug
    what: str
    cycles: list[Literal["monthly", "quarterly", "semiannual", "annual"]] = ["semiannual", "annual"]
    cutoff: Literal["decree-09", "calendar"] = "decree-09"
    to: Slug
    deadlines: list[ReportDeadline]
    consolidate: ReportDeadline | None = None
    consolidate_to: Slug | None = None


class Defaults(Strict):
    shift: Shift = "next"
    sub_plan_days: int = Field(default=30, ge=1)


class DayOverrides(Strict):
    extra_off: list[VnDate] = []
    extra_work: list[VnDate] = []


def _plan_period(value: Any) -> Any:
    if isinstance(value, int):
        return {"from": date(value, 1, 1), "to": date(value, 12, 31)}
    if isinstance(value, str) and "-" in value and value.replace("-", "").replace(" ", "").isdigit():
        a, b = (int(p) for p in value.split("-"))
        return {"from": date(a, 1, 1), "to": date(b, 12, 31)}
    return value


class PlanPeriod(Strict):
    from_: VnDate | Literal["issue"] = Field(alias="from")
    to: VnDate


class Plan(Strict):
    id: Slug
    number: str | None = None
    issuer: Slug
    place: str
    issued: VnDate
    amended: VnDate | None = None
    title: str
    basis: list[str] = []
    period: Annotated[PlanPeriod, BeforeValidator(_plan_period)]
    standing_agency: Slug
    scope: Slug | None = None
    recipients: list[Selector]
    parent: Slug | None = None
    units: list[str] = []
    defaults: Defaults = Defaults()
    holidays: DayOverrides = DayOverrides()
    anniversaries: list[LocalAnniversary] = []
    observances: list[Observance] = []
    sub_plans: SubPlans | None = None
    duties: list[Duty] = []
    themes: list[Theme] = []
    conferences: list[Conference] = []
    reports: list[Report] = []

    @property
    def start(self) -> date:
        return self.issued if isinstance(self.period.from_, str) else self.period.from_

    @property
    def end(self) -> date:
        return self.period.to

    @property
    def revision_date(self) -> date:
        return self.amended or self.issued

    @property
    def display_number(self) -> str:
        """How documents cite the plan: "Kế hoạch số 227/KH-UBND ngày 31/10/2024"."""
        number = f" số {self.number}" if self.number else ""
        return f"Kế hoạch{number} ngày {self.issued:%d/%m/%Y}"

    @model_validator(mode="after")
    def _consistency(self) -> Plan:
        if self.end < self.start:
            raise ValueError(f"thời gian kế hoạch kết thúc ({self.end:%d/%m/%Y}) trước khi bắt đầu ({self.start:%d/%m/%Y})")
        if self.amended is not None and self.amended < self.issued:
            raise ValueError("ngày sửa đổi (amended) trước ngày ban hành (issued)")
        ids = [d.id for d in self.duties] + [c.id for c in self.conferences] + [r.id for r in self.reports]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"mã nhiệm vụ bị trùng: {', '.join(dupes)}")
        return self
