"""The delivery log: one row per letter key, claimed under a lease, marked sent once."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection

from plancal.clock import utc_now
from plancal.errors import DeliveryError, StoreError
from plancal.store.database import Store
from plancal.store.tables import DeliveryRow

T = TypeVar("T")


def new_worker() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


class Posting(Protocol):
    """What the log needs of a letter: its key, address, day, kind and the plan it is about."""

    @property
    def key(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def day(self) -> date: ...
    @property
    def kind(self) -> str: ...
    @property
    def plan_id(self) -> str | None: ...


@dataclass(frozen=True)
class Unsent:
    """A letter of an earlier day that did not go out."""

    key: str
    kind: str
    day: date
    plan_id: str | None


def unsent(store: Store, *, since: date, before: date, kinds: Sequence[str], now: datetime) -> list[Unsent]:
    """Rows of days in [since, before) that failed, or whose claim's lease ran out by ``now``."""
    moment = _naive(now)
    stale = or_(DeliveryRow.status == "failed", and_(DeliveryRow.status == "claimed", DeliveryRow.lease_until < moment))
    q = select(DeliveryRow.key, DeliveryRow.kind, DeliveryRow.digest_day, DeliveryRow.plan_id).where(
        DeliveryRow.digest_day >= since, DeliveryRow.digest_day < before, stale, DeliveryRow.kind.in_(list(kinds)))
    with store.session() as s:
        return [Unsent(*row) for row in s.execute(q).all()]


def delivery_counts(store: Store, *, day: date | None = None, since: date | None = None,
                    ) -> list[tuple[date, str, str, int]]:
    """(day, kind, status, count) of the log, newest day first."""
    q = select(DeliveryRow.digest_day, DeliveryRow.kind, DeliveryRow.status, func.count()).group_by(
        DeliveryRow.digest_day, DeliveryRow.kind, DeliveryRow.status)
    if day is not None:
        q = q.where(DeliveryRow.digest_day == day)
    if since is not None:
        q = q.where(DeliveryRow.digest_day >= since)
    with store.session() as s:
        rows = s.execute(q.order_by(DeliveryRow.digest_day.desc(), DeliveryRow.kind, DeliveryRow.status)).all()
    return [(d, k, st, n) for d, k, st, n in rows]


def needing_attention(store: Store, *, day: date | None = None, limit: int = 50) -> list[DeliveryRow]:
    """Rows that need attention: failed, bad addresses, and claims whose lease ran out."""
    q = select(DeliveryRow).where(DeliveryRow.status.in_(["failed", "bad_address", "claimed"]))
    if day is not None:
        q = q.where(DeliveryRow.digest_day == day)
    with store.session() as s:
        return list(s.scalars(q.order_by(DeliveryRow.digest_day.desc(), DeliveryRow.key).limit(limit)))


# -- the log -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogEntry:
    key: str
    status: str
    lease_until: datetime | None


