"""The plan format: one YAML file per plan (kế hoạch), validated strictly with pydantic.

Unknown keys, wrong types and impossible dates are errors. See ``docs/plan-format.md`` for the
reference with examples; the five source plans are encoded under ``plans/``.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from plancal.units.directory import ID_RE, MAX_ID, MAX_KIND
from plancal.vn.dates import parse_date
from plancal.vn.periods import MONTHS_IN, Period, parse_window, span

# Limits (docs/limits.md). Years: the range the lunar calendar is known for (lunar-vn: 1899-2100),
# so every date a plan can produce stays computable; day counts and spans keep them inside it.
FIRST_YEAR, LAST_YEAR = 1900, 2090
MAX_YEARS = 30
"""A plan period spans at most this many years."""
MAX_DAYS = 3660
"""Day counts (days_after_issue, after … days, days_before, sub-plan days): at most ten years."""
MAX_NUMBER = 80
"""Characters in a plan number ("12/KH-UBND"): the plans.number column."""
MAX_TEXT = 5000
"""Characters in a title, a task, a note."""
MAX_DUTIES = 2000
MAX_ITEMS = 500
"""Entries in any other list of a plan (conferences, reports, themes, recipients, basis …)."""
MAX_COUNT = 1_000_000
"""Quotas, delegates, minutes."""


def _year_in_range(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"năm {value.year} nằm ngoài khoảng plancal tính được ({FIRST_YEAR}-{LAST_YEAR})")
    return value


def _period_in_range(value: Period) -> Period:
    _year_in_range(value.start)
    _year_in_range(value.end)
    return value


def _vn_date(value: Any) -> date:
    return parse_date(value)


AnyDate = Annotated[date, BeforeValidator(_vn_date)]
"""A date of the past (a founding event): any year."""
VnDate = Annotated[date, BeforeValidator(_vn_date), AfterValidator(_year_in_range)]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
Days = Annotated[int, Field(ge=0, le=MAX_DAYS)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Shift = Literal["next", "previous", "none"]
#: Civil Code 2015 art. 148(5): a limit on a day off ends at the end of the next working day
Grace = Literal["civil-code-148", "none"]
#: who set a date: the plan's text, or the standing agency when it deploys the plan
SetBy = Literal["plan", "agency"]
Frequency = Literal["month", "quarter", "half", "year"]


def _slug(value: str) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise ValueError(f"mã '{str(value)[:100]}' không hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch ngang")
    if len(value) > MAX_ID:
        raise ValueError(f"mã '{value[:40]}…' dài {len(value)} ký tự, quá giới hạn {MAX_ID}")
    return value


Slug = Annotated[str, BeforeValidator(_slug)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(Strict):
    """Where an item comes from in the source document (set by ``plancal draft``): section and line."""

    section: str | None = None
    line: int | None = Field(default=None, ge=1)


class KindSelector(Strict):
    """Every unit of a kind under a given unit: {kind: commune, under: huyen-x}. Without ``under`` the
    plan's ``scope`` applies (default: the issuer), so "every commune" never reaches another province."""

    kind: Annotated[str, Field(min_length=1, max_length=MAX_KIND)]
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


Window = Annotated[Period, BeforeValidator(_window), AfterValidator(_period_in_range)]


