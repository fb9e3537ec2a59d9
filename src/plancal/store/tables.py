"""The database tables (SQLAlchemy 2 declarative) and the conversions of their times."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plancal.plans.model import document_label
from plancal.schedule.occurrence import (
    ACTIONABLE,
    Cutoff,
    Cycle,
    DateSource,
    Kind,
    Occurrence,
    Relation,
    State,
    Status,
    escalatable,
)
from plancal.settings import DEFAULT_TIMEZONE
from plancal.units.directory import Unit, exists_on, formal_name

#: the store keeps naive UTC; local times come back in the plans' default zone (the store is opened from a
#: URL alone and does not see PLANCAL_TIMEZONE)
VN = ZoneInfo(DEFAULT_TIMEZONE)


def vn_midnight_utc(d: date) -> datetime:
    """00:00 in Vietnam on ``d``, as a naive UTC datetime (how the store keeps instants)."""
    return datetime.combine(d, time(0), tzinfo=VN).astimezone(UTC).replace(tzinfo=None)


def new_token() -> str:
    """An unguessable feed token: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def new_tokens(n: int) -> list[str]:
    """``n`` tokens as :func:`new_token` makes them, from one read of the system's random source (24 bytes
    make 32 characters of URL-safe base64, no padding: the tokens are the text's 32-character pieces)."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(_TOKEN_BYTES * n)).decode("ascii")
    return [text[i:i + _TOKEN_CHARS] for i in range(0, len(text), _TOKEN_CHARS)]


_TOKEN_BYTES = 24
_TOKEN_CHARS = _TOKEN_BYTES * 4 // 3


class Base(DeclarativeBase):
    pass


class UnitRow(Base):
    __tablename__ = "units"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(60), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(80), index=True)
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    feed_token: Mapped[str] = mapped_column(String(64), unique=True)
    formal_name: Mapped[str | None] = mapped_column(String(300))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[str | None] = mapped_column(String(80))

    def to_unit(self) -> Unit:
        return Unit(self.id, self.name, self.kind, self.parent_id, tuple(self.emails or ()), formal_name=self.formal_name,
                    valid_from=self.valid_from, valid_to=self.valid_to, successor=self.successor_id)


def json_list(value: str | Sequence[Any] | None) -> Sequence[Any]:
    """A JSON list column read as the driver gives it (JSON text on SQLite, a list on PostgreSQL) and
    decoded here: nearly every row holds ``[]`` or one short list, and the JSON type parses each."""
    if value is None or value == "[]":
        return []
    return json.loads(value) if isinstance(value, str) else value


class UnitFacts(NamedTuple):
    """A unit as letters read it: the columns of :class:`UnitRow` they use, straight from a column select
    (no ORM object, no :class:`Unit` per row: a planning run reads thousands of units)."""

    id: str
    name: str
    kind: str
    parent_id: str | None
    emails: tuple[str, ...]
    feed_token: str
    formal_name: str | None
    valid_from: date | None
    valid_to: date | None

    @property
    def letter_name(self) -> str:
        """How letters address the unit (see :attr:`Unit.letter_name`)."""
        return self.formal_name or formal_name(self.kind, self.name)

    def exists_on(self, d: date) -> bool:
        """Whether the unit exists on ``d`` (see :meth:`Unit.exists_on`)."""
        return exists_on(self.valid_from, self.valid_to, d)


class UnitToken(NamedTuple):
    """A unit as feeds name it (id, name, feed token), from a column select: no ORM object per unit."""

    id: str
    name: str
    feed_token: str


class PlanRow(Base):
    __tablename__ = "plans"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)
    issuer_id: Mapped[str] = mapped_column(String(80))
    standing_agency_id: Mapped[str] = mapped_column(String(80))
    parent_id: Mapped[str | None] = mapped_column(String(120), index=True)
    issued: Mapped[date] = mapped_column(Date)
    revision_date: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    source_path: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: loại văn bản (kế hoạch, công văn, hướng dẫn …) and whether the issue date is known
    doc_type: Mapped[str] = mapped_column(String(20), default="kế hoạch")
    issued_known: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def display_number(self) -> str:
        return document_label(self.doc_type or "kế hoạch", self.number, self.issued, self.issued_known is not False)


class OccurrenceRow(Base):
    __tablename__ = "occurrences"
    uid: Mapped[str] = mapped_column(String(40), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"))  # indexed by ix_occ_plan_status
    kind: Mapped[str] = mapped_column(String(20), index=True)  # the few rows of kinds that reach many feeds
    source_id: Mapped[str] = mapped_column(String(160))
    unit_id: Mapped[str | None] = mapped_column(String(80))
    period_key: Mapped[str] = mapped_column(String(80))
    period_label: Mapped[str] = mapped_column(String(120))
    window_start: Mapped[date] = mapped_column(Date)
    due_stated: Mapped[date] = mapped_column(Date)
    due_effective: Mapped[date] = mapped_column(Date, index=True)
    due_limit: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    to_unit_id: Mapped[str | None] = mapped_column(String(80))
    quota: Mapped[str | None] = mapped_column(String(200))
    pilot: Mapped[bool] = mapped_column(Boolean, default=False)
    peak: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    what: Mapped[str] = mapped_column(Text, default="")
    cycle: Mapped[str | None] = mapped_column(String(20))
    data_from: Mapped[date | None] = mapped_column(Date)
    data_to: Mapped[date | None] = mapped_column(Date)
    cutoff: Mapped[str | None] = mapped_column(String(20))
    conference_uid: Mapped[str | None] = mapped_column(String(40), index=True)
    date_source: Mapped[str] = mapped_column(String(12), default="plan")
    relation: Mapped[str] = mapped_column(String(12), default="assigned")
    agency_own: Mapped[bool] = mapped_column(Boolean, default=False)
    also_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    alternatives: Mapped[list[str]] = mapped_column(JSON, default=list)
    tentative: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | done | cancelled
    done_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    modified_at: Mapped[datetime] = mapped_column(DateTime)
    #: the :class:`ChangeNumberRow` number of the row's insert or last change (see ``next_change_number``)
    change_number: Mapped[int] = mapped_column(Integer, default=0, index=True)

    __table_args__ = (Index("ix_occ_unit_due", "unit_id", "due_effective"),
                      # a plan's rows (its first column); the weekly summary's counts, read within it, and
                      # its late and done lists
                      Index("ix_occ_plan_status", "plan_id", "status", "due_limit", "relation", "kind", "done_on"))

    def to_occurrence(self) -> Occurrence:
        return Occurrence(
            uid=self.uid, plan_id=self.plan_id, kind=Kind(self.kind), source_id=self.source_id, unit_id=self.unit_id,
            period_key=self.period_key, period_label=self.period_label, window_start=self.window_start,
            due_stated=self.due_stated, due_effective=self.due_effective, due_limit=self.due_limit,
            title=self.title, detail=self.detail,
            to_unit_id=self.to_unit_id, quota=self.quota, pilot=self.pilot,
            starts_at=_aware(self.starts_at), ends_at=_aware(self.ends_at),
            audience=tuple(self.audience or ()), peak=self.peak, what=self.what or "",
            cycle=Cycle(self.cycle) if self.cycle else None, data_from=self.data_from, data_to=self.data_to,
            cutoff=Cutoff(self.cutoff) if self.cutoff else None, conference_uid=self.conference_uid,
            date_source=DateSource(self.date_source), relation=Relation(self.relation), agency_own=self.agency_own,
            also_to=tuple(self.also_to or ()), alternatives=tuple(self.alternatives or ()),
            tentative=bool(self.tentative))

    @property
    def escalatable(self) -> bool:
        """See :attr:`Occurrence.escalatable`: assigned, actionable, not the standing agency's own."""
        return escalatable(self.kind, self.relation, self.agency_own)

    def state(self, today: date) -> State:
        """The occurrence as of ``today`` (see :func:`occurrence_state`)."""
        return occurrence_state(self, today)