class DeliveryLog:
    """The SQL of the ``deliveries`` table for one worker. Every claim and mark is one short transaction."""

    def __init__(self, store: Store, lease_seconds: int, worker: str, clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self.lease = timedelta(seconds=lease_seconds)
        self.worker = worker
        self.clock = clock
        self._conn: Connection | None = None
        dialect = store.engine.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            self._insert: Any = pg_insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            self._insert = sqlite_insert
        else:
            raise StoreError(f"nhật ký gửi thư chưa hỗ trợ cơ sở dữ liệu {dialect}", hint="dùng SQLite hoặc PostgreSQL")

    def now(self) -> datetime:
        return _naive(self.clock())

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep one database connection for a run (each claim and mark is still its own transaction):
        no pool checkout and liveness ping per mail."""
        if self._conn is not None:
            yield
            return
        with self.store.engine.connect() as conn:
            self._conn = conn
            try:
                yield
            finally:
                self._conn = None

    def _run(self, work: Callable[[Connection], T]) -> T:
        try:
            if self._conn is not None:
                with self._conn.begin():
                    return work(self._conn)
            with self.store.engine.begin() as conn:
                return work(conn)
        except Exception as exc:
            if self._conn is not None and self._conn.in_transaction():
                self._conn.rollback()
            if isinstance(exc, DeliveryError | StoreError):
                raise
            from sqlalchemy.exc import SQLAlchemyError

            if isinstance(exc, SQLAlchemyError):
                raise StoreError(f"nhật ký gửi thư: cơ sở dữ liệu từ chối thao tác: {exc.__class__.__name__}: "
                                 f"{exc.args[0] if exc.args else exc}",
                                 hint="kiểm tra PLANCAL_DATABASE_URL và chạy 'plancal db upgrade'") from exc
            raise

    def existing(self, keys: Sequence[str]) -> dict[str, LogEntry]:
        def work(conn: Connection) -> dict[str, LogEntry]:
            out: dict[str, LogEntry] = {}
            for i in range(0, len(keys), 500):
                q = select(DeliveryRow.key, DeliveryRow.status, DeliveryRow.lease_until).where(
                    DeliveryRow.key.in_(list(keys[i:i + 500])))
                for key, state, lease_until in conn.execute(q):
                    out[key] = LogEntry(key, state, lease_until)
            return out

        return self._run(work)

    def claim(self, letters: Sequence[Posting]) -> set[str]:
        """Take the rows of these letters; returns the keys this worker now holds."""
        if not letters:
            return set()
        now = self.now()
        until = now + self.lease
        rows = [dict(key=letter.key, recipient=letter.recipient, digest_day=letter.day, kind=letter.kind,
                     plan_id=letter.plan_id, status="claimed", claimed_by=self.worker, lease_until=until, attempts=0)
                for letter in letters]
        keys = [letter.key for letter in letters]

        def work(conn: Connection) -> set[str]:
            fresh = (self._insert(DeliveryRow).values(rows)
                     .on_conflict_do_nothing(index_elements=[DeliveryRow.key]).returning(DeliveryRow.key))
            got = set(conn.execute(fresh).scalars())
            rest = [k for k in keys if k not in got]
            if rest:
                again = (update(DeliveryRow)
                         .where(DeliveryRow.key.in_(rest),
                                or_(DeliveryRow.status == "failed",
                                    and_(DeliveryRow.status == "claimed", DeliveryRow.lease_until < now)))
                         .values(status="claimed", claimed_by=self.worker, lease_until=until)
                         .returning(DeliveryRow.key))
                got |= set(conn.execute(again).scalars())
            return got

        return self._run(work)

    def renew(self, keys: Sequence[str]) -> set[str]:
        """Extend the lease of rows still held; returns those still ours."""
        if not keys:
            return set()
        stmt = (update(DeliveryRow)
                .where(DeliveryRow.key.in_(list(keys)), DeliveryRow.claimed_by == self.worker,
                       DeliveryRow.status == "claimed")
                .values(lease_until=self.now() + self.lease).returning(DeliveryRow.key))
        return self._run(lambda c: set(c.execute(stmt).scalars()))

    def mark(self, key: str, status: str, *, tries: int, message_id: str | None = None, error: str | None = None) -> bool:
        """Record the outcome of a claimed row. False when the lease was lost to another worker."""
        now = self.now()
        values: dict[str, Any] = dict(status=status, lease_until=None, attempts=DeliveryRow.attempts + tries, error=error)
        if status == "sent":
            values.update(sent_at=now, message_id=message_id)
        stmt = (update(DeliveryRow)
                .where(DeliveryRow.key == key, DeliveryRow.claimed_by == self.worker, DeliveryRow.status == "claimed")
                .values(**values))
        done = self._run(lambda c: c.execute(stmt).rowcount == 1)
        if not done and status == "sent":
            # sent although another worker took the row over: record it so that nobody sends a third time
            force = (update(DeliveryRow).where(DeliveryRow.key == key, DeliveryRow.status != "sent")
                     .values(status="sent", sent_at=now, message_id=message_id, lease_until=None))
            self._run(lambda c: c.execute(force))
        return done

    def record_failed(self, letters: Sequence[Posting], error: str) -> None:
        """Write rows for letters that were never claimed (the batch stopped first), so that a later run —
        today or in the next days (:func:`send_catch_up`) — finds them. Rows that exist are left alone."""
        for start in range(0, len(letters), 200):
            rows = [dict(key=letter.key, recipient=letter.recipient, digest_day=letter.day, kind=letter.kind,
                         plan_id=letter.plan_id, status="failed", claimed_by=None, lease_until=None, attempts=0, error=error)
                    for letter in letters[start:start + 200]]
            stmt = self._insert(DeliveryRow).values(rows).on_conflict_do_nothing(index_elements=[DeliveryRow.key])

            def work(conn: Connection, stmt: Any = stmt) -> None:
                conn.execute(stmt)

            self._run(work)

    def release(self, keys: Sequence[str], error: str) -> None:
        """Give up rows claimed but not sent: they become ``failed`` and the next run takes them."""
        if not keys:
            return
        stmt = (update(DeliveryRow)
                .where(DeliveryRow.key.in_(list(keys)), DeliveryRow.claimed_by == self.worker,
                       DeliveryRow.status == "claimed")
                .values(status="failed", lease_until=None, error=error))
        self._run(lambda c: c.execute(stmt))
