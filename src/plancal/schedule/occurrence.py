"""What a plan owes or shows on a day: the Occurrence, its kinds and its stable id."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from operator import attrgetter, itemgetter
from typing import Any


class Kind(StrEnum):
    """What an occurrence is. The order is the order of the same day's items in agendas and feeds."""

    SUB_PLAN = "sub_plan"
    DUTY = "duty"
    REPORT = "report"
    CONSOLIDATION = "consolidation"
    CONFERENCE = "conference"
    PREPARATION = "preparation"
    ONGOING = "ongoing"
    THEME = "theme"
    ANNIVERSARY = "anniversary"
    MILESTONE = "milestone"


class Status(StrEnum):
    """What the store records of an occurrence."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
    WAIVED = "waived"  # the coordinator excused the unit (with a reason)


class State(StrEnum):
    """An occurrence as of a given day."""

    OPEN = "open"
    DUE = "due"
    LATE = "late"
    DONE = "done"
    DONE_LATE = "done_late"
    CANCELLED = "cancelled"
    #: a request ("đề nghị") past its limit: not received yet, never "late" (nobody outside is told so)
    AWAITED = "awaited"
    WAIVED = "waived"


class DateSource(StrEnum):
    """Who set an occurrence's date."""

    PLAN = "plan"  # stated by the plan text ("trước ngày 25 hàng tháng", "trong quý I/2020")
    AGENCY = "agency"  # set by the standing agency when it deploys the plan (sub-plan days, preparation offsets)


class Relation(StrEnum):
    """How the plan addresses the unit that owes an occurrence."""

    ASSIGNED = "assigned"  # "giao": a unit in the issuer's hierarchy (the issuer itself or under it)
    REQUESTED = "requested"  # "đề nghị": a body outside it (Fatherland Front, Party boards, central bodies)


class Cycle(StrEnum):
    """How often a periodic report is due."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"


class Cutoff(StrEnum):
    """Where a periodic report's data window comes from."""

    DECREE_09 = "decree-09"  # Decree 09/2019/NĐ-CP: the 15th to the 14th
    CALENDAR = "calendar"  # the calendar period itself


KINDS: tuple[Kind, ...] = tuple(Kind)
#: kinds that a unit must act on (and that can be late); themes, anniversaries and milestones (events a plan
#: refers to but does not hold) are informational
ACTIONABLE = frozenset({Kind.SUB_PLAN, Kind.DUTY, Kind.REPORT, Kind.CONSOLIDATION, Kind.CONFERENCE, Kind.PREPARATION})


@dataclass(slots=True, unsafe_hash=True)
class Occurrence:
    """Never changed once made (a changed occurrence is a new one, :func:`dataclasses.replace`); hashed and
    compared by every field. Not ``frozen``: a frozen dataclass sets each of these 33 fields through
    ``object.__setattr__``, which made building one four times dearer (a national plan builds 60,000)."""

    uid: str
    plan_id: str
    kind: Kind
    source_id: str
    unit_id: str | None
    period_key: str
    period_label: str
    window_start: date
    #: the stated limit: the last day allowed as the plan says it ("trước ngày 25" → the 24th)
    due_stated: date
    #: the aim: the last working day on or before the stated limit, inside the period (never later than
    #: ``due_stated``); reminders count down to it and feeds show it
    due_effective: date
    #: the legal limit, after which the unit is late: ``due_stated``, extended to the next working day only
    #: where the plan asks for Civil Code art. 148(5) (``grace: civil-code-148``), never leaving the period
    due_limit: date
    title: str
    detail: str = ""
    to_unit_id: str | None = None
    quota: str | None = None
    pilot: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    audience: tuple[str, ...] = ()
    peak: bool = False
    #: the title without its period ("Báo cáo kết quả" of "Báo cáo kết quả 6 tháng đầu năm 2023")
    what: str = ""
    #: a periodic report's cycle and data window (first and last day of the data it covers) and its rule
    cycle: Cycle | None = None
    data_from: date | None = None
    data_to: date | None = None
    cutoff: Cutoff | None = None
    #: a preparation step's conference (the uid of the conference occurrence it prepares)
    conference_uid: str | None = None
    #: who set the date: the plan's text or the standing agency deploying it
    date_source: DateSource = DateSource.PLAN
    #: assigned to a unit in the issuer's hierarchy, or requested of a body outside it
    relation: Relation = Relation.ASSIGNED
    #: owed by the plan's standing agency itself (it follows others up; nobody escalates its own items)
    agency_own: bool = False
    #: the other bodies it is sent to, after ``to_unit_id`` ("gửi Ban TĐKT tỉnh và Sở Nội vụ")
    also_to: tuple[str, ...] = ()
    #: alternative deliverables, either of which closes it ("… hoặc …"); a submission records which
    alternatives: tuple[str, ...] = ()
    #: "dự kiến": the plan gives the date as provisional
    tentative: bool = False

    @property
    def actionable(self) -> bool:
        return self.kind in ACTIONABLE

    @property
    def escalatable(self) -> bool:
        """Lateness of this item may be followed up beyond the unit itself: an actionable item assigned
        ("giao") to a unit that is not the standing agency. Requests and milestones never are."""
        return escalatable(self.kind, self.relation, self.agency_own)

    @property
    def shifted(self) -> bool:
        return self.due_effective != self.due_stated


