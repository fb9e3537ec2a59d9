"""The delivery log and the sending loop: every mail once — none lost, none twice.

Each letter has a key (kind, what it is about, recipient) and a row in ``deliveries``. Before sending,
a worker *claims* the row: an ``INSERT … ON CONFLICT DO NOTHING`` for a new key, or a conditional
``UPDATE … WHERE status = 'failed' OR (status = 'claimed' AND lease_until < now)`` for one whose
earlier attempt failed or whose worker died; both report which rows they took (``RETURNING``), so of
two workers racing for a key exactly one wins, on SQLite as on PostgreSQL. The claim carries a lease
(``PLANCAL_LEASE_SECONDS``). Right after the server accepts the message the row is marked ``sent``,
one short transaction per mail (on SQLite in WAL mode not each synced to disk: a killed process loses
no mark, a power cut may undo the marks of the last quarter second — those mails would go again, with
the same Message-ID; see :meth:`DeliveryLog.held`).

- A rerun, a retry or a second worker finds the row ``sent`` (or claimed under a live lease) and skips.
- A process killed between claim and send leaves the row ``claimed``; once the lease expires the next
  run takes it again. (Killed after the server accepted but before the mark, the mail goes out again
  with the same Message-ID — the one window no SMTP client can close.)
- A server that is down or answers 4xx is retried with exponential backoff; when it stays down the
  batch stops, the claimed rows become ``failed`` and the report lists every mail not sent; the next
  run sends them.
- A letter composed larger than ``PLANCAL_MAIL_MAX_MB`` is never sent: it becomes ``failed`` with its
  size (logged, and listed in the report); the rest go out.
- An address the server refuses for good (5xx) becomes ``bad_address``: the rest go out, and the
  coordinators (the standing agencies of the plans concerned) get one mail listing the bad addresses.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo

from plancal.clock import utc_now
from plancal.errors import DeliveryError, Problem
from plancal.mail.composer import Composer
from plancal.mail.composition import Envelope, compose
from plancal.mail.items import Item, World
from plancal.mail.letters import Letter, MailKind
from plancal.mail.mailers import Mailer
from plancal.mail.refusals import AddressRejected, MessageRejected, MessageTooLarge, TemporaryFailure, Unreachable
from plancal.mail.status import MAIL_KIND_LABEL
from plancal.settings import Settings
from plancal.store import DeliveryLog, LogEntry, Store, new_worker, process_alive

log = logging.getLogger("plancal.mail")

#: letters claimed in one transaction (the lease must cover sending them all)
CLAIM_CHUNK = 50
#: a claimed chunk's letters are composed before the first of them goes, up to this many bytes
AHEAD_BYTES = 4 * 1024 * 1024
#: a batch of at least this many letters has the next chunk composed by a child process while the current
#: one is sent (see :mod:`plancal.mail.composer`); a smaller one is not worth starting it (~1 s of imports)
COMPOSE_APART_AT = 1000

#: a letter as it would be planned now (same key), or None when there is nothing left to send
Replan = Callable[[Letter], "Letter | None"]


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
class Holder:
    """Who holds letters this run skipped, and until when (in the plans' time zone)."""

    worker: str
    host: str | None
    pid: int | None
    until: datetime | None
    count: int

    def describe(self) -> str:
        alive = process_alive(self.host, self.pid)
        who = f"tiến trình {self.pid} trên máy này" if alive else f"tiến trình {self.worker}"
        if self.until is None:
            return f"{self.count} thư đang được {who} giữ"
        until = self.until
        return f"{self.count} thư đang được {who} giữ đến {until:%H:%M} ngày {until:%d/%m/%Y}"


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
    #: who holds the letters skipped as in progress
    holders: tuple[Holder, ...] = ()
    #: letters planned before an amendment committed during the run, left with nothing to say
    dropped: int = 0
    #: letters planned again during the run because an amendment cancelled some of what they said
    replanned: int = 0

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.sent + other.sent, self.skipped_already_sent + other.skipped_already_sent,
            self.skipped_in_progress + other.skipped_in_progress, self.skipped_bad_address + other.skipped_bad_address,
            self.failed + other.failed, self.bad_addresses + other.bad_addresses,
            self.coordinators_notified + other.coordinators_notified, self.lease_lost + other.lease_lost,
            self.server_error or other.server_error, self.holders + other.holders,
            self.dropped + other.dropped, self.replanned + other.replanned)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        parts = [f"đã gửi {self.sent} thư"]
        if self.skipped_already_sent:
            parts.append(f"{self.skipped_already_sent} thư đã gửi trước đó (bỏ qua)")
        if self.skipped_in_progress:
            held = sum(h.count for h in self.holders)
            parts.extend(h.describe() for h in self.holders)
            if self.skipped_in_progress > held:
                parts.append(f"{self.skipped_in_progress - held} thư đang do tiến trình khác gửi")
        if self.replanned:
            parts.append(f"{self.replanned} thư soạn lại vì kế hoạch vừa sửa đổi")
        if self.dropped:
            parts.append(f"{self.dropped} thư không gửi vì kế hoạch vừa sửa đổi bỏ các việc trong thư")
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
    holders: dict[tuple[str, datetime | None], tuple[LogEntry, int]] = field(default_factory=dict)
    dropped: int = 0
    replanned: int = 0

    def held(self, entry: LogEntry) -> None:
        self.in_progress += 1
        slot = (entry.claimed_by or "?", entry.lease_until)
        _, count = self.holders.get(slot, (entry, 0))
        self.holders[slot] = (entry, count + 1)

    def report(self, notified: int = 0, *, tz: tzinfo = UTC) -> DeliveryReport:
        holders = tuple(Holder(e.claimed_by or "?", e.claimer_host, e.claimer_pid,
                               e.lease_until.replace(tzinfo=UTC).astimezone(tz) if e.lease_until else None, n)
                        for e, n in self.holders.values())
        return DeliveryReport(self.sent, self.already, self.in_progress, self.bad_known, tuple(self.failed),
                              tuple(self.bad), notified, self.lease_lost, self.stopped, holders, self.dropped,
                              self.replanned)


