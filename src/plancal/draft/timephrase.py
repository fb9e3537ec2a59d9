"""A grammar of Vietnamese administrative time: phrases → the plan format's ``when:``.

Text is normalised (NFC, lower case) and cut into typed tokens (numbers, full dates, day/month,
month/year, roman/year, ranges, words, punctuation). Rules are small patterns composed from
combinators (``seq``, ``alt``, ``opt``, ``skip``) over tokens; each rule builds a :class:`Reading`.
:func:`scan` finds every phrase of a sentence (longest match first); :func:`read` reads one phrase.

Nothing is invented: a phrase without a date ("sau khi …", "kịp thời") gives a reading with
``when=None`` and a Vietnamese note saying why; a year the phrase leaves out is taken from the
context (issue date) and the note says so.
"""

from __future__ import annotations

import calendar as _stdcal
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

# -- tokens -------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<date>\b\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}\b)"
    r"|(?P<ry>\b(?:iv|i{1,3})\s*/\s*\d{4}\b)"
    r"|(?P<my>\b\d{1,2}\s*/\s*\d{4}\b)"
    r"|(?P<dm>\b\d{1,2}\s*/\s*\d{1,2}\b(?!\s*/))"
    r"|(?P<range>\b\d+\s*-\s*\d+\b)"
    r"|(?P<num>\b\d+\b)"
    r"|(?P<word>\w+)"
    r"|(?P<punct>[^\w\s])",
    re.UNICODE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # date, ry, my, dm, range, num, word, punct
    text: str
    start: int
    end: int

    @property
    def numbers(self) -> list[int]:
        return [int(n) for n in re.findall(r"\d+", self.text)]


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\u00a0", " ")


def tokenize(text: str) -> list[Token]:
    low = normalise(text).lower()
    return [Token(m.lastgroup or "word", m.group(), m.start(), m.end()) for m in _TOKEN.finditer(low)]


# -- combinators ----------------------------------------------------------------------------------

Caps = dict[str, Any]
Pattern = Callable[[list[Token], int], Iterator[tuple[int, Caps]]]


def w(*alternatives: str) -> Pattern:
    """A word or a multi-word phrase (any of the alternatives)."""
    options = [a.split() for a in alternatives]

    def match(toks: list[Token], i: int) -> Iterator[tuple[int, Caps]]:
        for words in options:
            if all(i + k < len(toks) and toks[i + k].text == word for k, word in enumerate(words)):
                yield i + len(words), {}
    return match


def tok(kind: str, name: str, check: Callable[[Token], bool] | None = None) -> Pattern:
    def match(toks: list[Token], i: int) -> Iterator[tuple[int, Caps]]:
        if i < len(toks) and toks[i].kind == kind and (check is None or check(toks[i])):
            yield i + 1, {name: toks[i]}
    return match


def seq(*parts: Pattern) -> Pattern:
    def match(toks: list[Token], i: int) -> Iterator[tuple[int, Caps]]:
        def go(k: int, j: int, caps: Caps) -> Iterator[tuple[int, Caps]]:
            if k == len(parts):
                yield j, caps
                return
            for j2, c2 in parts[k](toks, j):
                yield from go(k + 1, j2, {**caps, **c2})
        yield from go(0, i, {})
    return match


def alt(*parts: Pattern) -> Pattern:
    def match(toks: list[Token], i: int) -> Iterator[tuple[int, Caps]]:
        for p in parts:
            yield from p(toks, i)
    return match


def opt(part: Pattern) -> Pattern:
    def match(toks: list[Token], i: int) -> Iterator[tuple[int, Caps]]:
        yield from part(toks, i)
        yield i, {}
    return match


def tag(name: str, value: Any, part: Pattern) -> Pattern:
    """Record ``name=value`` when ``part`` matches."""
    def match(toks: list[Token], i: int) -> Iterator[tuple[int, Caps]]:
        for j, caps in part(toks, i):
            yield j, {**caps, name: value}
    return match


def skip(n: int, then: Pattern, name: str | None = None, stop: str = ".;:") -> Pattern:
    """Up to ``n`` tokens (not crossing sentence punctuation), then ``then``; the skipped text is kept."""
    def match(toks: list[Token], i: int) -> Iterator[tuple[int, Caps]]:
        for k in range(n + 1):
            if k and (i + k - 1 >= len(toks) or (toks[i + k - 1].kind == "punct" and toks[i + k - 1].text in stop)):
                return
            for j, caps in then(toks, i + k):
                if name:
                    caps = {**caps, name: toks[i:i + k]}
                yield j, caps
    return match


