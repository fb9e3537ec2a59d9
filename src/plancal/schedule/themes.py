"""Monthly themes and the anniversaries they cite or the plan observes."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from plancal.plans.model import MONTH_PLACEHOLDERS, PLACEHOLDER, Theme
from plancal.schedule.context import Expansion
from plancal.schedule.occurrence import Kind
from plancal.vn.canchi import can_chi
from plancal.vn.dates import short
from plancal.vn.periods import Period, add_months, last_day


def themes(ex: Expansion) -> set[tuple[str, int, bool]]:
    """One occurrence per theme and year; a theme whose words name the month (``{tháng}``, ``{tháng
    trước}`` …) one per month, each with its own words."""
    wanted: set[tuple[str, int, bool]] = set()
    audience = tuple(ex.resolve(["@recipients"]))
    for theme in ex.plan.themes:
        months = list(range(1, 13)) if theme.months == "all" else sorted(theme.months)
        monthly = theme.monthly
        for year in ([theme.year] if theme.year else ex.years()):
            for span_months in ([[m] for m in months] if monthly else [months]):
                start = max(date(year, span_months[0], 1), ex.plan.start)
                end = min(last_day(year, span_months[-1]), ex.plan.end)
                if end < start:
                    continue
                month = span_months[0] if monthly else None
                per = Period(start, end, "window", f"{year}-{month:02d}" if month else f"{year}")
                source = "theme-" + hashlib.sha256(theme.title.encode()).hexdigest()[:10]
                lines = [f"Chủ đề tuyên truyền {month_span(span_months, year)}"]
                lines += [ex.registry[k].title(year) for k in theme.anniversaries]
                if theme.content:
                    lines.append(theme_text(ex, theme.content, year, month))
                ex.add(kind=Kind.THEME, source_id=source, unit_id=None, period=per, due=end,
                       title=theme_text(ex, theme.title, year, month), shift="none", detail="\n".join(lines),
                       audience=audience)
            wanted.update((k, year, False) for k in theme.anniversaries)
    return wanted


def theme_title(ex: Expansion, theme: Theme, year: int, month: int | None = None) -> str:
    return theme_text(ex, theme.title, year, month)


def theme_text(ex: Expansion, text: str, year: int, month: int | None = None) -> str:
    """A theme's words with its placeholders filled — the one place they are: ``{key}`` of an anniversary
    → its count that year (91); ``{tháng}``/``{month}`` → "1/2025", ``{tháng trước}``/``{previous-month}``
    → "12/2024", ``{tháng sau}``/``{next-month}`` → "2/2025", ``{năm}``/``{year}`` → "2025", ``{can-chi}`` →
    "Tân Sửu". The loader has
    checked every placeholder (plancal.plans.loading), so none is left in the words."""
    def fill(m: re.Match[str]) -> str:
        key = m.group(1).strip()
        if key == "can-chi":  # the name of the lunar year that begins in the theme's year: "Xuân {can-chi}"
            return can_chi(year)
        if key in MONTH_PLACEHOLDERS:
            shift = MONTH_PLACEHOLDERS[key]
            if shift is None:
                return str(year)
            y, mo = add_months(year, month or 1, shift)
            return f"{mo}/{y}"
        if key in ex.registry:
            n = ex.registry[key].count(year)
            if n is not None:
                return str(n)
        return str(m.group(0))
    return PLACEHOLDER.sub(fill, text)


def anniversaries(ex: Expansion, wanted: set[tuple[str, int, bool]]) -> None:
    notes: dict[tuple[str, int], list[str]] = {}
    for obs in ex.plan.observances:
        for year in obs.years or ex.years():
            wanted.add((obs.anniversary, year, obs.peak))
            if obs.note:
                notes.setdefault((obs.anniversary, year), []).append(theme_text(ex, obs.note, year))
    peaks = {(k, y) for k, y, peak in wanted if peak}
    audience = tuple(ex.resolve(["@recipients"]))
    for key, year in sorted({(k, y) for k, y, _ in wanted}):
        ann = ex.registry[key]
        day = ann.date_in(year)
        if not ex.plan.start <= day <= ex.plan.end:
            continue
        n = ann.count(year)
        detail = ann.title(year)
        word = ann.round_word(year)
        if word:
            detail += f"\n{word.capitalize()}: kỷ niệm {n} năm."
        if ann.lunar:
            detail += f"\nNgày {ann.day} tháng {ann.month} âm lịch, năm {year} nhằm ngày {short(day)}."
        for note in notes.get((key, year), []):
            detail += f"\n{note}"
        per = Period(day, day, "day", f"{year}")
        ex.add(kind=Kind.ANNIVERSARY, source_id=key, unit_id=None, period=per, due=day, title=ann.title(year),
               shift="none", detail=detail, audience=audience, peak=(key, year) in peaks)


def month_span(months: list[int], year: int) -> str:
    """"tháng 3/2021", "tháng 8 và 9/2021", "cả năm 2021"."""
    if months == list(range(1, 13)):
        return f"cả năm {year}"
    if len(months) == 1:
        return f"tháng {months[0]}/{year}"
    return "tháng " + ", ".join(str(m) for m in months[:-1]) + f" và {months[-1]}/{year}"
