"""The delivery log: one row per letter key, claimed under a lease, marked sent once."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any, Protocol, TypeVar

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.engine import Connection

from plancal.clock import utc_now
from plancal.errors import DeliveryError, Problem, StoreError
from plancal.store.database import Store
from plancal.store.tables import DeliveryRow, OccurrenceRow, PlanRow

T = TypeVar("T")

#: during a run on SQLite (WAL), a mark is synced to disk at least this often (seconds): a power cut
#: undoes at most the marks of this last stretch (those mails would go again, same Message-ID)
SYNC_EVERY = 0.25
_SQLITE_NORMAL = 1
#: see :meth:`DeliveryLog.plans_marker`
_PLANS_MARKER = select(func.count(), func.coalesce(func.sum(PlanRow.revision), 0))

#: this machine, as claims record it
HOST = socket.gethostname()[:60]
#: a row in these states is owed: the next claim takes it at once, and the catch-up looks for them
OWED = ("owed", "failed")
#: … and a claim also takes a row that was dropped (re-planned away) if the letter is planned again
TAKEABLE = (*OWED, "dropped")


def new_worker() -> str:
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def process_alive(host: str | None, pid: int | None) -> bool | None:
    """Whether the process holding a claim still runs: True or False for a process of this machine,
    None when that cannot be known here (another machine, or a row written before hosts were kept)."""
    if host != HOST or pid is None:
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _dead_pids(conn: Connection, keys: Sequence[str], now: datetime) -> list[int]:
    """Processes of this machine that hold live claims on some of ``keys`` but have died."""
    q = select(DeliveryRow.claimer_pid).distinct().where(
        DeliveryRow.key.in_(list(keys)), DeliveryRow.status == "claimed", DeliveryRow.lease_until >= now,
        DeliveryRow.claimer_host == HOST, DeliveryRow.claimer_pid.is_not(None))
    return [pid for pid in conn.execute(q).scalars() if pid is not None and process_alive(HOST, pid) is False]


def _takeable(now: datetime, dead: Sequence[int]) -> Any:
    """The rows a claim may take: owed, failed, or claimed under a lease that ran out or by a dead process."""
    stale = and_(DeliveryRow.status == "claimed", DeliveryRow.lease_until < now)
    if dead:
        stale = or_(stale, and_(DeliveryRow.status == "claimed", DeliveryRow.claimer_host == HOST,
                                DeliveryRow.claimer_pid.in_(list(dead))))
    return or_(DeliveryRow.status.in_(TAKEABLE), stale)


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
    """Rows of days in [since, before) still owed: planned and never claimed, failed, or claimed by a
    process whose lease ran out by ``now`` or that died on this machine."""
    moment = _naive(now)
    q = select(DeliveryRow.key, DeliveryRow.kind, DeliveryRow.digest_day, DeliveryRow.plan_id, DeliveryRow.status,
               DeliveryRow.lease_until, DeliveryRow.claimer_host, DeliveryRow.claimer_pid).where(
        DeliveryRow.digest_day >= since, DeliveryRow.digest_day < before,
        DeliveryRow.status.in_([*OWED, "claimed"]), DeliveryRow.kind.in_(list(kinds)))
    with store.session() as s:
        rows = s.execute(q).all()
    out = []
    for key, kind, day, plan_id, state, lease_until, host, pid in rows:
        if state == "claimed" and not (lease_until is None or lease_until < moment
                                       or process_alive(host, pid) is False):
            continue
        out.append(Unsent(key, kind, day, plan_id))
    return out


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
    claimed_by: str | None = None
    claimer_host: str | None = None
    claimer_pid: int | None = None

    def takeable(self, now: datetime) -> bool:
        """Whether a claim would take this row now (see :meth:`DeliveryLog.claim`)."""
        if self.status in TAKEABLE:
            return True
        if self.status != "claimed":
            return False
        return (self.lease_until is None or self.lease_until < now
                or process_alive(self.claimer_host, self.claimer_pid) is False)


class DeliveryLog:
    """The SQL of the ``deliveries`` table for one worker. Every claim and mark is one short transaction."""

    def __init__(self, store: Store, lease_seconds: int, worker: str, clock: Callable[[], datetime] = utc_now) -> None:
        if lease_seconds <= 0:
            raise DeliveryError([Problem(
                f"thời hạn giữ thư phải lớn hơn 0 giây (đang là {lease_seconds}): với thời hạn này không thư nào "
                "gửi được", field="PLANCAL_LEASE_SECONDS", hint="đặt PLANCAL_LEASE_SECONDS=300 (mặc định) hoặc bỏ trống")])
        self.store = store
        self.lease = timedelta(seconds=lease_seconds)
        self.worker = worker
        self.clock = clock
        self.pid = os.getpid()
        self._conn: Connection | None = None
        #: the synchronous level to restore when a run relaxed it (SQLite in WAL mode), and when a mark
        #: was last synced
        self._relaxed: int | None = None
        self._synced = 0.0
        self._marker: tuple[int, int] | None = None
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
        no pool checkout and liveness ping per mail.

        On SQLite in WAL mode the run's commits are not each synced to disk (``synchronous=NORMAL``): a
        commit still survives the process being killed (it is in the WAL, written before the commit
        returns), only a power cut or an OS crash may undo the last ones. So that this never loses a mail,
        what is owed is written before (:meth:`owe`, synced as always); and so that it resends few, a mark
        is synced at least every :data:`SYNC_EVERY` seconds and the end of the run is synced. Undone by a
        power cut, a ``sent`` mark makes the next run send that mail again, with the same Message-ID."""
        if self._conn is not None:
            yield
            return
        with self.store.engine.connect() as conn:
            self._conn = conn
            relaxed = self._relax(conn)
            try:
                yield
            finally:
                self._conn, self._relaxed = None, None
                if relaxed is not None:
                    _restore(conn, relaxed)

    def _relax(self, conn: Connection) -> int | None:
        """``synchronous=NORMAL`` on this connection when it is SQLite in WAL mode; returns the level to
        restore (None: nothing changed)."""
        if conn.dialect.name != "sqlite":
            return None
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        level = int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
        relaxed = None
        if str(mode).lower() == "wal" and level > _SQLITE_NORMAL:
            conn.exec_driver_sql(f"PRAGMA synchronous={_SQLITE_NORMAL}")
            relaxed, self._synced = level, time.monotonic()
        conn.commit()
        self._relaxed = relaxed
        return relaxed

    def _synced_now(self) -> bool:
        """Whether this commit is the one synced to disk (:data:`SYNC_EVERY`): it then runs at the
        connection's usual level."""
        if self._relaxed is None or self._conn is None or time.monotonic() - self._synced < SYNC_EVERY:
            return False
        self._conn.exec_driver_sql(f"PRAGMA synchronous={self._relaxed}")
        self._conn.commit()
        return True

    def _restore_relaxed(self) -> None:
        if self._conn is not None:
            self._conn.exec_driver_sql(f"PRAGMA synchronous={_SQLITE_NORMAL}")
            self._conn.commit()
        self._synced = time.monotonic()

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
            from sqlalchemy.exc import SQLAlchemyError

            if isinstance(exc, SQLAlchemyError):
                raise _refused(exc) from exc
            raise

    def _direct(self, work: Callable[[Any], T]) -> T:
        """``work`` on a cursor of the driver's own connection (the held one, or one from the pool), as one
        transaction: for the statements of :class:`_Direct`."""
        if self._conn is None:
            with self.store.engine.connect() as conn:
                return _on_driver(conn, work)
        return _on_driver(self._conn, work)

    def existing(self, keys: Sequence[str]) -> dict[str, LogEntry]:
        def work(conn: Connection) -> dict[str, LogEntry]:
            out: dict[str, LogEntry] = {}
            for i in range(0, len(keys), 500):
                q = select(DeliveryRow.key, DeliveryRow.status, DeliveryRow.lease_until, DeliveryRow.claimed_by,
                           DeliveryRow.claimer_host, DeliveryRow.claimer_pid).where(
                    DeliveryRow.key.in_(list(keys[i:i + 500])))
                for row in conn.execute(q):
                    out[row[0]] = LogEntry(*row)
            return out

        return self._run(work)

    def _rows(self, letters: Sequence[Posting], **values: Any) -> list[dict[str, Any]]:
        return [dict(key=letter.key, recipient=letter.recipient, digest_day=letter.day, kind=letter.kind,
                     plan_id=letter.plan_id, attempts=0, **values) for letter in letters]

    def owe(self, letters: Sequence[Posting]) -> int:
        """Write the rows of letters about to be sent as ``owed``, all in one transaction, before the first
        of them goes out: a run that dies after this leaves them for a later run (the same day's, or the
        next days' catch-up) instead of losing them. Rows that exist are left alone; returns how many
        rows were written."""
        if not letters:
            return 0

        def work(conn: Connection) -> int:
            written = 0
            for start in range(0, len(letters), 500):
                rows = self._rows(letters[start:start + 500], status="owed", claimed_by=None, lease_until=None)
                written += len(conn.execute(self._new_rows, rows).all())
            return written

        return self._run(work)

    def claim(self, letters: Sequence[Posting]) -> set[str]:
        """Take the rows of these letters; returns the keys this worker now holds. A row is taken when it
        is new, owed, failed, or claimed under a lease that ran out or by a process of this machine that
        is no longer running."""
        if not letters:
            return set()
        now = self.now()
        until = now + self.lease
        mine = dict(status="claimed", claimed_by=self.worker, claimer_host=HOST, claimer_pid=self.pid, lease_until=until)
        rows = self._rows(letters, **mine)
        keys = [letter.key for letter in letters]

        def work(conn: Connection) -> set[str]:
            # the rows there first (a run wrote them owed before its first mail), then those not there yet
            take = (update(DeliveryRow)
                    .where(DeliveryRow.key.in_(keys), _takeable(now, _dead_pids(conn, keys, now)))
                    .values(**mine)
                    .returning(DeliveryRow.key))
            got = set(conn.execute(take).scalars())
            new = [row for row in rows if row["key"] not in got]
            if new:
                got |= set(conn.execute(self._new_rows, new).scalars())
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
        params: dict[str, Any] = dict(m_key=key, m_status=status, m_tries=tries, m_error=error)
        if status == "sent":
            params.update(m_at=now, m_id=message_id)
        synced = self._synced_now()
        try:
            done = self._direct(lambda cursor: self._mark(cursor, status == "sent", params))
        finally:
            if synced:
                self._restore_relaxed()
        if not done and status == "sent":
            # sent although another worker took the row over: record it so that nobody sends a third time
            force = (update(DeliveryRow).where(DeliveryRow.key == key, DeliveryRow.status != "sent")
                     .values(status="sent", sent_at=now, message_id=message_id, lease_until=None))
            self._run(lambda c: c.execute(force))
        return done

    def _mark(self, cursor: Any, sent: bool, params: dict[str, Any]) -> bool:
        done = self._marks[sent].execute(cursor, params).rowcount == 1
        # in the same transaction: what the next letter is checked against
        count, revisions = self._marks[2].execute(cursor, {}).fetchone()
        self._marker = int(count), int(revisions)
        return done

    def marked_marker(self) -> tuple[int, int] | None:
        """The plans' marker as the last :meth:`mark` committed (once; None when taken or no mark since)."""
        marker, self._marker = self._marker, None
        return marker

    @cached_property
    def _new_rows(self) -> Any:
        """INSERT of rows not there yet, given as parameter sets (one statement, compiled once, whatever
        the number of rows); returns the keys inserted."""
        return (self._insert(DeliveryRow).on_conflict_do_nothing(index_elements=[DeliveryRow.key])
                .returning(DeliveryRow.key))

    @cached_property
    def _marks(self) -> tuple[_Direct, _Direct, _Direct]:
        """The UPDATE of :meth:`mark` (other outcomes, sent) and the plans' marker read with it, compiled once:
        one mail is one execution of each."""
        mine = update(DeliveryRow).where(DeliveryRow.key == bindparam("m_key"), DeliveryRow.claimed_by == self.worker,
                                         DeliveryRow.status == "claimed")
        values: dict[str, Any] = dict(status=bindparam("m_status"), lease_until=None, error=bindparam("m_error"),
                                      attempts=DeliveryRow.attempts + bindparam("m_tries"))
        dialect = self.store.engine.dialect
        return (_Direct(mine.values(**values), dialect),
                _Direct(mine.values(**values, sent_at=bindparam("m_at"), message_id=bindparam("m_id")), dialect),
                _Direct(_PLANS_MARKER, dialect))

    def plans_marker(self) -> tuple[int, int]:
        """What changes whenever an issue or an amendment commits (the plans and their revisions): an
        occurrence is only ever cancelled in the transaction that bumps its plan's revision."""
        return self._run(_plans_marker)

    def withdrawn(self, uids: Collection[str]) -> set[str]:
        """:func:`withdrawn`, on this log's connection."""
        return self._run(lambda c: _withdrawn(c, uids)) if uids else set()

    def record_failed(self, letters: Sequence[Posting], error: str) -> None:
        """Write rows for letters that were never claimed (the batch stopped first), so that a later run —
        today or in the next days (:func:`send_catch_up`) — finds them. Rows already owed become failed
        with the reason; rows in any other state are left alone."""
        keys = [letter.key for letter in letters]
        for start in range(0, len(letters), 200):
            rows = self._rows(letters[start:start + 200], status="failed", claimed_by=None, lease_until=None, error=error)
            stmt = self._insert(DeliveryRow).values(rows).on_conflict_do_nothing(index_elements=[DeliveryRow.key])
            owed = (update(DeliveryRow).where(DeliveryRow.key.in_(keys[start:start + 200]), DeliveryRow.status == "owed")
                    .values(status="failed", error=error))

            def work(conn: Connection, stmt: Any = stmt, owed: Any = owed) -> None:
                conn.execute(stmt)
                conn.execute(owed)

            self._run(work)

    def release(self, keys: Sequence[str], error: str, *, status: str = "failed") -> None:
        """Give up rows claimed but not sent: they become ``failed`` and the next run takes them (or
        ``dropped``: re-planned away, nothing to send)."""
        if not keys:
            return
        stmt = (update(DeliveryRow)
                .where(DeliveryRow.key.in_(list(keys)), DeliveryRow.claimed_by == self.worker,
                       DeliveryRow.status == "claimed")
                .values(status=status, lease_until=None, error=error))
        self._run(lambda c: c.execute(stmt))