def num(name: str, lo: int = 0, hi: int = 10**6) -> Pattern:
    return tok("num", name, lambda t: lo <= int(t.text) <= hi)


def year(name: str = "year") -> Pattern:
    return tok("num", name, lambda t: len(t.text) == 4 and 1900 <= int(t.text) <= 2100)


def _stop(toks: list[Token], i: int) -> Iterator[tuple[int, Caps]]:
    """Where an event name ends: sentence punctuation or the end of the text (not consumed)."""
    if i == len(toks) or (toks[i].kind == "punct" and toks[i].text in ".;:,()"):
        yield i, {}


ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
P = tok("punct", "_p")
DEADLINE = alt(tag("mode", "before", w("trước")), tag("mode", "by", w("chậm nhất là vào", "chậm nhất là",
               "chậm nhất vào", "chậm nhất", "hạn chót", "không quá", "trước hoặc trong", "hạn cuối", "đến hạn")))
EVERY = w("hàng", "hằng", "mỗi", "của mỗi", "các", "của các")
PREP = opt(w("hoàn thành trong", "hoàn thành vào", "trong thời gian", "trong", "vào", "trong suốt", "thực hiện trong",
             "tổ chức trong", "tổ chức vào", "xong trong", "xong trước"))
DATE_LONG = seq(w("ngày"), num("d", 1, 31), w("tháng"), num("m", 1, 12), opt(P), w("năm"), year("y"))
DATE = alt(tok("date", "date"), DATE_LONG)
DAY = seq(w("ngày"), num("day", 1, 31))
MONTH_WORD = seq(w("tháng"), alt(tok("my", "my"), seq(num("month", 1, 12), opt(alt(seq(w("năm"), year()),
                                                                                     seq(P, year()))))))

# -- readings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a phrase may lean on: the issue date (for "N ngày sau khi ban hành", missing years)."""

    issued: date | None = None

    @property
    def year(self) -> int | None:
        return self.issued.year if self.issued else None


@dataclass(frozen=True)
class Reading:
    text: str
    start: int
    end: int
    rule: str
    when: dict[str, Any] | None
    tentative: bool = False
    cycles: tuple[str, ...] = ()
    event: str | None = None
    notes: tuple[str, ...] = ()
    strong: bool = True
    anniversary: str | None = None  # registry key of the occasion, when named

    @property
    def frequency(self) -> str | None:
        return self.when.get("every") if self.when else None

    @property
    def dated(self) -> bool:
        return self.when is not None and not self.when.get("ongoing")


