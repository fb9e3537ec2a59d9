"""A lint for the iCalendar files we publish, stricter than the clients that read them.

Radicale and ical.js accept malformed dates and lines; this checks what RFC 5545 asks of our own
output: CRLF line endings, lines folded at 75 octets without splitting a UTF-8 sequence, balanced
components, the required properties (VERSION, PRODID; UID, DTSTAMP, DTSTART in every event), DTEND
after DTSTART with the same value type, unique UIDs and at most one alarm per event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from plancal.errors import FeedError, Problem

MAX_OCTETS = 75
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")


def _is_name(text: str) -> bool:
    return bool(text) and all(c in _NAME_CHARS for c in text)


def _is_date(text: str) -> bool:
    """YYYYMMDD."""
    return len(text) == 8 and text.isascii() and text.isdigit()


def _is_datetime(text: str, *, utc: bool | None = None) -> bool:
    """YYYYMMDDTHHMMSS, with a final Z when ``utc`` is True, without when False, either when None."""
    has_z = text.endswith("Z")
    if utc is not None and has_z != utc:
        return False
    body = text[:-1] if has_z else text
    return len(body) == 15 and body[8] == "T" and _is_date(body[:8]) and body[9:].isascii() and body[9:].isdigit()


class _Report(Protocol):
    def __call__(self, message: str, line: int | None = None, prop: str | None = None,
                 hint: str | None = None) -> None: ...


@dataclass
class _Component:
    name: str
    line: int
    props: dict[str, list[tuple[dict[str, str], str, int]]] = field(default_factory=dict)
    children: list[_Component] = field(default_factory=list)


def _split_unquoted(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside double quotes (RFC 5545 parameter values may be quoted)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for c in text:
        if c == '"':
            quoted = not quoted
        if c == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    parts.append("".join(current))
    return [p for p in parts if p]


def _split_params(head: str) -> tuple[str, dict[str, str]]:
    parts = _split_unquoted(head, ";")
    name = parts[0].upper() if parts else ""
    params: dict[str, str] = {}
    for part in parts[1:]:
        key, _, value = part.partition("=")
        params[key.upper()] = value.strip('"')
    return name, params


def _split_content(line: str) -> tuple[str, str] | None:
    """Name-and-parameters / value, splitting at the first colon outside quotes."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:i], line[i + 1:]
    return None


def _parse_time(value: str, params: dict[str, str]) -> date | datetime | None:
    """DATE or DATE-TIME, or None when the text is not one or names an impossible day (20210231)."""
    try:
        if _is_date(value):
            return datetime.strptime(value, "%Y%m%d").date()
        if _is_datetime(value) and params.get("VALUE", "").upper() != "DATE":
            return datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    return None


