"""Quotas: "02 bài/tháng", "(2kỳ/tháng)", "mỗi tháng 2 kỳ", "ít nhất 15 điển hình/năm", "5-7 điển hình",
"ít nhất 01 lần" → the plan format's ``quota`` (min, max, unit) and the period it is counted in."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

_PER = {"tháng": "month", "quý": "quarter", "năm": "year"}
_UNIT = r"(?P<unit>(?:bài|kỳ|lần|chương trình|điển hình|tin|phóng sự|số|trang|chuyên mục|buổi|cuộc)" \
        r"(?: (?:tập thể, cá nhân|tiên tiến|tiêu biểu|tin bài|\d+ phút))*)"
_N = r"(?P<lo>\d{1,3})(?:\s*-\s*(?P<hi>\d{1,3}))?"
_RULES = [
    re.compile(r"(?P<least>ít nhất|tối thiểu)?\s*(?:có\s+)?(?:từ\s+)?" + _N + r"\s*" + _UNIT + r"\s*/\s*(?P<per>tháng|quý|năm)"),
    re.compile(r"(?:mỗi|hàng|hằng)\s+(?P<per>tháng|quý|năm)\s+(?:có\s+)?(?:từ\s+)?(?P<least>ít nhất\s+)?" + _N + r"\s*" + _UNIT),
    re.compile(r"(?P<least>ít nhất|tối thiểu)\s+" + _N + r"\s*" + _UNIT),
    re.compile(r"(?<![\d/.-])" + _N + r"\s+" + _UNIT + r"(?=\s|$|[,;.)])"),
]


@dataclass(frozen=True)
class QuotaReading:
    text: str
    start: int
    end: int
    quota: dict[str, Any]
    per: str | None  # month, quarter, year: the period the quota counts


def scan(text: str) -> list[QuotaReading]:
    t = unicodedata.normalize("NFC", text)
    low = t.lower()
    out: list[QuotaReading] = []
    taken: list[tuple[int, int]] = []
    for rx in _RULES:
        for m in rx.finditer(low):
            if any(not (m.end() <= a or m.start() >= b) for a, b in taken):
                continue
            lo = int(m.group("lo"))
            hi = int(m.group("hi")) if m.group("hi") else None
            if hi is not None and hi < lo:
                continue
            unit = t[m.start("unit"):m.end("unit")]
            quota: dict[str, Any] = {"min": lo, "unit": unit}
            least = "least" in m.groupdict() and m.group("least")
            if hi is not None:
                quota["max"] = hi
            elif not least:
                quota["max"] = lo
            per = _PER.get(m.group("per")) if "per" in m.groupdict() and m.group("per") else None
            out.append(QuotaReading(t[m.start():m.end()].strip(), m.start(), m.end(), quota, per))
            taken.append((m.start(), m.end()))
    return sorted(out, key=lambda q: q.start)
