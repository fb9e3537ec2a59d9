"""The delivery log and the sending loop: every mail once — none lost, none twice.

Each letter has a key (kind, what it is about, recipient) and a row in ``deliveries``. Before sending,
a worker *claims* the row: an ``INSERT … ON CONFLICT DO NOTHING`` for a new key, or a conditional
``UPDATE … WHERE status = 'failed' OR (status = 'claimed' AND lease_until < now)`` for one whose
earlier attempt failed or whose worker died; both report which rows they took (``RETURNING``), so of
two workers racing for a key exactly one wins, on SQLite as on PostgreSQL. The claim carries a lease
(``PLANCAL_LEASE_SECONDS``). Right after the server accepts the message the row is marked ``sent``.

- A rerun, a retry or a second worker finds the row ``sent`` (or claimed under a live lease) and skips.
- A process killed between claim and send leaves the row ``claimed``; once the lease expires the next
  run takes it again. (Killed after the server accepted but before the mark, the mail goes out again
  with the same Message-ID — the one window no SMTP client can close.)
- A server that is down or answers 4xx is retried with exponential backoff; when it stays down the
  batch stops, the claimed rows become ``failed`` and the report lists every mail not sent; the next
  run sends them.
- An address the server refuses for good (5xx) becomes ``bad_address``: the rest go out, and the
  coordinators (the standing agencies of the plans concerned) get one mail listing the bad addresses.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection

from plancal import reminder
from plancal.errors import DeliveryError, Problem, StoreError
from plancal.mail import (
    VN,
    AddressRejected,
    Letter,
    Mailer,
    MessageRejected,
    TemporaryFailure,
    compose,
    utc_now,
)
from plancal.reminder import World
from plancal.settings import Settings
from plancal.store import DeliveryRow, Store

T = TypeVar("T")
#: letters claimed in one transaction (the lease must cover sending them all)
CLAIM_CHUNK = 50
#: how many past days :func:`send_catch_up` looks back for mails that did not go out
CATCH_UP_DAYS = 3
MAIL_KIND_LABEL = {
    "digest": "thư nhắc việc hằng ngày",
    "escalation": "thư báo chậm thực hiện",
    "notice": "thư thông báo kế hoạch",
    "themes": "thư chủ đề tuyên truyền tháng",
    "conference": "thư các bước chuẩn bị hội nghị",
    "report_call": "thư đề nghị báo cáo",
    "weekly": "thư tổng hợp tuần",
    "bad_address": "thư báo địa chỉ không nhận thư",
}
STATUS_LABEL = {"claimed": "đang gửi", "sent": "đã gửi", "failed": "lỗi, sẽ gửi lại", "bad_address": "địa chỉ hỏng"}


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for a server that is down or answers 4xx: ``attempts`` tries per mail, waiting
    ``first_delay``, then ``factor`` times longer each time (at most ``max_delay``)."""

    attempts: int = 5
    first_delay: float = 2.0
    factor: float = 2.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, failed_attempts: int) -> float:
        return min(self.max_delay, self.first_delay * self.factor ** (failed_attempts - 1))


@dataclass(frozen=True)
class Failure:
    recipient: str
    kind: str
    key: str
    error: str


@dataclass(frozen=True)
class BadAddress:
    recipient: str
    kind: str
    key: str
    error: str