def lint(data: bytes, name: str = "<feed>") -> list[Problem]:
    """Every problem found in ``data`` (empty list: the file is clean)."""
    problems: list[Problem] = []

    def bad(message: str, line: int | None = None, prop: str | None = None, hint: str | None = None) -> None:
        problems.append(Problem(message, file=name, line=line, field=prop, hint=hint))

    if not data:
        bad("tệp lịch rỗng")
        return problems
    if not data.endswith(b"\r\n"):
        bad("tệp lịch không kết thúc bằng CRLF")
    physical = data.split(b"\r\n")
    if physical and physical[-1] == b"":
        physical.pop()
    logical: list[tuple[int, str]] = []
    for number, raw in enumerate(physical, 1):
        if b"\n" in raw or b"\r" in raw:
            bad("xuống dòng không phải CRLF (LF hoặc CR đơn lẻ)", number, hint="mọi dòng kết thúc bằng \\r\\n")
        if len(raw) > MAX_OCTETS:
            bad(f"dòng dài {len(raw)} octet, quá {MAX_OCTETS}", number, hint="gấp dòng (folding) ở 75 octet")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            bad("dòng không phải UTF-8 hợp lệ (có thể gấp dòng giữa một ký tự nhiều byte)", number)
            text = raw.decode("utf-8", errors="replace")
        if text[:1] in (" ", "\t"):
            if not logical:
                bad("dòng tiếp nối ở đầu tệp", number)
                continue
            start, previous = logical[-1]
            logical[-1] = (start, previous + text[1:])
        elif text == "":
            bad("dòng trống", number)
        else:
            logical.append((number, text))

    root: _Component | None = None
    stack: list[_Component] = []
    for number, text in logical:
        split = _split_content(text)
        if split is None:
            bad(f"dòng không có dấu ':' giữa tên và giá trị: {text[:40]!r}", number)
            continue
        head, value = split
        prop, params = _split_params(head)
        if not _is_name(prop):
            bad(f"tên thuộc tính không hợp lệ: {prop!r}", number)
            continue
        if prop == "BEGIN":
            comp = _Component(value.upper(), number)
            if stack:
                stack[-1].children.append(comp)
            elif root is None:
                root = comp
            else:
                bad("có nội dung sau END:VCALENDAR", number)
            stack.append(comp)
        elif prop == "END":
            if not stack or stack[-1].name != value.upper():
                bad(f"END:{value} không khớp với BEGIN", number)
                continue
            stack.pop()
        elif not stack:
            bad(f"thuộc tính {prop} nằm ngoài mọi thành phần", number)
        else:
            stack[-1].props.setdefault(prop, []).append((params, value, number))
    for comp in stack:
        bad(f"thiếu END:{comp.name}", comp.line)
    if root is None or root.name != "VCALENDAR":
        bad("tệp không bắt đầu bằng BEGIN:VCALENDAR", 1)
        return problems

    _require(root, ("VERSION", "PRODID"), bad)
    version = root.props.get("VERSION")
    if version and version[0][1] != "2.0":
        bad("VERSION phải là 2.0", version[0][2], "VERSION")
    if not root.children:
        bad("lịch không có thành phần nào (RFC 5545 cần ít nhất một)", root.line)
    tzids = {c.props["TZID"][0][1] for c in root.children if c.name == "VTIMEZONE" and "TZID" in c.props}
    uids: dict[str, int] = {}
    for comp in root.children:
        if comp.name != "VEVENT":
            continue
        _require(comp, ("UID", "DTSTAMP", "DTSTART"), bad)
        for prop, values in comp.props.items():
            if prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "DURATION", "SEQUENCE", "SUMMARY", "STATUS",
                        "TRANSP", "LAST-MODIFIED", "DESCRIPTION") and len(values) > 1:
                bad(f"{prop} xuất hiện {len(values)} lần", values[1][2], prop)
        if "UID" in comp.props:
            uid, line = comp.props["UID"][0][1], comp.props["UID"][0][2]
            if uid in uids:
                bad(f"UID {uid} trùng (đã có ở dòng {uids[uid]})", line, "UID")
            uids.setdefault(uid, line)
        for prop in ("DTSTAMP", "LAST-MODIFIED"):
            if prop in comp.props:
                params, value, line = comp.props[prop][0]
                if not _is_datetime(value, utc=True):
                    bad(f"{prop} phải là thời điểm UTC (…Z): {value}", line, prop)
        _check_span(comp, tzids, bad)
        alarms = [c for c in comp.children if c.name == "VALARM"]
        if len(alarms) > 1:
            bad(f"sự kiện có {len(alarms)} báo nhắc; Outlook chỉ giữ một", alarms[1].line, "VALARM")
        for alarm in alarms:
            _require(alarm, ("ACTION", "TRIGGER"), bad)
            action = alarm.props.get("ACTION")
            if action and action[0][1].upper() == "DISPLAY":
                _require(alarm, ("DESCRIPTION",), bad)
    return problems


def _require(comp: _Component, names: tuple[str, ...], bad: _Report) -> None:
    for prop in names:
        if prop not in comp.props:
            bad(f"{comp.name} thiếu thuộc tính bắt buộc {prop}", comp.line, prop)


def _check_span(comp: _Component, tzids: set[str], bad: _Report) -> None:
    times: dict[str, tuple[date | datetime, dict[str, str], int]] = {}
    for prop in ("DTSTART", "DTEND"):
        if prop not in comp.props:
            continue
        params, value, line = comp.props[prop][0]
        parsed = _parse_time(value, params)
        if parsed is None:
            bad(f"{prop} không phải ngày/giờ hợp lệ: {value}", line, prop)
            continue
        if params.get("VALUE", "").upper() == "DATE" and isinstance(parsed, datetime):
            bad(f"{prop} khai VALUE=DATE nhưng giá trị có giờ", line, prop)
        if isinstance(parsed, date) and not isinstance(parsed, datetime) and params.get("VALUE", "").upper() != "DATE":
            bad(f"{prop} là ngày nhưng thiếu VALUE=DATE", line, prop)
        tzid = params.get("TZID")
        if tzid is not None and tzid not in tzids:
            bad(f"{prop} dùng TZID={tzid} nhưng lịch không có VTIMEZONE đó", line, prop)
        times[prop] = (parsed, params, line)
    if "DTEND" in comp.props and "DURATION" in comp.props:
        bad("sự kiện có cả DTEND và DURATION", comp.props["DURATION"][0][2], "DURATION")
    if "DTSTART" in times and "DTEND" in times:
        (start, sp, _), (end, ep, line) = times["DTSTART"], times["DTEND"]
        if isinstance(start, datetime) != isinstance(end, datetime):
            bad("DTSTART và DTEND khác kiểu (ngày / ngày giờ)", line, "DTEND")
        elif sp.get("TZID") != ep.get("TZID"):
            pass  # different zones: not compared here; we never write that
        elif not end > start:
            bad(f"DTEND ({end}) không sau DTSTART ({start})", line, "DTEND",
                hint="sự kiện cả ngày: DTEND là ngày hôm sau (không tính)")


def check(data: bytes, name: str = "<feed>") -> None:
    """Raise :class:`FeedError` listing every problem of ``data``."""
    problems = lint(data, name)
    if problems:
        raise FeedError(problems)