class Quota(Strict):
    """"2 bài/tháng", "5-7 điển hình/năm", "ít nhất 15 điển hình/năm toàn tỉnh"."""

    min: Count | None = None
    max: Count | None = None
    unit: Annotated[str, Field(min_length=1, max_length=100)]
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
    ``shift`` overrides the plan's rule for the aim when the limit falls on a day off: ``previous``
    (default: the last working day before it, inside the period), ``none`` (the date itself: an event's
    day), ``next`` (read as ``grace: civil-code-148``: aim before, legal limit the next working day).
    ``grace: civil-code-148`` where the plan invokes Civil Code art. 148(5) for this limit.
    ``before: true`` also works with ``on``: "trước ngày 15/05/2025" → the last day allowed is 14/05.
    ``set_by``: who set the date (default ``plan``); ``agency`` for a date the plan does not state.
    """

    on: VnDate | None = None
    within: Window | None = None
    ongoing: Literal[True] | None = None
    days_after_issue: Days | None = None
    every: Frequency | None = None
    day: int | None = Field(default=None, ge=-31, le=31)
    month: Literal["first", "last", "next"] | int | None = None
    before: bool = False
    months: Annotated[list[int], Field(max_length=12)] | None = None
    from_: VnDate | None = Field(default=None, alias="from")
    until: VnDate | None = None
    after: Slug | None = None
    days: Annotated[int, Field(ge=-MAX_DAYS, le=MAX_DAYS)] | None = None
    shift: Shift | None = None
    grace: Grace | None = None
    set_by: SetBy = "plan"

    @model_validator(mode="after")
    def _one_mode(self) -> When:
        modes = [name for name in ("on", "within", "ongoing", "days_after_issue", "every", "after")
                 if getattr(self, name) is not None]
        if len(modes) != 1:
            raise ValueError(
                "cần đúng một cách ghi thời hạn (on, within, ongoing, days_after_issue, every hoặc after), "
                f"đang có: {', '.join(modes) or 'không có'}")
        if self.every is None and (self.day is not None or self.month is not None or self.months):
            raise ValueError("day, month và months chỉ dùng cùng every")
        if self.before and self.every is None and self.on is None:
            raise ValueError("before chỉ dùng cùng every hoặc on")
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
        if isinstance(self.month, int) and self.every is not None and self.month > MONTHS_IN[self.every]:
            raise ValueError(f"month: {self.month} không có trong một kỳ {self.every} "
                             f"(chỉ có {MONTHS_IN[self.every]} tháng); dùng first, last hoặc số nhỏ hơn")
        return self


Selectors = Annotated[list[Selector], Field(max_length=MAX_ITEMS)]


class Assignment(Strict):
    who: Selectors
    quota: Quota | None = None


class Duty(Strict):
    id: Slug
    what: Text
    who: Selectors | None = None
    quota: Quota | None = None
    assign: Annotated[list[Assignment], Field(max_length=MAX_ITEMS)] | None = None
    to: Slug | None = None
    when: When
    note: Text | None = None
    source: Source | None = None
    #: "đề nghị": asked of a body outside the issuer's hierarchy (tracked, never late): ``true`` for every
    #: unit of the duty, or the selectors of the requested ones; derived from the unit directory when omitted
    request: bool | list[Selector] | None = None

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

    who: Selectors
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    what: Text = "Xây dựng và ban hành kế hoạch triển khai thực hiện"
    to: Slug | None = None
    source: Source | None = None
    #: who set ``days``: by default the plan when ``days`` is written here, the agency when it comes from
    #: ``defaults.sub_plan_days``
    set_by: SetBy | None = None
    request: bool | list[Selector] | None = None


class Theme(Strict):
    months: Annotated[list[int], Field(max_length=12)] | Literal["all"]
    year: Year | None = None
    title: Text
    content: Text | None = None
    anniversaries: Annotated[list[Slug], Field(max_length=MAX_ITEMS)] = []
    source: Source | None = None

    @field_validator("months")
    @classmethod
    def _months(cls, v: list[int] | str) -> list[int] | str:
        if isinstance(v, list) and (not v or any(not 1 <= m <= 12 for m in v)):
            raise ValueError("months gồm các tháng từ 1 đến 12, hoặc all cho cả năm")
        return v


class Observance(Strict):
    """An anniversary the plan focuses on (a peak of propaganda), every year of the period or given years."""

    anniversary: Slug
    years: Annotated[list[Year], Field(max_length=MAX_YEARS + 1)] | None = None
    peak: bool = True
    note: Text | None = None


class LocalAnniversary(Strict):
    key: Slug
    name: Text
    date: AnyDate | None = None
    lunar: bool = False
    month: Annotated[int, Field(ge=1, le=12)] | None = None
    day: Annotated[int, Field(ge=1, le=30)] | None = None
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
    what: Text
    who: Selectors
    to: Slug | None = None
    days_before: Days
    #: preparation offsets are the standing agency's choice unless the plan states them
    set_by: SetBy = "agency"


class Pilot(Strict):
    unit: Slug
    within: Window | None = None


class Delegates(Strict):
    max: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = None
    exemplars_pct: int | None = Field(default=None, ge=0, le=100)
    guests_pct: int | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _sum(self) -> Delegates:
        if self.exemplars_pct is not None and self.guests_pct is not None and \
                self.exemplars_pct + self.guests_pct != 100:
            raise ValueError("tỉ lệ đại biểu điển hình và khách mời phải cộng lại 100%")
        return self


class Presidium(Strict):
    max: Annotated[int, Field(ge=1, le=MAX_COUNT)]
    exemplar_share: Text | None = None


class Conference(Strict):
    id: Slug
    title: Text
    level: Text
    held_by: Selectors
    within: Window
    on: VnDate | None = None
    start: time | None = None
    duration: Literal["half_day", "full_day"] | Annotated[int, Field(ge=1, le=7 * 24 * 60)] | None = "half_day"
    note: Text | None = None
    pilot: Pilot | None = None
    delegates: Delegates | None = None
    presidium: Presidium | None = None
    agenda: Annotated[list[Text], Field(max_length=MAX_ITEMS)] = []
    name: Text | None = None
    attendees: Selectors = []
    venue: Text | None = None
    preparation: Annotated[list[Preparation], Field(max_length=MAX_ITEMS)] = []
    source: Source | None = None

    @model_validator(mode="after")
    def _dates(self) -> Conference:
        if self.on is not None and not self.within.start <= self.on <= self.within.end:
            raise ValueError(f"ngày họp {self.on:%d/%m/%Y} nằm ngoài khoảng {self.within.label}")
        if self.start is not None and self.on is None:
            raise ValueError("giờ bắt đầu (start) cần ngày họp (on)")
        return self


class ReportDeadline(Strict):
    who: Selectors
    day: int = Field(ge=1, le=31)
    month: Literal["cutoff", "next"] = "cutoff"
    set_by: SetBy = "plan"
    request: bool | list[Selector] | None = None


class Milestone(Strict):
    """An event the plan refers to but does not hold ("hướng tới Đại hội … toàn quốc lần thứ XI"): shown to
    the plan's units, never owed by anyone, never late."""

    id: Slug
    what: str
    on: VnDate | None = None
    within: Window | None = None
    held_by: str | None = None  # free text or a unit id: who holds it
    note: str | None = None

    @model_validator(mode="after")
    def _when(self) -> Milestone:
        if (self.on is None) == (self.within is None):
            raise ValueError("mốc sự kiện cần đúng một trong on (ngày) hoặc within (khoảng thời gian)")
        return self


