"""Calendar feeds: what each unit, each plan and the public subscribe to, written as .ics files.

Layout under ``settings.calendar_dir`` (served as is by nginx in production, or by
:mod:`plancal.feeds.server`)::

    u/<token>.ics         one per unit; the token (192 random bits) is the only secret
    plans/<plan-id>.ics   one per plan: every occurrence of every unit
    public.ics            themes and anniversaries of every plan

An event's bytes depend only on its occurrence row and the names it mentions, and its timestamps
(DTSTAMP, LAST-MODIFIED) come from the row's ``modified_at``: the same data always gives the same
files. Each event is serialized once and its bytes are reused by every feed that carries it (a
theme reaches thousands of unit feeds); a feed file is rewritten only when its digest changed, and
always by writing a temporary file in the same folder and renaming it over the old one.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, TimezoneStandard, vDuration

from plancal.errors import FeedError, Problem
from plancal.feeds.names import PRODID, PUBLIC, event_uid, plan_feed_name, unit_feed_name
from plancal.schedule.occurrence import ACTIONABLE, KINDS
from plancal.settings import Settings
from plancal.store import OccurrenceFacts, OccurrenceRow, PlanRow, UnitRow, UnitToken
from plancal.tracking.status import DATE_SOURCE_LABEL, KIND_LABEL
from plancal.vn.dates import short

#: a row as feeds read it: the ORM object or the plain columns (:meth:`Store.occurrence_facts`)
Row = OccurrenceRow | OccurrenceFacts

#: a unit as feeds read it: the ORM object or its id, name and token (:meth:`Store.unit_tokens`)
FeedUnit = UnitRow | UnitToken

#: how often clients should fetch again (Google ignores it and refreshes every 8-24 h)
REFRESH = timedelta(hours=6)


INFORMATIONAL = ("theme", "anniversary")


#: shown once, on the first day of their span (inside the plan's period), rather than on a due day:
#: a month's or a year's theme, a standing duty ("thường xuyên") at the start of the plan
SPANNING = ("theme", "ongoing")


#: a deadline's reminder fires at 09:00 the day before (all-day events start at local midnight)
ALARM_BEFORE_DEADLINE = timedelta(hours=15)


ALARM_BEFORE_SESSION = timedelta(hours=1)


_END = b"END:VCALENDAR\r\n"


_BEGIN_EVENT = b"BEGIN:VEVENT\r\n"


_END_EVENT = b"END:VEVENT\r\n"


def _utc(value: datetime) -> datetime:
    """The store keeps instants as naive UTC."""
    return value.replace(tzinfo=UTC)


def deadline_text(stated: date, effective: date, date_source: str = "plan") -> str:
    """The aim and who set the date: "23/04/2021 (hạn cuối 24/04/2021 là ngày nghỉ; theo kế hoạch)" or
    "18/07/2021 (do cơ quan thường trực ấn định)"."""
    source = DATE_SOURCE_LABEL.get(date_source, date_source)
    if stated == effective:
        return f"{short(effective)} ({source})"
    return f"{short(effective)} (hạn cuối {short(stated)} là ngày nghỉ; {source})"


def _shorten(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-– ") + "…"


def fold(line: bytes, limit: int = 75) -> bytes:
    """Fold one content line (UTF-8, no CRLF) exactly as icalendar 7 does, working on bytes.

    icalendar adds characters while a physical line stays under ``limit`` octets (74 bytes of
    content; a continuation line is a space plus 74 bytes), never splits a UTF-8 sequence and keeps a
    backslash or caret together with the character it escapes. Per character in Python that is the
    slowest part of writing a feed; here it is a few operations per physical line."""
    size = len(line)
    if size < limit:
        return line
    out: list[bytes] = []
    start = 0
    room = limit - 1
    while size - start > room:
        end = start + room
        while line[end] & 0xC0 == 0x80:  # inside a multi-byte character: cut before it
            end -= 1
        # icalendar keeps an escape with what follows (both are ASCII: the byte before a character's start
        # is a backslash or caret only if that is the whole last character)
        if line[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        out.append(line[start:end])
        start = end
    out.append(line[start:])
    return b"\r\n ".join(out)


#: RFC 5545 CONTROL characters (and the C1 controls), which no TEXT value may hold: a strict parser
#: rejects the whole feed for one of them. Line breaks stay (icalendar writes them as ``\n``), tabs too.
_CONTROLS = {c: None for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}
_HAS_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]").search


def ical_text(value: str) -> str:
    """Text from the data made fit for a TEXT value: CRLF and CR become a line break, every other
    control character is dropped."""
    # a line break alone is not a reason to translate (isprintable stops at the first one)
    if value.isprintable() or value.replace("\n", " ").isprintable() or not _HAS_CONTROL(value):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)


def text_line(name: str, value: str) -> bytes:
    """A TEXT property without parameters: control characters dropped, escaped as icalendar does, folded by
    :func:`fold`."""
    return _fit_line(name, ical_text(value))


def _fit_line(name: str, value: str) -> bytes:
    """:func:`text_line` of a value that :func:`ical_text` made fit already."""
    return fold(f"{name}:{escape_text(value)}".encode()) + b"\r\n"


def escape_text(value: str) -> str:
    """RFC 5545 TEXT escaping exactly as icalendar 7's ``vText(value).to_ical()`` (its replacements, in
    its order, skipping those that cannot apply), without building a vText and its parameters for every
    line; a test compares both."""
    if "\\" in value:
        value = value.replace(r"\N", "\n").replace("\\", "\\\\")
    if "\r" in value:  # CRLF, then a lone CR, becomes one line break, as icalendar writes them
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace(";", r"\;").replace(",", r"\,").replace("\n", r"\n")


def plan_label(plan: PlanRow) -> str:
    """"Kế hoạch số 227/KH-UBND ngày 31/10/2024", or "Kế hoạch ngày 01/03/2021" for a plan without a number."""
    if plan.number:
        return f"Kế hoạch số {plan.number} ngày {short(plan.issued)}"
    return f"Kế hoạch ngày {short(plan.issued)}"


def cancelled_kept(row: Row, today: date, keep_days: int) -> bool:
    """A cancelled occurrence stays in feeds (struck through) for ``keep_days`` after cancellation."""
    if row.status != "cancelled":
        return True
    return row.cancelled_on is not None and today <= row.cancelled_on + timedelta(days=keep_days)


def timezone_component(tzid: str) -> Timezone:
    """A fixed VTIMEZONE for a zone without daylight saving (Asia/Ho_Chi_Minh has been UTC+7 since 1975).

    Built from the current offset rather than the tz database's history, so the bytes do not change
    with the installed tzdata and every client resolves the same offset."""
    offset = datetime(2000, 1, 1, tzinfo=ZoneInfo(tzid)).utcoffset() or timedelta(0)
    if datetime(2000, 7, 1, tzinfo=ZoneInfo(tzid)).utcoffset() != offset:
        raise FeedError([Problem(f"múi giờ {tzid} có giờ mùa hè; lịch chỉ hỗ trợ múi giờ cố định",
                                 field="timezone", hint="dùng PLANCAL_TIMEZONE=Asia/Ho_Chi_Minh")])
    std = TimezoneStandard()
    std.add("dtstart", datetime(1970, 1, 1))
    std.add("tzoffsetfrom", offset)
    std.add("tzoffsetto", offset)
    hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
    std.add("tzname", f"{'+' if hours >= 0 else '-'}{abs(hours):02d}" + (f"{rest:02d}" if rest else ""))
    tz = Timezone()
    tz.add("tzid", tzid)
    tz.add("x-lic-location", tzid)
    tz.add_component(std)
    return tz


@dataclass(frozen=True)
class RenderedFeed:
    """One feed file: its name relative to the calendar folder and its complete bytes."""

    name: str
    data: bytes
    #: what the feed was made from (see :mod:`plancal.feeds.export`); None when the caller does not know
    marker: str | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class StreamedFeed:
    """One feed file whose bytes are made while they are read (once): ``chunks`` joined are the file."""

    name: str
    chunks: Iterator[bytes]
    marker: str | None = None


def _serialized(*props: tuple[str, object]) -> bytes:
    """Content lines of these properties (adjacent in icalendar's order) as icalendar writes them."""
    comp = Event()
    for name, value in props:
        comp.add(name, value)
    return comp.to_ical()[len(_BEGIN_EVENT):-len(_END_EVENT)]


class EventRenderer:
    """Occurrence row → VEVENT bytes, with caches so that nothing shared is serialized twice.

    Variant ``unit`` is what the responsible unit sees (with one reminder alarm while the item is
    open); variant ``plan`` is for the plan-wide feed, which names the unit in the title and carries
    no alarm. Themes and anniversaries have a single form.
    """

    def __init__(self, unit_names: dict[str, str], plans: dict[str, PlanRow], tzid: str) -> None:
        self.unit_names = unit_names
        self.plans = plans
        self.tz = ZoneInfo(tzid)
        self._cache: dict[tuple[str, str], bytes] = {}
        #: a row's variant-independent lines, kept until its other variant takes them
        self._bodies: dict[str, bytes] = {}
        #: serialized lines shared by many events, by what they are made of
        self._days: dict[date, bytes] = {}
        self._stamps: dict[datetime, tuple[bytes, bytes]] = {}
        self._marks: dict[tuple[int, str, str, bool], tuple[bytes, bytes]] = {}
        self._alarms: dict[tuple[str, bool], bytes] = {}
        self._plan_refs: dict[str, str] = {}
        #: the lines of a duty's description around the unit's name, by what they are made of (the names
        #: of the units it is sent to are read when first needed)
        self._duty_lines: dict[tuple[object, ...], tuple[str, str]] = {}

    def name(self, unit_id: str | None) -> str:
        if unit_id is None:
            return ""
        return self.unit_names.get(unit_id, unit_id)

    def render(self, row: Row, variant: str) -> bytes:
        """The VEVENT bytes, equal to ``self.event(row, variant).to_ical()`` but assembled from pieces:
        lines that many events share (dates, timestamps, status, categories, alarms) are serialized by
        icalendar once and reused; SUMMARY, UID and DESCRIPTION, new for each occurrence, are escaped by
        icalendar and folded by :func:`fold`, which folds exactly as icalendar does, and the lines after
        SUMMARY are made once for both variants. The
        properties follow icalendar's own order (SUMMARY first, subcomponents last), so the result is
        byte for byte what icalendar writes; a test checks this on every plan."""
        shared = row.kind in INFORMATIONAL
        if shared:
            variant = ""
        whole = shared or row.kind == "conference"  # carried by many feeds: kept whole
        if whole:
            data = self._cache.get((row.uid, variant))
            if data is not None:
                return data
        timed = self.timed(row)
        # everything between SUMMARY and the alarm is the same in both variants: made once per row
        body = self._bodies.pop(row.uid, None) if not shared else None
        if body is None:
            body = self._body(row, timed)
            if not shared:
                self._bodies[row.uid] = body
        parts = [_BEGIN_EVENT, _fit_line("SUMMARY", self.summary(row, variant)), body]
        if self.has_alarm(row, variant):
            alarm = self._alarms.get((row.title, timed))
            if alarm is None:
                alarm = self._alarms[(row.title, timed)] = self.alarm(row).to_ical()
            parts.append(alarm)
        parts.append(_END_EVENT)
        data = b"".join(parts)
        if whole:
            self._cache[(row.uid, variant)] = data
        return data

    def _body(self, row: Row, timed: bool) -> bytes:
        """DTSTART to the last property before the alarm, in icalendar's order. The shared lines are
        cached by the raw values they come from (a day, a ``modified_at``, a sequence, kind and status)."""
        dates: bytes | None
        if timed:
            assert row.starts_at is not None and row.ends_at is not None
            dates = _serialized(("dtstart", _utc(row.starts_at).astimezone(self.tz)),
                                ("dtend", _utc(row.ends_at).astimezone(self.tz)))
        else:
            day = self.first_day(row)
            dates = self._days.get(day)
            if dates is None:
                dates = self._days[day] = _serialized(("dtstart", day), ("dtend", day + timedelta(days=1)))
        stamps = self._stamps.get(row.modified_at)
        if stamps is None:
            stamp = _utc(row.modified_at)
            stamps = self._stamps[row.modified_at] = (_serialized(("dtstamp", stamp)),
                                                      _serialized(("last-modified", stamp)))
        marks_key = (row.sequence, row.kind, row.status, timed)
        marks = self._marks.get(marks_key)
        if marks is None:
            status = "CANCELLED" if row.status == "cancelled" else "CONFIRMED"
            marks = self._marks[marks_key] = (
                _serialized(("sequence", row.sequence), ("categories", self.categories(row))),
                _serialized(*self._tail(status, timed)))
        return b"".join((dates, stamps[0], text_line("UID", event_uid(row)), marks[0],
                         _fit_line("DESCRIPTION", self.description(row, timed)), stamps[1], marks[1]))

    @staticmethod
    def _tail(status: str, timed: bool) -> tuple[tuple[str, object], ...]:
        props: tuple[tuple[str, object], ...] = (("status", status), ("transp", "OPAQUE" if timed else "TRANSPARENT"))
        if not timed:
            props += (("x-microsoft-cdo-alldayevent", "TRUE"),)
        return (*props, ("x-microsoft-cdo-busystatus", "BUSY" if timed else "FREE"))

    # -- the event --------------------------------------------------------------------------
    def event(self, row: Row, variant: str) -> Event:
        """The complete VEVENT as an icalendar component (what :meth:`bytes` writes piece by piece)."""
        stamp = _utc(row.modified_at)
        ev = Event()
        ev.add("uid", event_uid(row))
        ev.add("dtstamp", stamp)
        ev.add("last-modified", stamp)
        ev.add("sequence", row.sequence)
        ev.add("summary", self.summary(row, variant))
        timed = self.timed(row)
        if timed:
            assert row.starts_at is not None and row.ends_at is not None
            ev.add("dtstart", _utc(row.starts_at).astimezone(self.tz))
            ev.add("dtend", _utc(row.ends_at).astimezone(self.tz))
        else:
            first = self.first_day(row)
            ev.add("dtstart", first)
            ev.add("dtend", first + timedelta(days=1))  # exclusive end of a one-day event
            ev.add("x-microsoft-cdo-alldayevent", "TRUE")
        ev.add("description", self.description(row, timed))
        ev.add("categories", self.categories(row))
        ev.add("status", "CANCELLED" if row.status == "cancelled" else "CONFIRMED")
        ev.add("transp", "OPAQUE" if timed else "TRANSPARENT")
        ev.add("x-microsoft-cdo-busystatus", "BUSY" if timed else "FREE")
        if self.has_alarm(row, variant):
            ev.add_component(self.alarm(row))
        return ev

    def first_day(self, row: Row) -> date:
        """The one day an all-day event shows: a theme or a standing duty where its span starts (inside
        the plan's period), anything else on its due day. No all-day event lasts longer than a day."""
        if row.kind not in SPANNING:
            return row.due_effective
        plan = self.plans.get(row.plan_id)
        start = max(row.window_start, plan.period_start) if plan is not None else row.window_start
        return min(start, row.due_effective)

    @staticmethod
    def timed(row: Row) -> bool:
        return row.kind == "conference" and row.starts_at is not None and row.ends_at is not None

    @staticmethod
    def has_alarm(row: Row, variant: str) -> bool:
        """One reminder, only in the responsible unit's feed and only while the item is open."""
        return variant == "unit" and row.status == "open" and row.kind in ACTIONABLE

    def summary(self, row: Row, variant: str) -> str:
        return ical_text(self._summary(row, variant))

    def _summary(self, row: Row, variant: str) -> str:
        prefix = {"done": "[Đã xong] ", "cancelled": "[Đã hủy] "}.get(row.status, "")
        if row.kind == "theme":
            return f"{prefix}Chủ đề tuyên truyền: {row.title}"
        if row.kind == "anniversary":
            return prefix + row.title
        if row.kind == "ongoing":
            owner = f"{self.name(row.unit_id)}: " if variant == "plan" and row.unit_id else ""
            return f"{prefix}{owner}Thường xuyên: {row.title}"
        if variant == "plan" and row.kind != "conference" and row.unit_id:
            return f"{prefix}{self.name(row.unit_id)}: {row.title}"
        return prefix + row.title

    def description(self, row: Row, timed: bool) -> str:
        lines: list[str] = []
        plan = self.plans.get(row.plan_id)
        if row.kind == "theme":
            lines.append(f"Thời gian: từ {short(row.window_start)} đến {short(row.due_effective)}")
            lines.append(row.detail)
        elif row.kind == "anniversary":
            lines.append(row.detail)
            if row.peak:
                lines.append("Đợt cao điểm tuyên truyền.")
        elif row.kind == "conference":
            lines.append(f"Đơn vị tổ chức: {self.name(row.unit_id)}")
            if timed:
                assert row.starts_at is not None and row.ends_at is not None
                start, end = _utc(row.starts_at).astimezone(self.tz), _utc(row.ends_at).astimezone(self.tz)
                lines.append(f"Thời gian: {start:%H:%M}–{end:%H:%M} ngày {short(start.date())}")
            else:
                lines.append(f"Thời gian tổ chức: {row.period_label}")
                lines.append(f"Tổ chức xong trước hạn: {deadline_text(row.due_stated, row.due_effective, row.date_source)}")
            others = [u for u in row.audience or () if u != row.unit_id]
            if others:
                names = [self.name(u) for u in others]
                lines.append("Thành phần: " + (", ".join(names) if len(names) <= 8 else f"{len(names)} đơn vị"))
            if row.detail:
                lines.append(row.detail)
        elif row.kind == "ongoing":
            lines.append(f"{KIND_LABEL.get(row.kind, row.kind)}: {row.title}")
            lines.append(f"Đơn vị thực hiện: {self.name(row.unit_id)}")
            lines.append(f"Thực hiện thường xuyên trong thời gian kế hoạch: từ {short(row.window_start)} "
                         f"đến {short(row.due_effective)} (không có hạn riêng).")
            if row.detail:
                lines.append(row.detail)
        else:
            # the same for every unit that owes this duty in this period, but for the unit's name
            key = (row.kind, row.title, row.to_unit_id, row.period_key.endswith("once"), row.period_label,
                   row.due_stated, row.due_effective, row.date_source, row.detail)
            parts = self._duty_lines.get(key)
            if parts is None:
                rest = [f"Gửi đến: {self.name(row.to_unit_id)}"] if row.to_unit_id else []
                rest.append(f"{'Thời gian thực hiện' if key[3] else 'Kỳ'}: {row.period_label}")
                rest.append(f"Hạn: {deadline_text(row.due_stated, row.due_effective, row.date_source)}")
                if row.detail:
                    rest.append(row.detail)
                parts = self._duty_lines[key] = (f"{KIND_LABEL.get(row.kind, row.kind)}: {row.title}\n"
                                                 "Đơn vị thực hiện: ", "\n" + "\n".join(rest))
            lines.append(f"{parts[0]}{self.name(row.unit_id)}{parts[1]}")
        if row.status == "done" and row.done_on is not None:
            late = " (muộn)" if row.state(row.done_on) == "done_late" else ""
            lines.append(f"Tình trạng: đã hoàn thành, nhận ngày {short(row.done_on)}{late}.")
        elif row.status == "cancelled":
            when = f" ngày {short(row.cancelled_on)}" if row.cancelled_on else ""
            lines.append(f"Tình trạng: đã hủy{when} (kế hoạch được sửa đổi).")
        if plan is not None:
            lines.append(self.plan_reference(plan))
        return ical_text("\n".join(filter(None, lines)))

    def plan_reference(self, plan: PlanRow) -> str:
        """"Theo Kế hoạch số 227/KH-UBND ngày 31/10/2024: <title>" — computed once per plan."""
        text = self._plan_refs.get(plan.id)
        if text is None:
            text = self._plan_refs[plan.id] = f"Theo {plan_label(plan)}: {' '.join(plan.title.split())}"
        return text

    def categories(self, row: Row) -> list[str]:
        cats = [KIND_LABEL.get(row.kind, row.kind)]
        if row.status == "done":
            cats.append("Đã xong")
        elif row.status == "cancelled":
            cats.append("Đã hủy")
        return cats

    def alarm(self, row: Row) -> Alarm:
        timed = self.timed(row)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        if timed:
            alarm.add("description", ical_text(f"Sắp diễn ra: {row.title}"))
            alarm.add("trigger", -ALARM_BEFORE_SESSION)
        else:
            alarm.add("description", ical_text(f"Ngày mai đến hạn: {row.title}"))
            alarm.add("trigger", -ALARM_BEFORE_DEADLINE)
        return alarm


_NAME_MARK, _DESCRIPTION_MARK = "N", "D"


def _header_lines(name: str, description: str) -> bytes:
    """NAME and DESCRIPTION and their X-WR twins, in the order icalendar writes them; the twins (and
    NAME, an RFC 7986 property icalendar does not know) are written verbatim, DESCRIPTION as TEXT."""
    name_bytes, description_bytes = name.encode(), description.encode()
    return b"".join((text_line("DESCRIPTION", description), fold(b"X-WR-CALDESC:" + description_bytes), b"\r\n",
                     fold(b"NAME:" + name_bytes), b"\r\n", fold(b"X-WR-CALNAME:" + name_bytes), b"\r\n"))


def _sort_key(row: Row) -> tuple[date, int, str, str]:
    first = row.window_start if row.kind in SPANNING else row.due_effective
    return first, KINDS.index(row.kind) if row.kind in KINDS else len(KINDS), row.unit_id or "", row.uid


class FeedBuilder:
    """Every feed for a snapshot of the store. Rows are filtered (expired cancellations dropped) once."""

    def __init__(self, units: Sequence[FeedUnit], plans: Sequence[PlanRow], rows: Iterable[Row],
                 settings: Settings, today: date) -> None:
        self.settings = settings
        self.units = list(units)
        self.plans = list(plans)
        plan_by_id = {p.id: p for p in self.plans}
        self.plan_order = {p.id: i for i, p in enumerate(self.plans)}
        self.renderer = EventRenderer({u.id: u.name for u in self.units}, plan_by_id, settings.timezone)
        self.tz_bytes = timezone_component(settings.timezone).to_ical()
        kept = sorted((r for r in rows if cancelled_kept(r, today, settings.cancelled_keep_days)), key=_sort_key)
        # each row with its place in the order of every feed (an int: sorting a feed's events by it is
        # cheaper than by their sort keys)
        self.by_plan: dict[str, list[Row]] = defaultdict(list)
        self.actionable: dict[str, list[tuple[int, Row]]] = defaultdict(list)
        self.informational: dict[str, list[tuple[int, Row]]] = defaultdict(list)
        for place, r in enumerate(kept):
            self.by_plan[r.plan_id].append(r)
            if r.kind in INFORMATIONAL:
                self.informational[r.plan_id].append((place, r))
                continue
            if r.unit_id:
                self.actionable[r.unit_id].append((place, r))
            if r.kind == "conference":
                for u in dict.fromkeys(r.audience or ()):
                    if u != r.unit_id:
                        self.actionable[u].append((place, r))
        self.plans_of: dict[str, set[str]] = defaultdict(set)
        for p in self.plans:
            for u in p.recipients or ():
                self.plans_of[u].add(p.id)
        for plan_id, infos in self.informational.items():
            # a plan's themes mostly share one audience (every unit of the country): added once
            for audience in {tuple(r.audience) for _, r in infos if r.audience}:
                for u in audience:
                    self.plans_of[u].add(plan_id)
        self._info_cache: dict[frozenset[str], list[tuple[int, bytes]]] = {}
        self._frame: tuple[bytes, bytes] | None = None

    # -- pieces -----------------------------------------------------------------------------
    def header(self, *, key: str, name: str, description: str) -> bytes:
        """The calendar's properties, as :meth:`calendar_header` writes them: the lines shared by every
        feed are serialized by icalendar once, the name and description lines are escaped and folded
        here (a test compares both on awkward names)."""
        name, description = ical_text(name), ical_text(description)
        if "\n" in name or "\n" in description:  # icalendar's own handling (X-WR-CALNAME is verbatim)
            return self.calendar_header(name, description)
        if self._frame is None:
            whole = self.calendar_header(_NAME_MARK, _DESCRIPTION_MARK)
            marks = _header_lines(_NAME_MARK, _DESCRIPTION_MARK)
            assert whole.count(marks) == 1, "icalendar changed the order of calendar properties"
            before, after = whole.split(marks)
            self._frame = (before, after)
        return b"".join((self._frame[0], _header_lines(name, description), self._frame[1]))

    def calendar_header(self, name: str, description: str) -> bytes:
        """The calendar's properties as icalendar writes them (``name`` and ``description`` fit for TEXT)."""
        cal = Calendar.new(name=name, description=description, prodid=PRODID,
                           calscale="GREGORIAN", method="PUBLISH")
        # no UID on the calendar itself: vdirsyncer names each item by the first UID line it finds, and a
        # calendar UID would make every event of the feed one item (Calendar.new adds a random one)
        cal.pop("UID", None)
        # Calendar.new writes REFRESH-INTERVAL without VALUE=DURATION, which RFC 7986 requires
        cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(REFRESH))
        cal.add("x-wr-timezone", self.settings.timezone)
        data = cal.to_ical()
        assert data.endswith(_END)
        return data[: -len(_END)]

    def assemble(self, name: str, header: bytes, events: Iterable[bytes]) -> RenderedFeed:
        return RenderedFeed(name, b"".join(self._chunks(header, events)))

    def _chunks(self, header: bytes, events: Iterable[bytes]) -> Iterator[bytes]:
        yield header
        yield self.tz_bytes
        yield from events
        yield _END

    def informational_events(self, plan_ids: frozenset[str]) -> list[tuple[int, bytes]]:
        """Themes and anniversaries of these plans, with their places in the feeds' order; one anniversary
        per day even if several plans name it."""
        cached = self._info_cache.get(plan_ids)
        if cached is not None:
            return cached
        ordered = sorted(plan_ids, key=lambda p: self.plan_order.get(p, len(self.plan_order)))
        chosen: dict[tuple[str, date], tuple[int, Row]] = {}
        out: list[tuple[int, Row]] = []
        for plan_id in ordered:
            for place, r in self.informational.get(plan_id, ()):
                if r.kind != "anniversary":
                    out.append((place, r))
                    continue
                key = (r.source_id, r.due_effective)
                first = chosen.get(key)
                if first is None or (first[1].status == "cancelled" and r.status != "cancelled"):
                    chosen[key] = (place, r)
        out.extend(chosen.values())
        result = sorted((place, self.renderer.render(r, "")) for place, r in out)  # places are distinct
        self._info_cache[plan_ids] = result
        return result

    # -- feeds ------------------------------------------------------------------------------
    def unit_feed(self, unit: FeedUnit) -> RenderedFeed:
        return self._whole(self.unit_stream(unit))

    def unit_stream(self, unit: FeedUnit) -> StreamedFeed:
        render = self.renderer.render
        events = [(place, render(r, "unit")) for place, r in self.actionable.get(unit.id, ())]
        events += self.informational_events(frozenset(self.plans_of.get(unit.id, ())))
        events.sort()  # two runs in order, merged; places are distinct (no bytes compared)
        header = self.header(
            key=f"unit:{unit.id}", name=f"{unit.name} — lịch thực hiện kế hoạch",
            description=f"Hạn gửi kế hoạch, báo cáo, bài viết; hội nghị; chủ đề tuyên truyền và ngày kỷ niệm "
                        f"của {unit.name}. Lịch này tự cập nhật, không cần sửa trên máy.")
        return StreamedFeed(unit_feed_name(unit.feed_token), self._chunks(header, (data for _, data in events)))

    def plan_feed(self, plan: PlanRow) -> RenderedFeed:
        return self._whole(self.plan_stream(plan))

    def plan_stream(self, plan: PlanRow) -> StreamedFeed:
        """A plan feed's bytes as they are rendered, event by event (a national plan feed is tens of MB)."""
        title = " ".join(plan.title.split())
        label = plan_label(plan)
        header = self.header(key=f"plan:{plan.id}", name=f"{label}: {_shorten(title)}",
                             description=f"Toàn bộ lịch thực hiện {label} về {title}.")
        rows = self.by_plan.get(plan.id, ())
        return StreamedFeed(plan_feed_name(plan.id),
                            self._chunks(header, (self.renderer.render(r, "plan") for r in rows)))

    def public_feed(self) -> RenderedFeed:
        return self._whole(self.public_stream())

    def public_stream(self) -> StreamedFeed:
        header = self.header(key="public", name="Chủ đề tuyên truyền và ngày kỷ niệm",
                             description="Chủ đề tuyên truyền hằng tháng và các ngày kỷ niệm theo các kế hoạch "
                                         "đang thực hiện.")
        events = self.informational_events(frozenset(p.id for p in self.plans))
        return StreamedFeed(PUBLIC, self._chunks(header, (data for _, data in events)))

    @staticmethod
    def _whole(stream: StreamedFeed) -> RenderedFeed:
        return RenderedFeed(stream.name, b"".join(stream.chunks))

    def feeds(self, only: Container[str] | None = None) -> Iterator[RenderedFeed]:
        """Every feed, or only those named in ``only`` (the others are not rendered at all)."""
        return map(self._whole, self.streams(only))

    def streams(self, only: Container[str] | None = None) -> Iterator[StreamedFeed]:
        """:meth:`feeds` as streams: each feed's bytes are made while they are written."""
        if only is None or PUBLIC in only:
            yield self.public_stream()
        for plan in self.plans:
            if only is None or plan_feed_name(plan.id) in only:
                yield self.plan_stream(plan)
        for unit in self.units:
            if only is None or unit_feed_name(unit.feed_token) in only:
                yield self.unit_stream(unit)