#: the fields of an occurrence, in declaration order (what :func:`content_hashes` digests)
_FIELD_NAMES = tuple(f.name for f in fields(Occurrence))
#: the fields that hold enums
_ENUM_FIELDS = frozenset({"kind", "cycle", "cutoff", "date_source", "relation"})
#: the fields that hold tuples (of texts), which many runs share: a national theme's audience of 8,000 units
_TUPLE_FIELDS = frozenset({"audience", "also_to", "alternatives"})
#: the fields after the uid in runs that repeat across many rows (a duty owed by one unit; the period and all
#: the rest): their values, as a tuple, key the text of the run, worked out once per distinct run
CONTENT_RUNS = (_FIELD_NAMES[1:5], _FIELD_NAMES[5:])


class _Runs(dict[tuple[Any, ...], tuple[bytes, Any]]):
    """The repr of a run of fields' values (an enum as its text), joined as in the repr of a tuple, and what
    ``form`` makes of the values (None without one), worked out on first sight of each distinct run (the
    values of a field, typed, are equal only when their reprs are). The repr of a tuple that several runs
    hold (the very same object: an audience) is made once."""

    def __init__(self, names: tuple[str, ...], form: Callable[[tuple[Any, ...]], Any] | None = None) -> None:
        super().__init__()
        self.enums = [i for i, name in enumerate(names) if name in _ENUM_FIELDS]
        self.tuples = [i for i, name in enumerate(names) if name in _TUPLE_FIELDS]
        self.form = form
        #: the repr of each tuple seen, by its identity (the tuple kept, so that its id stays its own)
        self._reprs: dict[int, tuple[tuple[Any, ...], str]] = {}

    def __missing__(self, key: tuple[Any, ...]) -> tuple[bytes, Any]:
        values = list(key)
        for i in self.enums:
            if values[i] is not None:
                values[i] = str(values[i])
        shared = [(i, v) for i in self.tuples if type(v := values[i]) is tuple and v]
        for i, _ in shared:
            values[i] = None
        texts = list(map(repr, values))
        for i, v in shared:
            seen = self._reprs.get(id(v))
            if seen is None:
                seen = self._reprs[id(v)] = (v, repr(v))
            texts[i] = seen[1]
        entry = self[key] = (", ".join(texts).encode(), None if self.form is None else self.form(key))
        return entry


_TEXT, _FORM = itemgetter(0), itemgetter(1)


def content_hashes(occurrences: Sequence[Occurrence]) -> Iterator[str]:
    """A digest of everything a calendar or a mail shows of each occurrence; a change raises the event's
    SEQUENCE. Each is the SHA-256 of the repr of the tuple of the occurrence's fields (an enum as its
    text), assembled from the repr of the uid and of each run of the other fields (see :data:`CONTENT_RUNS`).
    Worked out as they are read."""
    return ContentRuns(occurrences).digests()


class ContentRuns:
    """Each occurrence's runs of fields (see :data:`CONTENT_RUNS`), read once for both its digest
    (:func:`content_hashes`) and what ``forms`` (one per run) make of its values: each distinct run is
    worked out once (a national plan has 60,000 occurrences, 10,000 distinct owners and 100 distinct rests)."""

    def __init__(self, occurrences: Sequence[Occurrence],
                 forms: tuple[Callable[[tuple[Any, ...]], Any] | None, ...] = (None, None)) -> None:
        self.occurrences = occurrences
        #: each run's distinct values (tuples in the order of its fields), with their text and form
        self.distinct = tuple(_Runs(names, form) for names, form in zip(CONTENT_RUNS, forms, strict=True))
        self._entries = [list(map(runs.__getitem__, map(attrgetter(*names), occurrences)))
                         for runs, names in zip(self.distinct, CONTENT_RUNS, strict=True)]

    def only(self, indexes: Sequence[int]) -> ContentRuns:
        """The same for the occurrences at ``indexes``, in their order (nothing worked out again)."""
        picked = object.__new__(ContentRuns)
        picked.occurrences = [self.occurrences[i] for i in indexes]
        picked.distinct = self.distinct
        picked._entries = [[entries[i] for i in indexes] for entries in self._entries]
        return picked

    def digests(self) -> Iterator[str]:
        """:func:`content_hashes` of the occurrences, worked out as they are read."""
        uids = map(str.encode, map(repr, map(attrgetter("uid"), self.occurrences)))
        owners, rest = (map(_TEXT, entries) for entries in self._entries)
        sha256 = hashlib.sha256
        return (sha256(b"(%b, %b, %b)" % row).hexdigest()[:32] for row in zip(uids, owners, rest, strict=True))

    def forms(self) -> tuple[list[Any], ...]:
        """What each run's form made of the values of each occurrence's run (the owner's, then the rest)."""
        return tuple(list(map(_FORM, entries)) for entries in self._entries)


def escalatable(kind: str, relation: str, agency_own: bool) -> bool:
    return kind in ACTIONABLE and relation == Relation.ASSIGNED and not agency_own


def occurrence_uid(plan_id: str, kind: str, source_id: str, unit_id: str | None, period_key: str) -> str:
    return uid_maker(plan_id, kind, source_id, unit_id)(period_key)


def uid_maker(plan_id: str, kind: str, source_id: str, unit_id: str | None) -> Callable[[str], str]:
    """:func:`occurrence_uid` of one item of one unit, for each period key (the rest of the text once)."""
    head = f"{plan_id}|{kind}|{source_id}|{unit_id or '-'}|"
    sha256 = hashlib.sha256

    def uid(period_key: str) -> str:
        return sha256((head + period_key).encode()).hexdigest()[:24]

    return uid