@dataclass(frozen=True)
class DeliveryReport:
    """What one call did. Batches add up with ``+``."""

    sent: int = 0
    skipped_already_sent: int = 0
    skipped_in_progress: int = 0
    skipped_bad_address: int = 0
    failed: tuple[Failure, ...] = ()
    bad_addresses: tuple[BadAddress, ...] = ()
    coordinators_notified: int = 0
    lease_lost: int = 0
    #: why the batch stopped (server down, login refused …); the mails not sent are in ``failed``
    server_error: str | None = None

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.sent + other.sent, self.skipped_already_sent + other.skipped_already_sent,
            self.skipped_in_progress + other.skipped_in_progress, self.skipped_bad_address + other.skipped_bad_address,
            self.failed + other.failed, self.bad_addresses + other.bad_addresses,
            self.coordinators_notified + other.coordinators_notified, self.lease_lost + other.lease_lost,
            self.server_error or other.server_error)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        parts = [f"đã gửi {self.sent} thư"]
        if self.skipped_already_sent:
            parts.append(f"{self.skipped_already_sent} thư đã gửi trước đó (bỏ qua)")
        if self.skipped_in_progress:
            parts.append(f"{self.skipped_in_progress} thư đang do tiến trình khác gửi")
        if self.skipped_bad_address:
            parts.append(f"{self.skipped_bad_address} thư tới địa chỉ đã biết là hỏng (bỏ qua)")
        if self.failed:
            parts.append(f"{len(self.failed)} thư chưa gửi được (sẽ gửi lại ở lần chạy sau)")
        if self.bad_addresses:
            parts.append(f"{len(self.bad_addresses)} địa chỉ không nhận thư")
        if self.coordinators_notified:
            parts.append(f"đã báo {self.coordinators_notified} cơ quan thường trực về địa chỉ hỏng")
        return "; ".join(parts)

    def raise_for_failures(self) -> None:
        """Fail the flow run when mails could not go out (they stay in the log and go on the next run)."""
        if not self.failed:
            return
        errors = sorted({f.error for f in self.failed})
        raise DeliveryError([Problem(f"{len(self.failed)} thư chưa gửi được: " + "; ".join(errors[:3]),
                                     field="smtp", hint="kiểm tra máy chủ thư; chạy lại sẽ gửi các thư còn thiếu, "
                                                        "không gửi trùng thư đã gửi")])