def _uids(value: object, into: set[str]) -> set[str]:
    """The occurrences a letter's context shows (its :class:`Item` objects, wherever they sit)."""
    if isinstance(value, Item):
        into.add(value.uid)
    elif isinstance(value, Mapping):
        for inner in value.values():
            _uids(inner, into)
    elif isinstance(value, tuple | list | set | frozenset):
        for inner in value:
            _uids(inner, into)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _uids(getattr(value, f.name), into)
    return into


def occurrences_of(letter: Letter) -> set[str]:
    """The uids of the occurrences a letter is about."""
    return _uids(letter.context, set())


class Courier:
    """Sends letters through a mailer under the delivery log."""

    def __init__(self, store: Store, settings: Settings, mailer: Mailer, *, clock: Callable[[], datetime] = utc_now,
                 retry: RetryPolicy | None = None, worker: str | None = None, replan: Replan | None = None,
                 compose_apart_at: int | None = COMPOSE_APART_AT) -> None:
        self.store = store
        self.settings = settings
        self.mailer = mailer
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self.replan = replan
        self.log = DeliveryLog(store, settings.lease_seconds, worker or new_worker(), clock)
        self.tally = _Tally()
        self._coordinators: dict[str, tuple[str, ...]] = {}
        #: the plans' marker when the chunk was screened, and the occurrences then found withdrawn
        self._marker: tuple[int, int] | None = None
        self._gone: set[str] = set()
        self._uids: dict[str, set[str]] = {}
        #: the envelopes of the chunk composed ahead (:meth:`_compose_ahead`), with the letter each is of
        self._ready: dict[str, tuple[Letter, Envelope]] = {}
        #: batches of at least this many letters are composed by a child process ahead (None: never)
        self.compose_apart_at = compose_apart_at

    def deliver(self, letters: Iterable[Letter], *, hold: str | None = None) -> _Tally:
        """Send what is not sent yet. With ``hold`` (the server is known to be down), send nothing and
        record the letters as failed, for a later run."""
        unique = list({letter.key: letter for letter in letters}.values())
        now = self.log.now()
        known = self.log.existing([letter.key for letter in unique])
        todo: list[Letter] = []
        for letter in unique:
            entry = known.get(letter.key)
            if entry is None or entry.takeable(now):
                todo.append(letter)
            elif entry.status == "sent":
                self.tally.already += 1
            elif entry.status == "bad_address":
                self.tally.bad_known += 1
            else:
                self.tally.held(entry)
        if hold is not None:
            self._give_up(todo, hold)
            return self.tally
        # what is owed is durable before the first mail goes out: a run that dies leaves it for the next
        self.log.owe(todo)
        try:
            with self.log.held():
                self._all(todo)
        finally:
            self.mailer.close()
        return self.tally

    def _all(self, todo: list[Letter]) -> None:
        chunks = [todo[start:start + CLAIM_CHUNK] for start in range(0, len(todo), CLAIM_CHUNK)]
        apart = self.compose_apart_at is not None and len(todo) >= self.compose_apart_at
        with Composer(self.settings) if apart else contextlib.nullcontext() as composer:
            for index, chunk in enumerate(chunks):
                composed = composer.take(index) if composer is not None else {}
                if composer is not None and index + 1 < len(chunks):
                    composer.submit(index + 1, chunks[index + 1], self.clock())  # while this chunk is sent
                try:
                    self._chunk(chunk, composed)
                except _Stop as stop:
                    self._give_up([letter for later in chunks[index + 1:] for letter in later], stop.reason)
                    return

    def _give_up(self, letters: list[Letter], reason: str) -> None:
        self.tally.stopped = self.tally.stopped or reason
        self.log.record_failed(letters, f"chưa gửi: {reason}")
        self.tally.failed.extend(Failure(letter.recipient, letter.kind, letter.key, f"chưa gửi: {reason}")
                                 for letter in letters)

    def _chunk(self, chunk: list[Letter], composed: dict[str, tuple[Letter, Envelope]]) -> None:
        renew_after = self.log.lease.total_seconds() / 2
        claimed_at = time.monotonic()
        mine = self.log.claim(chunk)
        held = [letter for letter in chunk if letter.key in mine]
        self.tally.in_progress += len(chunk) - len(held)
        index = 0
        try:
            self._screen(held)
            self._compose_ahead(held, composed)
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

    def _screen(self, letters: list[Letter]) -> None:
        """One look for a chunk at what an amendment may have withdrawn since its letters were planned: the
        plans' marker first, then the withdrawn occurrences of all the letters in one query. Before each
        mail only the marker is read again (:meth:`_current`)."""
        self._uids = {letter.key: occurrences_of(letter) for letter in letters}
        self.log.marked_marker()  # older than this look: not to be compared with it
        self._marker = self.log.plans_marker()
        self._gone = self.log.withdrawn(set().union(*self._uids.values()))

    def _compose_ahead(self, letters: list[Letter], composed: dict[str, tuple[Letter, Envelope]]) -> None:
        """Compose the chunk's letters in one go before the first is sent (up to :data:`AHEAD_BYTES`), but
        those the composer process made already (``composed``): done between SMTP round trips instead, each
        composition starts with cold caches and costs twice as much. Only a guess, like the screen: a letter
        planned again before it goes is composed again, and a letter that cannot be composed is left to its
        turn, where the failure is handled."""
        self._ready = {}
        size = 0
        for letter in letters:
            if size >= AHEAD_BYTES:
                return
            if self._uids.get(letter.key, set()) & self._gone:
                continue  # to be planned again at its turn
            ahead = composed.get(letter.key)
            if ahead is not None and ahead[0] is letter:
                envelope = ahead[1]
            else:
                try:
                    envelope = compose(letter, self.settings, self.clock())
                except Exception:  # noqa: BLE001 - composed again at its turn, where the failure is handled
                    continue
            self._ready[letter.key] = (letter, envelope)
            size += len(envelope.data)

    def _envelope(self, letter: Letter) -> Envelope:
        """The envelope of ``letter``: composed ahead when it is that very letter."""
        ahead = self._ready.pop(letter.key, None)
        if ahead is not None and ahead[0] is letter:
            return ahead[1]
        return compose(letter, self.settings, self.clock())

    def _plans_marker(self) -> tuple[int, int]:
        """The plans' marker now: as the previous letter's mark committed (read in that transaction), or read."""
        return self.log.marked_marker() or self.log.plans_marker()

    def _current(self, letter: Letter) -> Letter | None:
        """The letter as it stands now: when an amendment committed since it was planned cancelled some
        of what it is about, the letter planned again (or None: nothing left to send)."""
        uids = self._uids.get(letter.key)
        if uids is not None and not uids & self._gone and (not uids or self._plans_marker() == self._marker):
            return letter  # nothing of it withdrawn when the chunk was screened, and no amendment since
        for _ in range(3):
            uids = occurrences_of(letter)
            if not uids or not self.log.withdrawn(uids):
                return letter
            if self.replan is None:
                return None
            fresh = self.replan(letter)
            if fresh is None or fresh.key != letter.key:
                return None
            letter = fresh
        return None

    def _send(self, letter: Letter) -> None:
        key = letter.key
        current = self._current(letter)
        if current is None:
            if self.replan is None:  # nobody here can plan it again: the next run does
                reason = "kế hoạch đã sửa đổi sau khi soạn thư; lần chạy sau sẽ soạn lại"
                self.log.release([key], reason)
                self.tally.failed.append(Failure(letter.recipient, letter.kind, key, reason))
            else:
                self.log.release([key], "không gửi: kế hoạch đã sửa đổi, các việc trong thư đã bỏ", status="dropped")
                self.tally.dropped += 1
            return
        if current is not letter:
            self.tally.replanned += 1
            letter = current
        try:
            envelope = self._envelope(letter)
        except AddressRejected as exc:
            self._bad(letter, str(exc.problems[0].message), tries=0)
            return
        except MessageTooLarge as exc:  # never sent: recorded as failed and reported, the rest go out
            message = exc.problems[0].message
            log.warning("%s", message)
            self.log.mark(key, "failed", tries=0, error=message)
            self.tally.failed.append(Failure(letter.recipient, letter.kind, key, message))
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
                if tries >= self.retry.attempts or isinstance(exc, Unreachable):
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
        letters.append(Letter(kind=MailKind.BAD_ADDRESS, ident=f"{today.isoformat()}/{digest}", recipient=coordinator, day=today,
                              template="bad_address", context={"today": today, "entries": rows},
                              to_name=", ".join(u.name for u in units)))
    return letters


