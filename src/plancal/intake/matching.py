"""Matching received documents to what units owe: the sender to a unit of the directory (exact name,
formal name, or the name without diacritics), then the document to one of that unit's open occurrences
by period (the received date and the period words of its subject) and by the words of its subject."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from plancal.intake.records import Record, fold
from plancal.schedule.occurrence import ACTIONABLE
from plancal.store import OccurrenceRow, Store
from plancal.units.directory import Unit

#: abbreviations offices write in unit names, folded, and their long forms
ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan", "mttq": "mat tran to quoc", "ubmttq": "uy ban mat tran to quoc",
    "tp": "thanh pho", "tx": "thi xa", "tt": "thi tran", "snv": "so noi vu", "bchqs": "ban chi huy quan su",
}
#: words too common to tell two duties apart
STOPWORDS = frozenset({
    "ban", "bao", "cac", "cao", "cho", "cua", "den", "dia", "duoc", "gui", "hien", "hieu", "hoach", "huyen", "ke",
    "ky", "la", "mot", "nam", "ngay", "nhu", "nhung", "quy", "sau", "so", "tai", "thang", "theo", "thuc", "tinh",
    "tren", "trong", "v", "va", "ve", "viec", "voi", "xa",
})
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def expand(folded: str) -> str:
    return " ".join(ABBREVIATIONS.get(w, w) for w in folded.split())


class UnitMatcher:
    """Sender names → units. Exact name first; then the formal name (abbreviations spelled out); then
    the name without diacritics. A name two units share matches neither."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.exact: dict[str, list[Unit]] = {}
        self.loose: dict[str, list[Unit]] = {}
        for u in units:
            self.exact.setdefault(" ".join(u.name.split()), []).append(u)
            self.loose.setdefault(expand(fold(u.name)), []).append(u)
            self.loose.setdefault(expand(fold(u.id.replace("-", " "))), []).append(u)

    def match(self, sender: str) -> tuple[Unit | None, str]:
        """The unit, or None and why not (Vietnamese)."""
        for table, key in ((self.exact, " ".join(sender.split())), (self.loose, expand(fold(sender)))):
            found = {u.id: u for u in table.get(key, [])}
            if len(found) == 1:
                return next(iter(found.values())), ""
            if len(found) > 1:
                return None, f"tên “{sender}” trùng nhiều đơn vị: " + ", ".join(sorted(found))
        return None, f"không có đơn vị “{sender}” trong danh mục"


@dataclass(frozen=True)
class Match:
    record: Record
    unit: Unit | None
    occurrence: OccurrenceRow | None
    why: str = ""  # when nothing matched

    @property
    def matched(self) -> bool:
        return self.occurrence is not None


def period_words(subject: str) -> set[str]:
    """Period words of a subject, as comparable tokens: "y2023", "m4", "q2", "h1", "h2"."""
    text = fold(subject)
    out = {f"y{y}" for y in re.findall(r"\b(20\d\d)\b", text)}
    out |= {f"m{int(m)}" for m in re.findall(r"\bthang (\d{1,2})\b", text)}
    for q in re.findall(r"\bquy (\d|iv|iii|ii|i)\b", text):
        out.add(f"q{_ROMAN.get(q, q)}")
    if re.search(r"\b6 thang dau nam\b|\bsau thang dau nam\b", text):
        out.add("h1")
    if re.search(r"\b6 thang cuoi nam\b|\bsau thang cuoi nam\b", text):
        out.add("h2")
    return out


def _occurrence_period(row: OccurrenceRow) -> set[str]:
    key = row.period_key.lower()
    out: set[str] = set()
    m = re.match(r"^(\d{4})(?:-(\d{2})|-q(\d)|-h(\d))?$", key)
    if m:
        out.add(f"y{m.group(1)}")
        if m.group(2):
            out.add(f"m{int(m.group(2))}")
        if m.group(3):
            out.add(f"q{m.group(3)}")
        if m.group(4):
            out.add(f"h{m.group(4)}")
    return out | period_words(row.period_label)


def _words(text: str) -> set[str]:
    return {w for w in fold(text).split() if w not in STOPWORDS and not w.isdigit() and len(w) > 1}


def match_records(store: Store, records: Sequence[Record], *, plan_id: str | None = None) -> list[Match]:
    """One match per record. A record matches the open actionable occurrence of its unit whose period words
    agree with the subject and whose title shares the most words with it, the due date nearest the
    received date breaking ties."""
    matcher = UnitMatcher(store.directory())
    by_unit: dict[str, list[OccurrenceRow]] = {}
    out: list[Match] = []
    for rec in records:
        unit, why = matcher.match(rec.sender)
        if unit is None:
            out.append(Match(rec, None, None, why))
            continue
        if unit.id not in by_unit:
            by_unit[unit.id] = [r for r in store.occurrences(unit_id=unit.id, plan_id=plan_id, kinds=ACTIONABLE,
                                                             statuses=["open"])]
        subject_words, subject_period = _words(rec.subject), period_words(rec.subject)
        best: tuple[tuple[int, int, int], OccurrenceRow] | None = None
        for row in by_unit[unit.id]:
            shared = len(subject_words & _words(f"{row.what or row.title} {row.title}"))
            if shared < 2 and not (shared and len(subject_words) <= 2):
                continue
            period = _occurrence_period(row)
            if subject_period and not subject_period <= period:
                continue  # the subject names another period
            score = (len(subject_period & period), shared, -abs((row.due_effective - rec.received).days))
            if best is None or score > best[0]:
                best = (score, row)
        if best is None:
            out.append(Match(rec, unit, None, "không khớp việc nào đang chờ của đơn vị"))
        else:
            out.append(Match(rec, unit, best[1]))
    return out
