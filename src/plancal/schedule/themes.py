"""Monthly themes and the anniversaries they cite or the plan observes."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from plancal.plans.model import Theme
from plancal.schedule.context import Expansion
from plancal.schedule.occurrence import Kind
from plancal.vn.canchi import can_chi
from plancal.vn.dates import short
from plancal.vn.periods import Period, last_day

_PLACEHOLDER = re.compile(r"\{([a-z0-9-]+)\}")


def themes(ex: Expansion) -> set[tuple[str, int, bool]]:
    wanted: set[tuple[str, int, bool]] = set()
    audience = tuple(ex.resolve(["@recipients"]))
    for theme in ex.plan.themes:
        months = list(range(1, 13)) if theme.months == "all" else sorted(theme.months)
        for year in ([theme.year] if theme.year else ex.years()):
            start = max(date(year, months[0], 1), ex.plan.start)
            end = min(last_day(year, months[-1]), ex.plan.end)
            if end < start:
                continue
            per = Period(start, end, "window", f"{year}")
            title = theme_title(ex, theme, year)
            source = "theme-" + hashlib.sha256(theme.title.encode()).hexdigest()[:10]
            lines = [f"Chủ đề tuyên truyền {month_span(months, year)}"]
            lines += [ex.registry[k].title(year) for k in theme.anniversaries]
            if theme.content:
                lines.append(theme.content)
            ex.add(kind=Kind.THEME, source_id=source, unit_id=None, period=per, due=end, title=title,
                     shift="none", detail="\n".join(lines), audience=audience)
            wanted.update((k, year, False) for k in theme.anniversaries)
    return wanted


def theme_title(ex: Expansion, theme: Theme, year: int) -> str:
    def count(m: re.Match[str]) -> str:
        key = m.group(1)
        if key == "can-chi":  # the name of the lunar year that begins in the theme's year: "Xuân {can-chi}"
            return can_chi(year)
        if key not in ex.registry:
            return m.group(0)
        n = ex.registry[key].count(year)
        return str(n) if n is not None else m.group(0)
    return _PLACEHOLDER.sub(count, theme.title)


def anniversaries(ex: Expansion, wanted: set[tuple[str, int, bool]]) -> None:
    for obs in ex.plan.observances:
        for year in obs.years or ex.years():
            wanted.add((obs.anniversary, year, obs.peak))
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