def fmt(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _last(y: int, m: int) -> int:
    return _stdcal.monthrange(y, m)[1]


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


class NoDate(Exception):
    """A rule matched but the phrase names an impossible or incomplete date."""


def _date_of(caps: Caps, ctx: Context, notes: list[str], prefix: str = "") -> date:
    t = caps.get(prefix + "date")
    if isinstance(t, Token):
        d, m, y = t.numbers
    elif prefix + "d" in caps:
        d, m, y = int(caps[prefix + "d"].text), int(caps[prefix + "m"].text), int(caps[prefix + "y"].text)
    elif prefix + "dm" in caps:
        d, m = caps[prefix + "dm"].numbers
        if ctx.year is None:
            raise NoDate("thiếu năm")
        y = ctx.year
        notes.append(f"văn bản không ghi năm của ngày {d}/{m}: lấy năm {y} theo ngày ban hành")
    else:
        raise NoDate("thiếu ngày")
    got = _safe(y, m, d)
    if got is None:
        raise NoDate(f"ngày {d}/{m}/{y} không tồn tại")
    return got


def _month_year(caps: Caps, ctx: Context, notes: list[str]) -> tuple[int, int]:
    if "my" in caps:
        m, y = caps["my"].numbers
    else:
        m = int(caps["month"].text)
        if "year" in caps:
            y = int(caps["year"].text)
        elif ctx.year is not None:
            y = ctx.year
            if ctx.issued and date(y, m, _last(y, m)) < ctx.issued:
                y += 1
            notes.append(f"văn bản không ghi năm của tháng {m}: lấy năm {y} theo ngày ban hành")
        else:
            raise NoDate("thiếu năm")
    if not 1 <= m <= 12:
        raise NoDate(f"tháng {m} không tồn tại")
    return m, y


Builder = Callable[[Caps, Context, list[str]], dict[str, Any] | None]


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: Pattern
    build: Builder
    strong: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _on(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    d = _date_of(caps, ctx, notes)
    if caps.get("mode") == "before":
        notes.append(f"“trước ngày {d.day}/{d.month}”: hạn là ngày liền trước")
        d -= timedelta(days=1)
    return {"on": fmt(d)}


def _every_month_day(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    when: dict[str, Any] = {"every": "month", "day": int(caps["day"].text)}
    if caps.get("next"):
        when["month"] = "next"
    if caps.get("mode") == "before":
        when["before"] = True
    return when


def _every_quarter_day(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    when: dict[str, Any] = {"every": caps.get("freq", "quarter"), "month": caps["which"], "day": int(caps["day"].text)}
    if caps.get("mode") == "before":
        when["before"] = True
    return when


def _every_year_day(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    if "dm" in caps:
        d, m = caps["dm"].numbers
    else:
        d, m = int(caps["day"].text), int(caps["month"].text)
    if _safe(2024, m, d) is None:
        raise NoDate(f"ngày {d}/{m} không tồn tại")
    when: dict[str, Any] = {"every": "year", "month": m, "day": d}
    if caps.get("mode") == "before":
        when["before"] = True
    return when


def _range(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    end = _date_of(caps, ctx, notes, "b_")
    if "a_date" in caps or "a_d" in caps:
        start = _date_of(caps, ctx, notes, "a_")
    else:
        d, m = caps["a_dm"].numbers
        y = end.year
        got = _safe(y, m, d)
        if got is None:
            raise NoDate(f"ngày {d}/{m}/{y} không tồn tại")
        if got > end:  # "từ 20/12 đến 10/01/2024": the start is in the previous year
            got = _safe(y - 1, m, d) or got
        start = got
        notes.append(f"ngày bắt đầu {d}/{m} lấy năm của ngày kết thúc ({start.year})")
    if end < start:
        raise NoDate("ngày kết thúc trước ngày bắt đầu")
    return {"within": {"from": fmt(start), "to": fmt(end)}}


def _quarter(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    if "ry" in caps:
        r, y = caps["ry"].text.replace(" ", "").split("/")
        q, yy = ROMAN.get(r) or int(r), int(y)
    else:
        t = caps["q"]
        q = ROMAN.get(t.text) or int(t.text)
        if not 1 <= q <= 4:
            raise NoDate(f"quý {q} không tồn tại")
        if "year" in caps:
            yy = int(caps["year"].text)
        elif ctx.year is not None:
            yy = ctx.year
            notes.append(f"văn bản không ghi năm của quý {q}: lấy năm {yy} theo ngày ban hành")
        else:
            raise NoDate("thiếu năm")
    return {"within": f"Q{q}/{yy}"}


def _half(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    h = 1 if caps["which"] == "first" else 2
    if "year" in caps:
        return {"within": f"H{h}/{caps['year'].text}"}
    return {"every": "half", "months": [6 if h == 1 else 12]}


def _periodic(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    return {"every": caps["freq"]}


def _every(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any] | None:
    freq = caps["freq"]
    if freq in ("week", "day"):
        notes.append("định dạng kế hoạch chưa có chu kỳ theo tuần/ngày")
        return None
    if caps.get("alt_freq"):
        notes.append(f"văn bản cho phép theo {caps['alt_freq']}; ghi theo chu kỳ ngắn hơn (cách hiểu chặt hơn)")
    return {"every": freq}


def _year_window(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    return {"within": caps["year"].text}


def _school_year(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    a, b = caps["range"].numbers
    if b != a + 1:
        raise NoDate("năm học phải gồm hai năm liền nhau")
    notes.append("năm học tính từ 01/09 đến 31/08 năm sau; kiểm tra khung thời gian năm học của ngành")
    return {"within": {"from": f"01/09/{a}", "to": f"31/08/{b}"}}


def _until_year(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any] | None:
    if ctx.issued is None:
        notes.append("cần ngày ban hành để tính khoảng thời gian")
        return None
    return {"within": {"from": fmt(ctx.issued), "to": f"31/12/{caps['year'].text}"}}


def _month_part(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    m, y = _month_year(caps, ctx, notes)
    part = caps.get("part")
    if part is None:
        return {"within": f"{m}/{y}"}
    lo, hi = {"early": (1, 10), "mid": (11, 20), "late": (21, _last(y, m))}[part]
    return {"within": {"from": fmt(date(y, m, lo)), "to": fmt(date(y, m, hi))}}


def _days_after_issue(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any] | None:
    if caps.get("working"):
        notes.append("định dạng kế hoạch chưa tính theo ngày làm việc")
        return None
    return {"days_after_issue": int(caps["n"].text)}


def _ongoing(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any]:
    return {"ongoing": True}


def _after_event(caps: Caps, ctx: Context, notes: list[str]) -> None:
    notes.append("thời hạn phụ thuộc một sự kiện khác (“sau khi …”): văn bản không cho ngày")
    return None


def _until_event(caps: Caps, ctx: Context, notes: list[str]) -> None:
    notes.append("“từ nay đến …”: hạn là thời điểm của sự kiện được nhắc tới")
    return None


def _timely(caps: Caps, ctx: Context, notes: list[str]) -> None:
    notes.append("“kịp thời”: văn bản không đặt thời hạn")
    return None


def _anniversary(caps: Caps, ctx: Context, notes: list[str]) -> dict[str, Any] | None:
    if "b_date" in caps or "b_d" in caps:
        d = _date_of(caps, ctx, notes, "b_")
        if "a_date" in caps:
            first = _date_of(caps, ctx, notes, "a_")
            n = int(caps["n"].text)
            if d.year - first.year != n:
                notes.append(f"số năm kỷ niệm ({n}) không khớp với {first.year} - {d.year}")
        return {"on": fmt(d), "shift": "previous"}
    if "date" in caps:
        return {"on": fmt(_date_of(caps, ctx, notes)), "shift": "previous"}
    from plancal.draft.core import anniversaries

    n = int(caps["n"].text)
    name = " ".join(t.text for t in caps.get("name", []) if t.kind == "word")
    best = _registry_match(name, anniversaries())
    if best is None or best.founded is None:
        notes.append("không tìm thấy ngày kỷ niệm trong danh mục: ghi ngày cụ thể")
        return None
    day = best.date_in(best.founded + n)
    notes.append(f"ngày kỷ niệm lấy từ danh mục: {best.name} ({best.founded}) + {n} năm")
    caps["_anniversary"] = best.key
    return {"on": fmt(day), "shift": "previous"}


def _fold(text: str) -> set[str]:
    plain = unicodedata.normalize("NFD", text.lower())
    plain = "".join(c for c in plain if unicodedata.category(c) != "Mn").replace("đ", "d")
    return {t for t in re.findall(r"\w+", plain) if t not in {"ngay", "cua", "va", "nam", "le"}}


def _registry_match(name: str, items: list[Any]) -> Any:
    words = _fold(name)
    scored = []
    for a in items:
        target = _fold(a.name)
        if target and len(target & words) / len(target) >= 0.75:
            scored.append((len(target & words) / len(target), len(target), a.key, a))
    return max(scored)[3] if scored else None


# -- the rules ----------------------------------------------------------------------------------

_WHICH = alt(tag("which", "first", w("đầu")), tag("which", "last", w("cuối")))
_NEXT = tag("next", True, w("sau", "tiếp theo", "kế tiếp", "liền sau"))
_YEAR_AFTER = opt(alt(seq(w("năm"), year()), seq(P, year())))
_DATEISH_A = alt(tok("date", "a_date"), seq(w("ngày"), num("a_d", 1, 31), w("tháng"), num("a_m", 1, 12), w("năm"),
                                           year("a_y")), tok("dm", "a_dm"))
_DATEISH_B = alt(tok("date", "b_date"), seq(w("ngày"), num("b_d", 1, 31), w("tháng"), num("b_m", 1, 12), w("năm"),
                                           year("b_y")))
_FREQ = alt(tag("freq", "month", w("tháng")), tag("freq", "quarter", w("quý")), tag("freq", "year", w("năm")),
            tag("freq", "week", w("tuần")), tag("freq", "day", w("ngày")))
_ALT_FREQ = opt(seq(P, alt(tag("alt_freq", "quý", w("quý")), tag("alt_freq", "năm", w("năm")))))
_SIX = w("6", "06", "sáu")
_ANNUAL_TAIL = alt(seq(opt(P), w("và cả năm", "cả năm", "cuối năm", "và cuối năm", "năm", "hàng năm", "và năm")))

RULES: list[Rule] = [
    Rule("ngày N hàng tháng", seq(opt(DEADLINE), DAY, opt(w("của")), EVERY, w("tháng")), _every_month_day),
    Rule("ngày N tháng sau", seq(opt(DEADLINE), DAY, opt(w("của")), w("tháng"), _NEXT), _every_month_day),
    Rule("ngày N tháng đầu/cuối hàng quý",
         seq(opt(DEADLINE), DAY, opt(w("của")), w("tháng"), _WHICH, opt(w("của")), opt(EVERY),
             alt(tag("freq", "quarter", w("quý")), tag("freq", "half", seq(_SIX, w("tháng")))),
             opt(w("hằng", "hàng"))), _every_quarter_day),
    Rule("ngày D/M hàng năm", seq(opt(DEADLINE), w("ngày"), alt(tok("dm", "dm"), seq(num("day", 1, 31), w("tháng"),
                                                                                      num("month", 1, 12))),
                                  EVERY, w("năm")), _every_year_day),
    Rule("kỷ niệm N năm", seq(opt(w("nhân dịp", "vào dịp", "dịp", "nhân", "chào mừng")), w("kỷ niệm"), num("n", 1, 3000),
                              w("năm"), skip(25, seq(w("("), _DATEISH_A, w("-", "–", "đến"), _DATEISH_B, w(")")),
                                             "name")), _anniversary),
    Rule("kỷ niệm … (ngày)", seq(opt(w("nhân dịp", "vào dịp", "dịp")), w("kỷ niệm"),
                                  skip(25, seq(w("("), DATE, w(")")), "name")), _anniversary),
    Rule("kỷ niệm N năm Ngày …", seq(w("nhân dịp", "vào dịp", "dịp"), w("kỷ niệm"), num("n", 1, 3000), w("năm"),
                                      skip(14, w("ngày"), "pre"), skip(14, alt(_stop, w("và", "của")), "name")),
         _anniversary),
    Rule("từ … đến …", seq(w("từ"), opt(w("ngày")), _DATEISH_A, alt(w("đến", "tới"), w("-", "–")), opt(w("hết")),
                             opt(w("ngày")), _DATEISH_B), _range),
    Rule("ngày D/M/Y", seq(opt(DEADLINE), opt(w("ngày")), DATE), _on),
    Rule("trước ngày D/M", seq(DEADLINE, w("ngày"), tok("dm", "dm")), _on),
    Rule("từ khi ban hành đến hết năm", seq(w("từ khi", "kể từ khi", "từ ngày"), opt(w("ban hành")), opt(w("kế hoạch")),
                                            opt(w("này")), w("đến hết năm", "đến hết", "đến năm", "đến"), opt(w("năm")),
                                            year()), _until_year),
    Rule("quý", seq(PREP, w("quý"), alt(tok("ry", "ry"), tok("my", "ry", lambda t: 1 <= t.numbers[0] <= 4),
                                         seq(alt(tok("word", "q", lambda t: t.text in ROMAN),
                                                                  num("q", 1, 4)), _YEAR_AFTER))), _quarter),
    Rule("6 tháng đầu/cuối năm", seq(PREP, _SIX, w("tháng"), _WHICH, w("năm"), opt(year())), _half),
    Rule("định kỳ 6 tháng và cả năm", seq(opt(w("định kỳ", "báo cáo")), _SIX, w("tháng"), _ANNUAL_TAIL),
         _periodic, extra={"freq": "half", "cycles": ("semiannual", "annual")}),
    Rule("định kỳ 6 tháng", seq(w("định kỳ", "mỗi", "hàng", "hằng"), _SIX, w("tháng")), _periodic,
         extra={"freq": "half", "cycles": ("semiannual",)}),
    Rule("hàng tháng/quý/năm", seq(opt(w("định kỳ")), alt(w("hàng", "hằng", "mỗi"), w("định kỳ")), _FREQ, _ALT_FREQ),
         _every),
    Rule("cuối năm", seq(w("cuối năm", "cuối mỗi năm", "cuối hàng năm", "tổng kết năm")), _periodic,
         extra={"freq": "year", "cycles": ("annual",)}),
    Rule("năm học", seq(PREP, w("năm học"), tok("range", "range")), _school_year),
    Rule("năm YYYY", seq(alt(w("trong năm", "vào năm", "cả năm", "trong cả năm", "suốt năm")), year()), _year_window),
    Rule("đầu/giữa/cuối tháng", seq(PREP, alt(tag("part", "early", w("đầu")), tag("part", "mid", w("giữa")),
                                              tag("part", "late", w("cuối"))), MONTH_WORD), _month_part),
    Rule("trong tháng", seq(w("trong", "vào", "hoàn thành trong", "trong thời gian"), MONTH_WORD), _month_part),
    Rule("N ngày sau khi ban hành", seq(opt(w("trong", "trong vòng", "trong thời hạn", "chậm nhất", "sau")),
                                        num("n", 1, 400), w("ngày"), opt(tag("working", True, w("làm việc"))),
                                        w("sau khi", "kể từ ngày", "kể từ khi", "kể từ", "từ ngày", "sau"),
                                        skip(6, w("ban hành", "nhận được"))), _days_after_issue),
    Rule("thường xuyên", w("thường xuyên"), _ongoing),
    Rule("sau khi …", seq(w("sau khi"), skip(12, _stop, "name")), _after_event),
    Rule("từ nay đến …", seq(w("từ nay đến", "từ nay cho đến", "từ nay tới"), skip(20, _stop, "name")),
         _until_event),
    Rule("kịp thời", w("kịp thời"), _timely),
    # weak: a bare window without a preposition; read on its own, ignored inside long sentences
    Rule("tháng M/Y", MONTH_WORD, _month_part, strong=False),
    Rule("năm YYYY (trần)", seq(w("năm"), year()), _year_window, strong=False),
]
TENTATIVE = w("dự kiến", "dự kiến là", "dự kiến vào", "dự kiến trong", "dự kiến tổ chức")


def _apply(rule: Rule, caps: Caps, text: str, toks: list[Token], i: int, j: int, ctx: Context) -> Reading:
    notes: list[str] = []
    caps = {**rule.extra, **caps}
    try:
        when = rule.build(caps, ctx, notes)
    except NoDate as exc:
        when, notes = None, [*notes, f"không đọc được ngày: {exc}"]
    start, end = toks[i].start, toks[j - 1].end
    event = None
    if "name" in caps and when is None:
        event = " ".join(t.text for t in caps["name"]).strip() or None
    return Reading(text=normalise(text)[start:end], start=start, end=end, rule=rule.name, when=when,
                   cycles=tuple(caps.get("cycles", ())), event=event, notes=tuple(notes), strong=rule.strong,
                   anniversary=caps.get("_anniversary"))


def scan(text: str, ctx: Context | None = None, weak: bool = False) -> list[Reading]:
    """Every time phrase in ``text``, left to right, longest match at each position."""
    ctx = ctx or Context()
    toks = tokenize(text)
    out: list[Reading] = []
    i = 0
    pending_tentative = False
    while i < len(toks):
        tent = max((j for j, _ in TENTATIVE(toks, i)), default=None)
        if tent is not None:
            pending_tentative = True
            i = tent
            continue
        best: tuple[int, int, Rule, Caps] | None = None
        for order, rule in enumerate(RULES):
            if not rule.strong and not weak:
                continue
            for j, caps in rule.pattern(toks, i):
                if j > i and (best is None or j > best[0] or (j == best[0] and -order > best[1])):
                    best = (j, -order, rule, caps)
        if best is None:
            i += 1
            continue
        j, _, rule, caps = best
        reading = _apply(rule, caps, text, toks, i, j, ctx)
        if pending_tentative:
            reading = replace(reading, tentative=True, notes=(*reading.notes, "“dự kiến”: thời gian chưa chính thức"))
            pending_tentative = False
        out.append(reading)
        i = j
    return out


def read(phrase: str, ctx: Context | None = None) -> Reading | None:
    """The reading of one phrase (bare windows allowed); the most informative one when it has several."""
    found = scan(phrase, ctx, weak=True)
    if not found:
        return None
    dated = [r for r in found if r.when is not None]
    best = max(dated or found, key=lambda r: r.end - r.start)
    if any(r.tentative for r in found):
        best = replace(best, tentative=True) if not best.tentative else best
    return best