@dataclass(slots=True, eq=False)
class OccurrenceFacts:
    """The columns of an occurrence that feeds are made of, read without the ORM (a plain object per row:
    a national plan has tens of thousands, and an ORM object costs several times the memory and time)."""

    uid: str
    plan_id: str
    kind: str
    source_id: str
    unit_id: str | None
    period_key: str
    period_label: str
    window_start: date
    due_stated: date
    due_effective: date
    due_limit: date
    title: str
    detail: str
    to_unit_id: str | None
    peak: bool
    starts_at: datetime | None
    ends_at: datetime | None
    audience: list[str]
    date_source: str
    relation: str
    status: str
    done_on: date | None
    cancelled_on: date | None
    sequence: int
    modified_at: datetime
    content_hash: str

    def state(self, today: date) -> State:
        """The occurrence as of ``today`` (see :func:`occurrence_state`)."""
        return occurrence_state(self, today)


#: the column names of :class:`OccurrenceFacts`, in order
FACT_COLUMNS = tuple(f.name for f in fields(OccurrenceFacts))


def occurrence_state(row: OccurrenceRow | OccurrenceFacts | MarkRow, today: date) -> State:
    """An occurrence as of ``today``. Late only after the legal limit (a submission on the stated last
    day is on time); a request ("đề nghị") past its limit is awaited, never late."""
    requested = row.relation == Relation.REQUESTED
    if row.status == Status.CANCELLED:
        return State.CANCELLED
    if row.status == Status.WAIVED:
        return State.WAIVED
    if row.status == Status.DONE:
        late = row.done_on is not None and row.done_on > row.due_limit and not requested
        return State.DONE_LATE if late else State.DONE
    if row.kind not in ACTIONABLE:
        return State.OPEN
    if today > row.due_limit:
        return State.AWAITED if requested else State.LATE
    return State.DUE if today == row.due_effective else State.OPEN