def new_worker() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


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

    def claim(self, letters: Sequence[Letter]) -> set[str]:
        """Take the rows of these letters; returns the keys this worker now holds."""
        if not letters:
            return set()
        now = self.now()
        until = now + self.lease
        rows = [dict(key=letter.key, recipient=letter.recipient, digest_day=letter.day, kind=letter.kind, status="claimed",
                     claimed_by=self.worker, lease_until=until, attempts=0) for letter in letters]
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

    def record_failed(self, letters: Sequence[Letter], error: str) -> None:
        """Write rows for letters that were never claimed (the batch stopped first), so that a later run —
        today or in the next days (:func:`send_catch_up`) — finds them. Rows that exist are left alone."""
        for start in range(0, len(letters), 200):
            rows = [dict(key=letter.key, recipient=letter.recipient, digest_day=letter.day, kind=letter.kind,
                         status="failed", claimed_by=None, lease_until=None, attempts=0, error=error)
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


# -- sending -------------------------------------------------------------------------------------
class _Stop(Exception):
    """The server is unusable: stop this batch."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Tally:
    sent: int = 0
    already: int = 0
    in_progress: int = 0
    bad_known: int = 0
    lease_lost: int = 0
    failed: list[Failure] = field(default_factory=list)
    bad: list[BadAddress] = field(default_factory=list)
    stopped: str | None = None

    def report(self, notified: int = 0) -> DeliveryReport:
        return DeliveryReport(self.sent, self.already, self.in_progress, self.bad_known, tuple(self.failed),
                              tuple(self.bad), notified, self.lease_lost, self.stopped)


class Courier:
    """Sends letters through a mailer under the delivery log."""

    def __init__(self, store: Store, settings: Settings, mailer: Mailer, *, clock: Callable[[], datetime] = utc_now,
                 retry: RetryPolicy | None = None, worker: str | None = None) -> None:
        self.store = store
        self.settings = settings
        self.mailer = mailer
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self.log = DeliveryLog(store, settings.lease_seconds, worker or new_worker(), clock)
        self.tally = _Tally()
        self._coordinators: dict[str, tuple[str, ...]] = {}

    def deliver(self, letters: Iterable[Letter], *, hold: str | None = None) -> _Tally:
        """Send what is not sent yet. With ``hold`` (the server is known to be down), send nothing and
        record the letters as failed, for a later run."""
        unique = list({letter.key: letter for letter in letters}.values())
        now = self.log.now()
        known = self.log.existing([letter.key for letter in unique])
        todo: list[Letter] = []
        for letter in unique:
            entry = known.get(letter.key)
            if entry is None or entry.status == "failed" or (
                    entry.status == "claimed" and entry.lease_until is not None and entry.lease_until < now):
                todo.append(letter)
            elif entry.status == "sent":
                self.tally.already += 1
            elif entry.status == "bad_address":
                self.tally.bad_known += 1
            else:
                self.tally.in_progress += 1
        if hold is not None:
            self._give_up(todo, hold)
            return self.tally
        try:
            with self.log.held():
                self._all(todo)
        finally:
            self.mailer.close()
        return self.tally

    def _all(self, todo: list[Letter]) -> None:
        for start in range(0, len(todo), CLAIM_CHUNK):
            try:
                self._chunk(todo[start:start + CLAIM_CHUNK])
            except _Stop as stop:
                self._give_up(todo[start + CLAIM_CHUNK:], stop.reason)
                return

    def _give_up(self, letters: list[Letter], reason: str) -> None:
        self.tally.stopped = self.tally.stopped or reason
        self.log.record_failed(letters, f"chưa gửi: {reason}")
        self.tally.failed.extend(Failure(letter.recipient, letter.kind, letter.key, f"chưa gửi: {reason}")
                                 for letter in letters)

    def _chunk(self, chunk: list[Letter]) -> None:
        mine = self.log.claim(chunk)
        held = [letter for letter in chunk if letter.key in mine]
        self.tally.in_progress += len(chunk) - len(held)
        renew_after = self.log.lease.total_seconds() / 2
        claimed_at = time.monotonic()
        index = 0
        try:
            while index < len(held):
                if time.monotonic() - claimed_at > renew_after:
                    still = self.log.renew([letter.key for letter in held[index:]])
                    lost = [letter for letter in held[index:] if letter.key not in still]
                    self.tally.in_progress += len(lost)
                    held = held[:index] + [letter for letter in held[index:] if letter.key in still]
                    claimed_at = time.monotonic()
                    continue
                letter = held[index]
                index += 1
                self._send(letter)
        except _Stop as stop:
            self.tally.stopped = stop.reason
            rest = held[index:]
            self.log.release([letter.key for letter in rest], f"chưa gửi: {stop.reason}")
            self.tally.failed.extend(Failure(letter.recipient, letter.kind, letter.key, f"chưa gửi: {stop.reason}")
                                     for letter in rest)
            raise
        except BaseException as exc:
            self.log.release([letter.key for letter in held[index:]], f"dừng giữa chừng: {exc.__class__.__name__}: {exc}")
            raise

    def _send(self, letter: Letter) -> None:
        key = letter.key
        try:
            envelope = compose(letter, self.settings, self.clock())
        except AddressRejected as exc:
            self._bad(letter, str(exc.problems[0].message), tries=0)
            return
        except BaseException as exc:
            self.log.release([key], f"không soạn được thư: {exc.__class__.__name__}: {exc}")
            raise
        tries = 0
        while True:
            tries += 1
            try:
                self.mailer.send(envelope)
            except AddressRejected as exc:
                self._bad(letter, exc.problems[0].message, tries=tries)
                return
            except MessageRejected as exc:
                message = exc.problems[0].message
                self.log.mark(key, "failed", tries=tries, error=message)
                self.tally.failed.append(Failure(letter.recipient, letter.kind, key, message))
                if exc.fatal:
                    raise _Stop(message) from None
                return
            except TemporaryFailure as exc:
                message = exc.problems[0].message
                if tries >= self.retry.attempts:
                    self.log.mark(key, "failed", tries=tries, error=f"{message} (đã thử {tries} lần)")
                    self.tally.failed.append(Failure(letter.recipient, letter.kind, key, message))
                    raise _Stop(message) from None
                self.retry.sleep(self.retry.delay(tries))
                continue
            if not self.log.mark(key, "sent", tries=tries, message_id=envelope.message_id):
                self.tally.lease_lost += 1
            self.tally.sent += 1
            return

    def _bad(self, letter: Letter, message: str, *, tries: int) -> None:
        self.log.mark(letter.key, "bad_address", tries=tries, error=message)
        self.tally.bad.append(BadAddress(letter.recipient, letter.kind, letter.key, message))
        self._coordinators[letter.key] = letter.coordinators


def bad_address_letters(store: Store, today: date, bad: Sequence[BadAddress],
                        coordinators: dict[str, tuple[str, ...]]) -> list[Letter]:
    """One mail per coordinator listing the addresses found bad (never to a bad address itself)."""
    bad_set = {b.recipient for b in bad}
    per: dict[str, list[BadAddress]] = defaultdict(list)
    for entry in bad:
        for coordinator in coordinators.get(entry.key, ()):
            if coordinator not in bad_set and entry not in per[coordinator]:
                per[coordinator].append(entry)
    if not per:
        return []
    world = World.load(store)
    holders: dict[str, list[str]] = defaultdict(list)
    for unit in world.units.values():
        for email in world.emails(unit.id):
            holders[email].append(unit.name)
    letters = []
    for coordinator, entries in sorted(per.items()):
        entries.sort(key=lambda b: (b.recipient, b.kind))
        digest = hashlib.sha256("\n".join(sorted(b.key for b in entries)).encode()).hexdigest()[:16]
        rows = tuple({"address": b.recipient, "units": ", ".join(holders.get(b.recipient, [])) or "—",
                      "kind": MAIL_KIND_LABEL.get(b.kind, b.kind), "error": b.error} for b in entries)
        units = [u for u in world.units.values() if coordinator in world.emails(u.id)]
        letters.append(Letter(kind="bad_address", ident=f"{today.isoformat()}/{digest}", recipient=coordinator, day=today,
                              template="bad_address", context={"today": today, "entries": rows},
                              to_name=", ".join(u.name for u in units)))
    return letters


def deliver(store: Store, settings: Settings, mailer: Mailer, letters: Iterable[Letter], *, today: date | None = None,
            clock: Callable[[], datetime] = utc_now, retry: RetryPolicy | None = None, worker: str | None = None,
            notify_coordinators: bool = True, hold: str | None = None) -> DeliveryReport:
    """Send each letter at most once under the delivery log; report what happened. ``hold``: the server
    is known to be down — record the letters as not sent (for a later run) without trying."""
    courier = Courier(store, settings, mailer, clock=clock, retry=retry, worker=worker)
    tally = courier.deliver(letters, hold=hold)
    report = tally.report()
    if notify_coordinators and tally.bad:
        day = today or clock().astimezone(VN).date()
        notices = bad_address_letters(store, day, tally.bad, courier._coordinators)
        if notices:
            extra = deliver(store, settings, mailer, notices, today=day, clock=clock, retry=retry, worker=worker,
                            notify_coordinators=False, hold=tally.stopped)
            report = report + DeliveryReport(failed=extra.failed, coordinators_notified=extra.sent,
                                             bad_addresses=extra.bad_addresses)
    return report


# -- entry points (the Prefect flows call these; one call per batch of recipients) -------------------

def send_reminders(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                   recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    """The daily reminder digests: one per address, everything due today, soon, or overdue."""
    letters = reminder.digests(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, **options)


def send_escalations(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                     recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    """Who is late and how late, to the standing agencies and the late units' parents."""
    letters = reminder.escalations(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, **options)


def send_plan_notices(store: Store, settings: Settings, today: date, mailer: Mailer, plan_id: str, *,
                      recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    """The plan was issued or amended: each unit's duties, dates and calendar feed."""
    letters = reminder.plan_notices(store, settings, today, plan_id, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, **options)


def send_monthly_themes(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                        recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    letters = reminder.monthly_themes(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, **options)


def send_conference_steps(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                          recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    letters = reminder.conference_steps(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, **options)


def send_report_calls(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                      recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    letters = reminder.report_calls(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, **options)


def send_weekly_summary(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                        recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    letters = reminder.weekly_summaries(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, **options)


def catch_up_letters(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                     days: int = CATCH_UP_DAYS, clock: Callable[[], datetime] = utc_now) -> list[Letter]:
    """Mails of the last ``days`` days that did not go out (the server was down, a process was killed),
    each planned again for its own day — so it says what it said then, minus what was done since.
    Mails planned every day anyway (themes, weekly summary, conference steps, report calls) are caught
    up by their own planners."""
    now = _naive(clock())
    stale = or_(DeliveryRow.status == "failed", and_(DeliveryRow.status == "claimed", DeliveryRow.lease_until < now))
    q = select(DeliveryRow.kind, DeliveryRow.digest_day, DeliveryRow.key).where(
        DeliveryRow.digest_day >= today - timedelta(days=days), DeliveryRow.digest_day < today, stale,
        DeliveryRow.kind.in_(["digest", "escalation", "notice"]))
    with store.session() as s:
        pending = s.execute(q).all()
    if not pending:
        return []
    wanted: dict[tuple[str, date], set[str]] = defaultdict(set)
    for kind, day, key in pending:
        wanted[(kind, day)].add(key)
    world = World.load(store)
    letters: list[Letter] = []
    for (kind, day), keys in sorted(wanted.items()):
        if kind == "digest":
            planned = reminder.digests(store, settings, day, recipients=recipients, world=world)
        elif kind == "escalation":
            planned = reminder.escalations(store, settings, day, recipients=recipients, world=world)
        else:
            planned = []
            for plan_id in sorted({key.split("|", 2)[1].rsplit("@r", 1)[0] for key in keys}):
                if plan_id in world.plans:
                    planned += reminder.plan_notices(store, settings, day, plan_id, recipients=recipients, world=world)
        letters += [letter for letter in planned if letter.key in keys]
    return letters


def send_catch_up(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                  recipients: Collection[str] | None = None, days: int = CATCH_UP_DAYS,
                  clock: Callable[[], datetime] = utc_now, **options: Any) -> DeliveryReport:
    """Send now what the last days could not (see :func:`catch_up_letters`)."""
    letters = catch_up_letters(store, settings, today, recipients=recipients, days=days, clock=clock)
    if not letters:
        return DeliveryReport()
    return deliver(store, settings, mailer, letters, today=today, clock=clock, **options)


DAILY = (send_catch_up, send_reminders, send_escalations, send_monthly_themes, send_conference_steps, send_report_calls,
         send_weekly_summary)


def send_daily(store: Store, settings: Settings, today: date, mailer: Mailer, *,
               recipients: Collection[str] | None = None, **options: Any) -> dict[str, DeliveryReport]:
    """Every time-driven mail of ``today`` (what ``plancal mail reminders`` runs). Once a step finds the
    server down, the following steps record their mails as not sent instead of waiting on it again."""
    reports: dict[str, DeliveryReport] = {}
    down: str | None = None
    for step in DAILY:
        report = step(store, settings, today, mailer, recipients=recipients, hold=down, **options)
        reports[step.__name__] = report
        down = down or report.server_error
    return reports


# -- status ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusLine:
    day: date
    kind: str
    status: str
    count: int


def status(store: Store, *, day: date | None = None, since: date | None = None) -> list[StatusLine]:
    q = select(DeliveryRow.digest_day, DeliveryRow.kind, DeliveryRow.status, func.count()).group_by(
        DeliveryRow.digest_day, DeliveryRow.kind, DeliveryRow.status)
    if day is not None:
        q = q.where(DeliveryRow.digest_day == day)
    if since is not None:
        q = q.where(DeliveryRow.digest_day >= since)
    with store.session() as s:
        rows = s.execute(q.order_by(DeliveryRow.digest_day.desc(), DeliveryRow.kind, DeliveryRow.status)).all()
    return [StatusLine(d, k, st, n) for d, k, st, n in rows]


def problems(store: Store, *, day: date | None = None, limit: int = 50) -> list[DeliveryRow]:
    """Rows that need attention: failed, bad addresses, and claims whose lease ran out."""
    q = select(DeliveryRow).where(DeliveryRow.status.in_(["failed", "bad_address", "claimed"]))
    if day is not None:
        q = q.where(DeliveryRow.digest_day == day)
    with store.session() as s:
        return list(s.scalars(q.order_by(DeliveryRow.digest_day.desc(), DeliveryRow.key).limit(limit)))