class _Direct:
    """A statement compiled once for the database and run on a cursor of the driver's own connection.

    Only for the per-mail mark, the hot path of a run: after each SMTP round trip the process wakes with cold
    caches, and SQLAlchemy's execution and transaction machinery then costs several times the statements
    themselves (0.23 ms against 0.06 ms a mail). The parameters are those SQLAlchemy would send: built by
    the compiled statement, through each column type's bind processor, in the driver's paramstyle."""

    def __init__(self, stmt: Any, dialect: Any) -> None:
        self.compiled = stmt.compile(dialect=dialect)
        self.sql = self.compiled.string
        #: the order of the parameters for a positional paramstyle (SQLite's ``?``), None for a named one
        self.order: Sequence[str] | None = self.compiled.positiontup
        self.processors = {name: process for bind, name in self.compiled.bind_names.items()
                           if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None}

    def execute(self, cursor: Any, values: dict[str, Any]) -> Any:
        params = self.compiled.construct_params(values)
        for name, process in self.processors.items():
            params[name] = process(params[name])
        cursor.execute(self.sql, params if self.order is None else [params[name] for name in self.order])
        return cursor


def _on_driver(conn: Connection, work: Callable[[Any], T]) -> T:
    """``work`` on a new cursor of ``conn``'s driver connection, committed (rolled back on an error)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        out = work(cursor)
        dbapi.commit()
        return out
    except Exception as exc:
        dbapi.rollback()
        if isinstance(exc, conn.dialect.loaded_dbapi.Error):
            raise _refused(exc) from exc
        raise
    finally:
        cursor.close()


def _refused(exc: Exception) -> StoreError:
    return StoreError(f"nhật ký gửi thư: cơ sở dữ liệu từ chối thao tác: {exc.__class__.__name__}: "
                      f"{exc.args[0] if exc.args else exc}",
                      hint="kiểm tra PLANCAL_DATABASE_URL và chạy 'plancal db upgrade'")


def _plans_marker(conn: Connection) -> tuple[int, int]:
    count, revisions = conn.execute(_PLANS_MARKER).one()
    return int(count), int(revisions)


def _restore(conn: Connection, level: int) -> None:
    """The connection's usual synchronous level again, and the run's commits synced (a checkpoint syncs
    the WAL first); a connection that cannot be put back is thrown away, not returned to the pool."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        if conn.in_transaction():
            conn.rollback()
        conn.exec_driver_sql(f"PRAGMA synchronous={level}")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        conn.commit()
    except SQLAlchemyError:
        conn.invalidate()


def withdrawn(store: Store, uids: Collection[str]) -> set[str]:
    """Of the occurrences a letter is about, those no longer to be done: cancelled (an amendment was
    committed since the letter was planned) or gone."""
    if not uids:
        return set()
    with store.engine.connect() as conn:
        return _withdrawn(conn, uids)


def _withdrawn(conn: Connection, uids: Collection[str]) -> set[str]:
    wanted = sorted(uids)
    alive: set[str] = set()
    for i in range(0, len(wanted), 500):
        q = select(OccurrenceRow.uid).where(OccurrenceRow.uid.in_(wanted[i:i + 500]), OccurrenceRow.status != "cancelled")
        alive.update(conn.execute(q).scalars())
    return set(wanted) - alive