class MarkRow(NamedTuple):
    """An occurrence as the day's reminders and escalations read it: the columns they show and decide
    by, straight from a column select (no ORM object). Same names and :meth:`state` as
    :class:`OccurrenceRow`."""

    uid: str
    plan_id: str
    kind: str
    unit_id: str | None
    title: str
    what: str
    detail: str
    period_label: str
    due_stated: date
    due_effective: date
    due_limit: date
    to_unit_id: str | None
    quota: str | None
    status: str
    done_on: date | None
    relation: str
    agency_own: bool
    date_source: str

    @property
    def escalatable(self) -> bool:
        return escalatable(self.kind, self.relation, self.agency_own)

    def state(self, today: date) -> State:
        """The occurrence as of ``today`` (see :func:`occurrence_state`)."""
        return occurrence_state(self, today)


class SubmissionRow(Base):
    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence_uid: Mapped[str] = mapped_column(ForeignKey("occurrences.uid"), unique=True)
    unit_id: Mapped[str] = mapped_column(String(80))
    received: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    #: which of the alternative deliverables was sent (1-based), when the duty has several
    alternative: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    #: the number of the document sent ("15/BC-UBND"), the file that came with it, who recorded it
    document_number: Mapped[str] = mapped_column(String(120), default="")
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(20), default="coordinator")


class StatusChangeRow(Base):
    """Every change of an occurrence's status, in order: nothing is overwritten. The newest row of an
    occurrence is its current status; a correction is a new row that names the one it corrects."""

    __tablename__ = "submission_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence_uid: Mapped[str] = mapped_column(ForeignKey("occurrences.uid"), index=True)
    unit_id: Mapped[str | None] = mapped_column(String(80))
    #: pending | on_time | late | missing | waived | cancelled
    status: Mapped[str] = mapped_column(String(12))
    previous: Mapped[str | None] = mapped_column(String(12))
    received: Mapped[date | None] = mapped_column(Date)
    document_number: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(Integer)
    #: coordinator | unit | import | plan (an amendment) | sub-plan | tracking
    source: Mapped[str] = mapped_column(String(20), default="coordinator")
    corrects: Mapped[int | None] = mapped_column(Integer)
    #: the day the change was made (the ``today`` it was made on), and the wall-clock time it was stored
    changed_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class ExemplarRow(Base):
    """The register of exemplars (điển hình tiên tiến) a unit introduced under a plan."""

    __tablename__ = "exemplars"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    collective: Mapped[bool] = mapped_column(Boolean)
    unit_id: Mapped[str] = mapped_column(String(80), index=True)
    field: Mapped[str] = mapped_column(String(200))
    introduced: Mapped[date] = mapped_column(Date, index=True)
    source_document: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("plan_id", "unit_id", "name", "introduced", name="uq_exemplars_entry"),)


class DeliveryRow(Base):
    """The delivery log: one row per (recipient, digest day, kind). Claimed before sending, marked
    after; a claim whose lease expired may be taken again."""

    __tablename__ = "deliveries"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    digest_day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    #: the plan a letter is about, when it is about one plan (a plan notice)
    plan_id: Mapped[str | None] = mapped_column(String(120))
    #: owed (planned, not claimed yet) | claimed | sent | failed | bad_address | dropped (re-planned away)
    status: Mapped[str] = mapped_column(String(12), default="claimed")
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    #: the machine and process holding the claim: a claim of a dead process of this machine is stale
    claimer_host: Mapped[str | None] = mapped_column(String(60))
    claimer_pid: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    message_id: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)


class FeedRow(Base):
    """What was last written for each feed file, so that only changed feeds are rewritten."""

    __tablename__ = "feeds"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(DateTime)


class ChangeNumberRow(Base):
    """The last change number given to an occurrence row (one row). A transaction that inserts or changes
    rows raises it and keeps it locked to its end, so changes commit in the order of their numbers: a
    reader that sees number n sees every change numbered up to n."""

    __tablename__ = "change_numbers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class FeedExportRow(Base):
    """What the last complete feed export wrote its files from (one row): the context of every feed, the
    change number read before its rows, and its day."""

    __tablename__ = "feed_exports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    context: Mapped[str] = mapped_column(String(64))
    change_number: Mapped[int] = mapped_column(Integer)
    today: Mapped[date] = mapped_column(Date)
    written_at: Mapped[datetime] = mapped_column(DateTime)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC).astimezone(VN) if value is not None else None


def _naive_utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None
