"""The store: units, plans, occurrences, submissions, feed tokens and the delivery log.

SQLAlchemy 2 on SQLite (embedded default) or PostgreSQL (production), schema managed by Alembic.
Issuing the same plan twice changes nothing; issuing an amended plan keeps the status of unchanged
occurrences, marks removed ones cancelled (kept, not deleted) and adds new ones. Timestamps that
reach calendar feeds (``modified_at``) come from the data — the plan's revision date, the date a
submission was received — never from the wall clock, so feeds are reproducible.
"""

from __future__ import annotations

import fcntl
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path

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
    create_engine,
    delete,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from plancal.errors import Problem, StoreError
from plancal.planfile import LoadedPlan
from plancal.schedule import ACTIONABLE, Occurrence, recipients
from plancal.unit import Directory, Unit

VN = timezone(timedelta(hours=7))


def vn_midnight_utc(d: date) -> datetime:
    """00:00 in Vietnam on ``d``, as a naive UTC datetime (how the store keeps instants)."""
    return datetime.combine(d, time(0), tzinfo=VN).astimezone(UTC).replace(tzinfo=None)


def new_token() -> str:
    """An unguessable feed token: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


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

    def to_unit(self) -> Unit:
        return Unit(self.id, self.name, self.kind, self.parent_id, tuple(self.emails or ()))


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

    @property
    def display_number(self) -> str:
        return self.number or f"Kế hoạch ngày {self.issued:%d/%m/%Y}"


class OccurrenceRow(Base):
    __tablename__ = "occurrences"
    uid: Mapped[str] = mapped_column(String(40), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(160))
    unit_id: Mapped[str | None] = mapped_column(String(80))
    period_key: Mapped[str] = mapped_column(String(80))
    period_label: Mapped[str] = mapped_column(String(120))
    window_start: Mapped[date] = mapped_column(Date)
    due_stated: Mapped[date] = mapped_column(Date)
    due_effective: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    to_unit_id: Mapped[str | None] = mapped_column(String(80))
    quota: Mapped[str | None] = mapped_column(String(200))
    pilot: Mapped[bool] = mapped_column(Boolean, default=False)
    peak: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | done | cancelled
    done_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    modified_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_occ_unit_due", "unit_id", "due_effective"),)

    def to_occurrence(self) -> Occurrence:
        return Occurrence(
            uid=self.uid, plan_id=self.plan_id, kind=self.kind, source_id=self.source_id, unit_id=self.unit_id,
            period_key=self.period_key, period_label=self.period_label, window_start=self.window_start,
            due_stated=self.due_stated, due_effective=self.due_effective, title=self.title, detail=self.detail,
            to_unit_id=self.to_unit_id, quota=self.quota, pilot=self.pilot,
            starts_at=_aware(self.starts_at), ends_at=_aware(self.ends_at),
            audience=tuple(self.audience or ()), peak=self.peak)

    def state(self, today: date) -> str:
        """open | due | late | done | done_late | cancelled, as of ``today``."""
        if self.status == "cancelled":
            return "cancelled"
        if self.status == "done":
            return "done_late" if self.done_on and self.done_on > self.due_effective else "done"
        if self.kind not in ACTIONABLE:
            return "open"
        if today > self.due_effective:
            return "late"
        return "due" if today == self.due_effective else "open"


class SubmissionRow(Base):
    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence_uid: Mapped[str] = mapped_column(ForeignKey("occurrences.uid"), unique=True)
    unit_id: Mapped[str] = mapped_column(String(80))
    received: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class DeliveryRow(Base):
    """The delivery log: one row per (recipient, digest day, kind). Claimed before sending, marked
    after; a claim whose lease expired may be taken again."""

    __tablename__ = "deliveries"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    digest_day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="claimed")  # claimed | sent | failed | bad_address
    claimed_by: Mapped[str | None] = mapped_column(String(120))
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


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC).astimezone(VN) if value is not None else None


def _naive_utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None


@dataclass(frozen=True)
class IssueResult:
    plan_id: str
    added: int = 0
    changed: int = 0
    cancelled: int = 0
    unchanged: int = 0
    units_added: int = 0

    @property
    def nothing_changed(self) -> bool:
        return not (self.added or self.changed or self.cancelled or self.units_added)


@dataclass(frozen=True)
class Submission:
    occurrence_uid: str
    unit_id: str
    received: date
    note: str = ""


_OCC_FIELDS = ("plan_id", "kind", "source_id", "unit_id", "period_key", "period_label", "window_start",
               "due_stated", "due_effective", "title", "detail", "to_unit_id", "quota", "pilot", "peak")


class Store:
    """All database access goes through here. Create with :func:`open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_factory = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.session_factory() as s:
            try:
                yield s
                s.commit()
            except SQLAlchemyError as exc:
                s.rollback()
                raise StoreError(f"cơ sở dữ liệu từ chối thao tác: {exc.__class__.__name__}: {exc.args[0]}",
                                 hint="kiểm tra PLANCAL_DATABASE_URL và chạy 'plancal db upgrade'") from exc
            except BaseException:
                s.rollback()
                raise

    # -- units ------------------------------------------------------------------------------
    def import_units(self, units: Iterable[Unit]) -> tuple[int, int]:
        """Upsert units; keeps existing feed tokens. Returns (added, updated)."""
        units = list(units)
        added = updated = 0
        with self.session() as s:
            existing = {r.id: r for r in s.scalars(select(UnitRow).where(UnitRow.id.in_([u.id for u in units])))}
            for u in units:
                row = existing.get(u.id)
                if row is None:
                    s.add(UnitRow(id=u.id, name=u.name, kind=u.kind, parent_id=u.parent, emails=list(u.emails),
                                  feed_token=new_token()))
                    added += 1
                elif (row.name, row.kind, row.parent_id, list(row.emails or [])) != \
                        (u.name, u.kind, u.parent, list(u.emails)):
                    row.name, row.kind, row.parent_id, row.emails = u.name, u.kind, u.parent, list(u.emails)
                    updated += 1
        return added, updated

    def directory(self) -> Directory:
        with self.session() as s:
            return Directory(r.to_unit() for r in s.scalars(select(UnitRow)))

    def unit_rows(self) -> list[UnitRow]:
        with self.session() as s:
            return list(s.scalars(select(UnitRow).order_by(UnitRow.id)))

    def unit_row(self, unit_id: str) -> UnitRow | None:
        with self.session() as s:
            return s.get(UnitRow, unit_id)

    def unit_by_token(self, token: str) -> UnitRow | None:
        with self.session() as s:
            return s.scalars(select(UnitRow).where(UnitRow.feed_token == token)).first()

    def rotate_token(self, unit_id: str) -> str:
        token = new_token()
        with self.session() as s:
            row = s.get(UnitRow, unit_id)
            if row is None:
                raise StoreError([Problem(f"không có đơn vị '{unit_id}'", field="unit",
                                          hint="xem danh sách bằng 'plancal units list'")])
            row.feed_token = token
        return token

    # -- plans ------------------------------------------------------------------------------
    def issue(self, loaded: LoadedPlan, occurrences: Sequence[Occurrence]) -> IssueResult:
        """Store a plan and its occurrences in one transaction (all or nothing)."""
        plan = loaded.plan
        units_added, _ = self.import_units(loaded.directory)
        modified = vn_midnight_utc(plan.revision_date)
        added = changed = cancelled = unchanged = 0
        with self.session() as s:
            prow = s.get(PlanRow, plan.id)
            if prow is not None and prow.digest == loaded.digest:
                n = len(occurrences)
                return IssueResult(plan.id, unchanged=n, units_added=units_added)
            values = dict(number=plan.number, title=plan.title, issuer_id=plan.issuer,
                          standing_agency_id=plan.standing_agency, parent_id=plan.parent, issued=plan.issued,
                          revision_date=plan.revision_date, period_start=plan.start, period_end=plan.end,
                          source_path=str(loaded.path), digest=loaded.digest,
                          recipients=_recipient_ids(loaded))
            if prow is None:
                s.add(PlanRow(id=plan.id, revision=1, **values))
            else:
                for k, v in values.items():
                    setattr(prow, k, v)
                prow.revision += 1
            s.flush()
            existing = {r.uid: r for r in s.scalars(select(OccurrenceRow).where(OccurrenceRow.plan_id == plan.id))}
            seen = set()
            fresh: list[dict[str, object]] = []
            for occ in occurrences:
                seen.add(occ.uid)
                digest = occ.content_hash()
                row = existing.get(occ.uid)
                if row is None:
                    fresh.append(dict(uid=occ.uid, content_hash=digest, status="open", sequence=0, done_on=None,
                                      cancelled_on=None, modified_at=modified, starts_at=_naive_utc(occ.starts_at),
                                      ends_at=_naive_utc(occ.ends_at), audience=list(occ.audience),
                                      **{f: getattr(occ, f) for f in _OCC_FIELDS}))
                    added += 1
                elif row.content_hash != digest or row.status == "cancelled":
                    for f in _OCC_FIELDS:
                        setattr(row, f, getattr(occ, f))
                    row.starts_at, row.ends_at = _naive_utc(occ.starts_at), _naive_utc(occ.ends_at)
                    row.audience = list(occ.audience)
                    row.content_hash = digest
                    if row.status == "cancelled":
                        row.status, row.cancelled_on = "open", None
                    row.sequence += 1
                    row.modified_at = max(modified, row.modified_at)
                    changed += 1
                else:
                    unchanged += 1
            if fresh:  # one executemany, not one ORM object per row
                s.execute(insert(Base.metadata.tables["occurrences"]), fresh)
            for uid, row in existing.items():
                if uid not in seen and row.status != "cancelled":
                    row.status = "cancelled"
                    row.cancelled_on = plan.revision_date
                    row.sequence += 1
                    row.modified_at = max(modified, row.modified_at)
                    cancelled += 1
        return IssueResult(plan.id, added, changed, cancelled, unchanged, units_added)

    def plans(self) -> list[PlanRow]:
        with self.session() as s:
            return list(s.scalars(select(PlanRow).order_by(PlanRow.issued, PlanRow.id)))

    def plan(self, plan_id: str) -> PlanRow | None:
        with self.session() as s:
            return s.get(PlanRow, plan_id)

    # -- occurrences ------------------------------------------------------------------------
    def occurrences(self, *, plan_id: str | None = None, unit_id: str | None = None, start: date | None = None,
                    end: date | None = None, kinds: Iterable[str] | None = None,
                    include_cancelled: bool = False, statuses: Iterable[str] | None = None) -> list[OccurrenceRow]:
        q = select(OccurrenceRow)
        if plan_id:
            q = q.where(OccurrenceRow.plan_id == plan_id)
        if unit_id:
            q = q.where(OccurrenceRow.unit_id == unit_id)
        if start:
            q = q.where(OccurrenceRow.due_effective >= start)
        if end:
            q = q.where(OccurrenceRow.due_effective <= end)
        if kinds is not None:
            q = q.where(OccurrenceRow.kind.in_(list(kinds)))
        if statuses is not None:
            q = q.where(OccurrenceRow.status.in_(list(statuses)))
        elif not include_cancelled:
            q = q.where(OccurrenceRow.status != "cancelled")
        q = q.order_by(OccurrenceRow.due_effective, OccurrenceRow.kind, OccurrenceRow.unit_id, OccurrenceRow.uid)
        with self.session() as s:
            return list(s.scalars(q))

    def find_occurrence(self, plan_id: str, source_id: str, unit_id: str, period_key: str | None = None,
                        ) -> OccurrenceRow:
        q = select(OccurrenceRow).where(OccurrenceRow.plan_id == plan_id, OccurrenceRow.source_id == source_id,
                                        OccurrenceRow.unit_id == unit_id, OccurrenceRow.status != "cancelled")
        if period_key:
            q = q.where(OccurrenceRow.period_key == period_key)
        with self.session() as s:
            rows = list(s.scalars(q.order_by(OccurrenceRow.due_effective)))
        if len(rows) != 1:
            keys = ", ".join(r.period_key for r in rows) or "không có"
            raise StoreError([Problem(
                f"không xác định được nhiệm vụ '{source_id}' của đơn vị '{unit_id}' trong kế hoạch '{plan_id}'"
                + (f" kỳ '{period_key}'" if period_key else "") + f" (tìm thấy {len(rows)}; các kỳ: {keys})",
                field="period", hint="ghi rõ kỳ (period), ví dụ 2021-03, 2021-Q1, 2021-H1, 2021")])
        return rows[0]

    def record_submission(self, sub: Submission) -> bool:
        """Mark an occurrence done. Returns False when the same submission was already recorded."""
        with self.session() as s:
            row = s.get(OccurrenceRow, sub.occurrence_uid)
            if row is None:
                raise StoreError([Problem(f"không có nhiệm vụ mã '{sub.occurrence_uid}'", field="occurrence")])
            if row.unit_id != sub.unit_id:
                raise StoreError([Problem(f"nhiệm vụ này thuộc đơn vị '{row.unit_id}', không phải '{sub.unit_id}'",
                                          field="unit")])
            existing = s.scalars(select(SubmissionRow).where(SubmissionRow.occurrence_uid == sub.occurrence_uid)).first()
            if existing is not None and (existing.received, existing.note) == (sub.received, sub.note):
                return False
            if existing is None:
                s.add(SubmissionRow(occurrence_uid=sub.occurrence_uid, unit_id=sub.unit_id, received=sub.received,
                                    note=sub.note, recorded_at=datetime.now(UTC).replace(tzinfo=None)))
            else:
                existing.received, existing.note = sub.received, sub.note
            row.status = "done"
            row.done_on = sub.received
            row.sequence += 1
            row.modified_at = max(row.modified_at, vn_midnight_utc(sub.received))
        return True

    # -- feeds ------------------------------------------------------------------------------
    def feed_digests(self) -> dict[str, str]:
        with self.session() as s:
            return {r.name: r.digest for r in s.scalars(select(FeedRow))}

    def save_feed_digests(self, digests: dict[str, str], when: datetime) -> None:
        with self.session() as s:
            for name, digest in digests.items():
                row = s.get(FeedRow, name)
                if row is None:
                    s.add(FeedRow(name=name, digest=digest, written_at=when))
                else:
                    row.digest, row.written_at = digest, when

    def forget_feeds(self, names: Iterable[str]) -> None:
        """Drop the digests of feed files that no longer exist (a rotated token, a removed unit)."""
        names = list(names)
        if not names:
            return
        with self.session() as s:
            s.execute(delete(FeedRow).where(FeedRow.name.in_(names)))



def _recipient_ids(loaded: LoadedPlan) -> list[str]:
    return recipients(loaded, ["@recipients", "@standing-agency", "@issuer"])


def migrations_dir() -> Path:
    return Path(__file__).with_name("migrations")


@lru_cache(maxsize=1)
def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(migrations_dir())).get_current_head()


def _current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migrator at a time: two workers starting together must not both create the schema.
    PostgreSQL: an advisory lock; SQLite: an exclusive lock on a file beside the database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(7265626)"))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(7265626)"))
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op, without Alembic's machinery, when it is)."""
    with engine.connect() as conn:
        if _current_revision(conn) == _head_revision():
            return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with _migration_lock(engine), engine.begin() as conn:
        if _current_revision(conn) == _head_revision():
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Connect (creating the SQLite file's folder if needed) and migrate to the newest schema."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except Exception as exc:  # noqa: BLE001 - bad URL text
        raise StoreError(f"địa chỉ cơ sở dữ liệu không hợp lệ: {url}: {exc}",
                         hint="ví dụ sqlite:///var/plancal.db hoặc postgresql+psycopg://user@host/db") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        try:
            upgrade(engine)
        except OperationalError as exc:
            raise StoreError(f"không kết nối được cơ sở dữ liệu {engine.url.render_as_string(hide_password=True)}: "
                             f"{exc.orig}", hint="kiểm tra máy chủ cơ sở dữ liệu đang chạy") from None
    return Store(engine)


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()