class Report(Strict):
    """Periodic reports under Decree 09/2019/NĐ-CP: data cut-off 14/6 (6 months), 14/12 (year)."""

    id: Slug
    what: Text
    cycles: Annotated[list[Literal["monthly", "quarterly", "semiannual", "annual"]], Field(max_length=4)] = \
        ["semiannual", "annual"]
    cutoff: Literal["decree-09", "calendar"] = "decree-09"
    to: Slug
    deadlines: Annotated[list[ReportDeadline], Field(max_length=MAX_ITEMS)]
    consolidate: ReportDeadline | None = None
    consolidate_to: Slug | None = None
    source: Source | None = None


class Defaults(Strict):
    shift: Shift = "previous"
    grace: Grace = "none"
    sub_plan_days: int = Field(default=30, ge=1, le=MAX_DAYS)


class DayOverrides(Strict):
    extra_off: Annotated[list[VnDate], Field(max_length=MAX_ITEMS)] = []
    extra_work: Annotated[list[VnDate], Field(max_length=MAX_ITEMS)] = []


def _year(value: int) -> int:
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValueError(f"năm {value} nằm ngoài khoảng plancal tính được ({FIRST_YEAR}-{LAST_YEAR})")
    return value


def _plan_period(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return {"from": date(_year(value), 1, 1), "to": date(value, 12, 31)}
    if isinstance(value, str) and value.count("-") == 1 and value.replace("-", "").replace(" ", "").isdigit():
        parts = value.split("-")
        if all(p.strip() for p in parts):
            a, b = (_year(int(p)) for p in parts)
            return {"from": date(a, 1, 1), "to": date(b, 12, 31)}
    return value


class PlanPeriod(Strict):
    from_: VnDate | Literal["issue"] = Field(alias="from")
    to: VnDate


class Plan(Strict):
    id: Slug
    number: Annotated[str, Field(min_length=1, max_length=MAX_NUMBER)] | None = None
    issuer: Slug
    place: Text
    issued: VnDate
    amended: VnDate | None = None
    title: Text
    basis: Annotated[list[Text], Field(max_length=MAX_ITEMS)] = []
    period: Annotated[PlanPeriod, BeforeValidator(_plan_period)]
    standing_agency: Slug
    scope: Slug | None = None
    #: bodies the plan requests ("đề nghị") rather than assigns, wherever they are named
    requested: Selectors = []
    recipients: Selectors
    parent: Slug | None = None
    units: Annotated[list[Annotated[str, Field(min_length=1, max_length=1000)]], Field(max_length=100)] = []
    defaults: Defaults = Defaults()
    holidays: DayOverrides = DayOverrides()
    anniversaries: Annotated[list[LocalAnniversary], Field(max_length=MAX_ITEMS)] = []
    observances: Annotated[list[Observance], Field(max_length=MAX_ITEMS)] = []
    sub_plans: SubPlans | None = None
    duties: Annotated[list[Duty], Field(max_length=MAX_DUTIES)] = []
    themes: Annotated[list[Theme], Field(max_length=MAX_ITEMS)] = []
    conferences: Annotated[list[Conference], Field(max_length=MAX_ITEMS)] = []
    reports: Annotated[list[Report], Field(max_length=MAX_ITEMS)] = []
    milestones: Annotated[list[Milestone], Field(max_length=MAX_ITEMS)] = []

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
        if self.end.year - self.start.year >= MAX_YEARS:
            raise ValueError(f"thời gian kế hoạch dài quá {MAX_YEARS} năm "
                             f"({self.start:%d/%m/%Y} - {self.end:%d/%m/%Y})")
        # duplicate ids (duties, conferences, reports share one namespace) are reported with both
        # lines by plancal.plans.loading
        return self