def deliver(store: Store, settings: Settings, mailer: Mailer, letters: Iterable[Letter], *, today: date | None = None,
            clock: Callable[[], datetime] = utc_now, retry: RetryPolicy | None = None, worker: str | None = None,
            notify_coordinators: bool = True, hold: str | None = None, replan: Replan | None = None) -> DeliveryReport:
    """Send each letter at most once under the delivery log; report what happened. ``hold``: the server
    is known to be down — record the letters as not sent (for a later run) without trying. Before each
    mail the occurrences it is about are checked again: when an amendment cancelled some since it was
    planned, ``replan`` plans it again (without it the letter is left for the next run)."""
    courier = Courier(store, settings, mailer, clock=clock, retry=retry, worker=worker, replan=replan)
    tally = courier.deliver(letters, hold=hold)
    report = tally.report(tz=settings.tz)
    if notify_coordinators and tally.bad:
        day = today or clock().astimezone(settings.tz).date()
        notices = bad_address_letters(store, day, tally.bad, courier._coordinators)
        if notices:
            extra = deliver(store, settings, mailer, notices, today=day, clock=clock, retry=retry, worker=worker,
                            notify_coordinators=False, hold=tally.stopped)
            report = report + DeliveryReport(failed=extra.failed, coordinators_notified=extra.sent,
                                             bad_addresses=extra.bad_addresses)
    return report
