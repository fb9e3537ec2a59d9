"""The plan format: one YAML file per plan (kế hoạch), validated strictly with pydantic.

Unknown keys, wrong types and impossible dates are errors. See ``docs/plan-format.md`` for the
reference with examples; the five source plans are encoded under ``plans/``.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from plancal.units.directory import ID_RE, MAX_ID, MAX_KIND
from plancal.vn.dates import parse_date
from plancal.vn.periods import MONTHS_IN, Period, date_range, parse_window

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
Frequency = Literal["month", "quarter", "half", "year", "school_year"]


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
    #: units of that kind left out ("các xã, trừ xã A"): unit ids
    except_: Annotated[list[Slug], Field(max_length=MAX_ITEMS, alias="except")] = []


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
        # "từ ngày 10/8 đến ngày 25/8/2023": a start without its year borrows the end's
        return date_range(value["from"], value["to"])
    return value


Window = Annotated[Period, BeforeValidator(_window), AfterValidator(_period_in_range)]


def _one_or_list(value: Any) -> Any:
    return [value] if isinstance(value, dict) else [] if value is None else value


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
    set_by: SetBy | None = None
    #: "dự kiến": a date the plan gives as provisional; titles say "(dự kiến)"
    tentative: bool = False

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
        if self.day == 0:
            raise ValueError("day không thể là 0; dùng -1 cho ngày cuối tháng")
        if self.months and any(not 1 <= m <= 12 for m in self.months):
            raise ValueError("months chỉ gồm các tháng từ 1 đến 12")
        return self

    @field_validator("month")
    @classmethod
    def _month(cls, value: str | int | None, info: ValidationInfo) -> str | int | None:
        # a field validator, so that the error names when.month and its line
        every = info.data.get("every")
        if isinstance(value, int) and not 1 <= value <= 12:
            raise ValueError("month phải là first, last, next hoặc một số từ 1 đến 12")
        if isinstance(value, int) and every in MONTHS_IN and value > MONTHS_IN[every]:
            raise ValueError(f"month: {value} không có trong một kỳ {every} "
                             f"(chỉ có {MONTHS_IN[every]} tháng); dùng first, last hoặc số nhỏ hơn")
        return value

    @property
    def date_set_by(self) -> str:
        """Who set the date: as written, else the plan — except a follow-up with no stated delay ("Văn phòng
        tổng hợp, trình …": ``after`` without ``days``), whose same-day date is the standing agency's."""
        if self.set_by is not None:
            return self.set_by
        return "agency" if self.after is not None and self.days is None else "plan"


Selectors = Annotated[list[Selector], Field(max_length=MAX_ITEMS)]


def _recipients(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


#: ``to:``: one unit id, or a list of them ("gửi Ban TĐKT tỉnh và Sở Nội vụ")
Recipients = Annotated[list[Slug], BeforeValidator(_recipients), Field(min_length=1, max_length=MAX_ITEMS)]
Excluded = Annotated[list[Slug], Field(max_length=MAX_ITEMS, alias="except")]


class Assignment(Strict):
    who: Selectors
    quota: Quota | None = None
    except_: Excluded = []


class Duty(Strict):
    id: Slug
    what: Text
    who: Selectors | None = None
    quota: Quota | None = None
    assign: Annotated[list[Assignment], Field(max_length=MAX_ITEMS)] | None = None
    #: units left out of ``who`` ("các sở, ngành, trừ Sở Nội vụ")
    except_: Excluded = []
    to: Recipients | None = None
    when: When
    note: Text | None = None
    #: alternative deliverables, either of which closes the duty ("giới thiệu 01 điển hình hoặc gửi văn bản
    #: báo cáo không có điển hình"); a submission records which
    either: Annotated[list[Text], Field(min_length=2, max_length=10)] | None = None
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

    @property
    def recipients(self) -> list[str]:
        return list(self.to or [])

    @property
    def title(self) -> str:
        """The duty's words, with its alternatives: "Giới thiệu điển hình: 01 gương điển hình hoặc văn bản
        báo cáo không có điển hình"."""
        return f"{self.what}: {' hoặc '.join(self.either)}" if self.either else self.what


class SubPlans(Strict):
    """"Trên cơ sở Kế hoạch này, các … xây dựng kế hoạch": who must issue an implementing plan."""

    who: Selectors
    except_: Excluded = []
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    what: Text = "Xây dựng và ban hành kế hoạch triển khai thực hiện"
    to: Slug | None = None
    source: Source | None = None
    #: who set ``days``: by default the plan when ``days`` is written here, the agency when it comes from
    #: ``defaults.sub_plan_days``
    set_by: SetBy | None = None
    request: bool | list[Selector] | None = None


PLACEHOLDER = re.compile(r"\{([^{}\n]{1,60})\}")
"""``{…}`` in a theme's words."""
#: placeholders relative to the theme's month: months from it (None: its year)
MONTH_PLACEHOLDERS: dict[str, int | None] = {
    "tháng": 0, "month": 0, "tháng trước": -1, "previous-month": -1, "tháng sau": 1, "next-month": 1,
    "năm": None, "year": None,
}


class Theme(Strict):
    months: Annotated[list[int], Field(max_length=12)] | Literal["all"]
    year: Year | None = None
    title: Text
    content: Text | None = None
    anniversaries: Annotated[list[Slug], Field(max_length=MAX_ITEMS)] = []
    source: Source | None = None

    @property
    def monthly(self) -> bool:
        """Words that name the month ("kết quả tháng {tháng trước}, nhiệm vụ tháng {tháng}"): one theme per month."""
        return any(m.group(1).strip() in MONTH_PLACEHOLDERS and MONTH_PLACEHOLDERS[m.group(1).strip()] is not None
                   for text in (self.title, self.content or "") for m in PLACEHOLDER.finditer(text))

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
    #: a local day with the key of a national one replaces it only when the plan says so
    override: bool = False

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
    #: the first day it may be held, when later than the window's start ("từ ngày 10/8")
    opens: VnDate | None = None
    #: the holding date, when the plan fixes one: the event's day; the deadline stays the window's end
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
    #: "dự kiến tổ chức …": the date or window is provisional
    tentative: bool = False

    @model_validator(mode="after")
    def _dates(self) -> Conference:
        if self.on is not None and not self.within.start <= self.on <= self.within.end:
            raise ValueError(f"ngày họp {self.on:%d/%m/%Y} nằm ngoài khoảng {self.within.label}")
        if self.start is not None and self.on is None:
            raise ValueError("giờ bắt đầu (start) cần ngày họp (on)")
        if self.opens is not None and not self.within.start <= self.opens <= self.within.end:
            raise ValueError(f"ngày bắt đầu tổ chức (opens) {self.opens:%d/%m/%Y} nằm ngoài khoảng {self.within.label}")
        if self.opens is not None and self.on is not None and self.on < self.opens:
            raise ValueError(f"ngày họp {self.on:%d/%m/%Y} trước ngày bắt đầu tổ chức (opens) {self.opens:%d/%m/%Y}")
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
    tentative: bool = False

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
    """``2021``; ``"2022-2025"`` (calendar years); ``"năm học 2024-2025"`` or ``{school_year: 2024-2025}``
    (1/9/2024 - 31/8/2025); ``{from: issue, to: null}`` (no end: a standing letter). Two consecutive years
    written bare ("2024-2025") are ambiguous and must say which: "năm 2024-2025" or "năm học 2024-2025"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"from": date(_year(value), 1, 1), "to": date(value, 12, 31)}
    if isinstance(value, dict) and set(value) == {"school_year"}:
        value = f"năm học {value['school_year']}"
    if isinstance(value, str):
        text = " ".join(value.strip().lower().split())
        if text.startswith("năm học"):
            sy = parse_window(text)
            _year(sy.start.year), _year(sy.end.year)
            return {"from": sy.start, "to": sy.end}
        calendar = text.startswith("năm ")
        text = text.removeprefix("năm ").strip()
        if text.count("-") == 1 and text.replace("-", "").replace(" ", "").isdigit():
            parts = text.split("-")
            if all(p.strip() for p in parts):
                a, b = (_year(int(p)) for p in parts)
                if b == a + 1 and not calendar:
                    raise ValueError(f"'{value}' có thể là hai năm dương lịch ({a} và {b}) hoặc một năm học "
                                     f"(1/9/{a} - 31/8/{b}); ghi rõ 'năm {a}-{b}' hoặc 'năm học {a}-{b}'")
                return {"from": date(a, 1, 1), "to": date(b, 12, 31)}
    return value


DEFAULT_HORIZON_YEARS = 2
"""An open-ended plan (``to: null``) is expanded this many years past its issue date, unless the caller
passes its own horizon."""


def horizon(start: date, years: int = DEFAULT_HORIZON_YEARS) -> date:
    """The last day expanded for an open-ended plan: ``years`` after ``start``, the day before."""
    try:
        return start.replace(year=start.year + years) - timedelta(days=1)
    except ValueError:  # 29/02
        return date(start.year + years, 2, 28)


class PlanPeriod(Strict):
    from_: VnDate | Literal["issue"] = Field(alias="from")
    #: null: no end ("định kỳ hàng quý" in a standing letter), expanded to a horizon
    to: VnDate | None


DOCUMENT_TYPES = ("kế hoạch", "công văn", "hướng dẫn", "thông báo", "quyết định", "chỉ thị")
"""Kinds of document a plan file may encode (loại văn bản)."""
DocumentType = Literal["kế hoạch", "công văn", "hướng dẫn", "thông báo", "quyết định", "chỉ thị"]
UNKNOWN_ISSUE_DATE = "chưa rõ ngày ban hành"


def document_label(doc_type: str, number: str | None, issued: date, issued_known: bool = True) -> str:
    """The document as offices cite it: "Kế hoạch số 227/KH-UBND ngày 31/10/2024", "Công văn ngày 05/06/2019"
    (no number), "Hướng dẫn số 12/HD-SNV (chưa rõ ngày ban hành)" (an issue date the file only assumes)."""
    word = doc_type[:1].upper() + doc_type[1:]
    head = f"{word} số {number}" if number else word
    when = f"ngày {issued:%d/%m/%Y}" if issued_known else f"({UNKNOWN_ISSUE_DATE})"
    return f"{head} {when}"


def _plan_data(data: Any) -> Any:
    """``issued: {assumed: 01/03/2021}``: the document's date is unknown; the assumed one is used to compute."""
    if isinstance(data, dict) and isinstance(data.get("issued"), dict):
        if set(data["issued"]) != {"assumed"}:
            raise ValueError("ngày ban hành chưa rõ ghi dạng issued: {assumed: 01/03/2021} (ngày giả định để tính)")
        data = {**data, "issued": data["issued"]["assumed"], "issued_known": False}
    elif isinstance(data, dict) and "issued_known" in data:
        raise ValueError("khóa 'issued_known' không dùng trực tiếp; ghi issued: {assumed: 01/03/2021}")
    return data


class Plan(Strict):
    id: Slug
    #: loại văn bản: kế hoạch (default), công văn, hướng dẫn, thông báo, quyết định, chỉ thị
    type: DocumentType = "kế hoạch"
    number: Annotated[str, Field(min_length=1, max_length=MAX_NUMBER)] | None = None
    issuer: Slug
    place: Text
    issued: VnDate
    #: false when the document's date is unknown (``issued: {assumed: …}``): dates are computed from the
    #: assumed one and the document is cited "(chưa rõ ngày ban hành)"
    issued_known: bool = True
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
    #: one request, or a list of them, each with its own who/what/days ("các xã xây dựng kế hoạch triển khai
    #: …; các phòng xây dựng kế hoạch tuyên truyền")
    sub_plans: Annotated[list[SubPlans], BeforeValidator(_one_or_list), Field(max_length=MAX_ITEMS)] = []
    duties: Annotated[list[Duty], Field(max_length=MAX_DUTIES)] = []
    themes: Annotated[list[Theme], Field(max_length=MAX_ITEMS)] = []
    conferences: Annotated[list[Conference], Field(max_length=MAX_ITEMS)] = []
    reports: Annotated[list[Report], Field(max_length=MAX_ITEMS)] = []
    #: the fields (lĩnh vực) an exemplar of this plan is registered under (plancal exemplars)
    exemplar_fields: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]],
                               Field(max_length=MAX_ITEMS)] = []
    milestones: Annotated[list[Milestone], Field(max_length=MAX_ITEMS)] = []

    @property
    def start(self) -> date:
        return self.issued if isinstance(self.period.from_, str) else self.period.from_

    @property
    def end(self) -> date:
        """The last day of the period; for an open-ended plan the default horizon (``expand`` may pass
        another)."""
        return self.period.to if self.period.to is not None else horizon(self.start)

    @property
    def revision_date(self) -> date:
        return self.amended or self.issued

    @property
    def display_number(self) -> str:
        return document_label(self.type, self.number, self.issued, self.issued_known)

    @property
    def open_ended(self) -> bool:
        """A standing letter's recurring duty with no end ("định kỳ hàng quý"): ``period: {from: issue, to: null}``."""
        return self.period.to is None

    @model_validator(mode="before")
    @classmethod
    def _raw(cls, data: Any) -> Any:
        return _plan_data(data)

    @model_validator(mode="after")
    def _consistency(self) -> Plan:
        if self.end < self.start:
            raise ValueError(f"thời gian kế hoạch kết thúc ({self.end:%d/%m/%Y}) trước khi bắt đầu ({self.start:%d/%m/%Y})")
        if self.amended is not None and self.amended < self.issued:
            raise ValueError("ngày sửa đổi (amended) trước ngày ban hành (issued)")
        if self.end.year - self.start.year >= MAX_YEARS:
            raise ValueError(f"thời gian kế hoạch dài quá {MAX_YEARS} năm "
                             f"({self.start:%d/%m/%Y} - {self.end:%d/%m/%Y})")
        twice = sorted({f for f in self.exemplar_fields if self.exemplar_fields.count(f) > 1})
        if twice:
            raise ValueError(f"lĩnh vực điển hình '{twice[0]}' ghi hai lần trong exemplar_fields")
        # duplicate ids (duties, conferences, reports share one namespace) are reported with both
        # lines by plancal.plans.loading
        return self
