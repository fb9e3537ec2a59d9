"""What every flow shares at the edge: the clock, the settings and the store, run names and tags, and
the one task that sends a batch of letters.

The core (``plancal``) never imports Prefect; this module and the stage modules beside it are the only
place where Prefect meets plancal. Rules the stage flows follow:

- every flow takes ``today: date | None``; None means today in Asia/Ho_Chi_Minh, read here and only here;
- retries only on tasks that do I/O (database writes, mail, feed files), and never on bad input
  (:func:`transient` says which failures are worth another try);
- one task per batch (per plan, per few hundred recipients), never one per mail or per occurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar, cast
from zoneinfo import ZoneInfo

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.runtime import flow_run

from plancal.errors import DeliveryError, PlancalError, PlanError, Problem, StoreError, UnitError
from plancal.mail.courier import DeliveryReport, deliver
from plancal.mail.letters import Letter
from plancal.mail.mailers import Mailer, mailer_from_settings
from plancal.settings import Settings
from plancal.store import Store, open_store

TIMEZONE = "Asia/Ho_Chi_Minh"
#: recipients (addresses) per delivery task
BATCH_RECIPIENTS = 200
#: how I/O tasks retry: a database or mail server that hiccups gets two more tries
IO_RETRIES = 2
IO_RETRY_DELAYS = [10, 60]
#: the Prefect Secret block holding the SMTP password when PLANCAL_SMTP_PASSWORD is not set
SMTP_SECRET_BLOCK = "plancal-smtp-password"

_stores: dict[str, Store] = {}
P = ParamSpec("P")
R = TypeVar("R")


# -- clock, settings, store ------------------------------------------------------------------------
def local_today(tz: str = TIMEZONE) -> date:
    """Today where the plans run. The only place the flows read the clock."""
    return datetime.now(ZoneInfo(tz)).date()


def resolve_today(value: date | str | None, settings: Settings | None = None) -> date:
    if value is None:
        return local_today(settings.timezone if settings else TIMEZONE)
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


@dataclass(frozen=True)
class Context:
    """Built once per flow run and handed to its tasks."""

    settings: Settings
    store: Store


def open_context(settings: Settings | None = None) -> Context:
    """Settings from the environment (``PLANCAL_*``) and the store they name, opened (and migrated)
    once per process."""
    settings = settings or Settings.from_env()
    url = settings.db_url
    if url not in _stores:
        _stores[url] = open_store(url)
    return Context(settings, _stores[url])


def close_stores() -> None:
    """Dispose of the stores this process opened (a worker's flow process simply exits; tests call this)."""
    for store in _stores.values():
        store.engine.dispose()
    _stores.clear()


def mailer(settings: Settings) -> Mailer:
    """The outbox folder by default; SMTP when PLANCAL_SMTP_HOST is set, with the password from the
    environment or else from the Prefect Secret block ``plancal-smtp-password``."""
    password = None
    if settings.mail_configured and not settings.smtp_password:
        password = _secret(SMTP_SECRET_BLOCK)
    return mailer_from_settings(settings, password=password)


def _secret(name: str) -> str | None:
    from prefect.blocks.system import Secret

    try:
        block = cast(Secret[str], Secret.load(name))
    except ValueError:  # no such block
        return None
    return str(block.get())


# -- run names and tags ----------------------------------------------------------------------------
def daily_run_name(stage: str, *, month: bool = False) -> Callable[[], str]:
    """A flow_run_name callable: "reminders 2025-06-10" (or "monthly themes 2025-06")."""

    def name() -> str:
        value = flow_run.parameters.get("today")
        day = resolve_today(value) if value is not None else local_today()
        return f"{stage} {day:%Y-%m}" if month else f"{stage} {day.isoformat()}"

    return name


def plan_tag(plan_id: str) -> str:
    return f"plan:{plan_id}"


def tag_run(tags: Iterable[str]) -> None:
    """Add tags to the running flow run (a flow learns which plans it touched only as it runs)."""
    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None:
        return
    wanted = sorted(set(ctx.flow_run.tags) | set(tags))
    if wanted == sorted(ctx.flow_run.tags):
        return
    with get_client(sync_client=True) as client:
        client.update_flow_run(ctx.flow_run.id, tags=wanted)
    ctx.flow_run.tags = wanted


# -- retries ---------------------------------------------------------------------------------------
def transient(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry a failed I/O task unless the failure is bad input, which another try cannot fix."""
    try:
        state.result()
    except (PlanError, UnitError):
        return False
    except (DeliveryError, StoreError, OSError, TimeoutError):
        return True
    except PlancalError:
        return False
    except Exception:  # noqa: BLE001 - anything else (a driver error, a crash) may pass
        return True
    return False


def io_task(**options: Any) -> Callable[[Callable[P, R]], Task[P, R]]:
    """``@task`` for I/O: retries on transient failures, no input hashing (a store is not hashable)."""
    settings: dict[str, Any] = dict(retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS, retry_condition_fn=transient,
                                    cache_policy=NO_CACHE)
    return task(**{**settings, **options})


def work_task(**options: Any) -> Callable[[Callable[P, R]], Task[P, R]]:
    """``@task`` for reading and computing: no retries, no input hashing."""
    settings: dict[str, Any] = dict(cache_policy=NO_CACHE)
    return task(**{**settings, **options})


# -- sending letters in batches --------------------------------------------------------------------
class Parcel:
    """Letters handed to a task as one opaque value (Prefect does not walk into it looking for futures)."""

    def __init__(self, letters: Sequence[Letter], label: str) -> None:
        self.letters = list(letters)
        self.label = label

    def __len__(self) -> int:
        return len(self.letters)

    def __repr__(self) -> str:
        return f"Parcel({self.label}: {len(self.letters)} thư)"


def parcels(letters: Sequence[Letter], what: str, size: int = BATCH_RECIPIENTS) -> list[Parcel]:
    """Split letters into parcels of at most ``size`` recipients; one recipient's letters stay together."""
    by_recipient: dict[str, list[Letter]] = {}
    for letter in letters:
        by_recipient.setdefault(letter.recipient, []).append(letter)
    recipients = sorted(by_recipient)
    chunks = [recipients[i:i + size] for i in range(0, len(recipients), size)]
    return [Parcel([letter for r in chunk for letter in by_recipient[r]], f"{what} {n}/{len(chunks)}")
            for n, chunk in enumerate(chunks, 1)]


@io_task(task_run_name="send {parcel.label}")
def send_parcel(ctx: Context, parcel: Parcel, today: date) -> DeliveryReport:
    """Send one parcel under the delivery log (a retry or a second worker sends nothing twice); fail
    the task when mails could not go out, so that it is retried."""
    report = deliver(ctx.store, ctx.settings, mailer(ctx.settings), parcel.letters, today=today)
    get_run_logger().info("%s: %s", parcel.label, report.summary())
    report.raise_for_failures()
    return report


@dataclass(frozen=True)
class Mailing:
    """What sending one kind of letter did in a flow run; ``stopped`` says why sending stopped early."""

    what: str
    report: DeliveryReport
    stopped: str | None = None

    def summary(self) -> str:
        text = f"{self.what}: {self.report.summary()}"
        return text + (f"; dừng gửi: {self.stopped}" if self.stopped else "")


def send_letters(ctx: Context, letters: Sequence[Letter], today: date, what: str) -> Mailing:
    """Send letters parcel by parcel. A parcel that still fails after its retries stops the sending
    (the mail server is down: the rest would fail too); the flow finishes its other work and then
    fails the run with :func:`raise_for_mail`. The next run sends what is missing, nothing twice."""
    total = DeliveryReport()
    for parcel in parcels(letters, what):
        state = send_parcel(ctx, parcel, today, return_state=True)
        if state.is_failed():
            return Mailing(what, total, state.message or "lỗi gửi thư")
        total = total + state.result()
    return Mailing(what, total)


def raise_for_mail(*mailings: Mailing) -> None:
    """Fail the flow run when some mail could not go out."""
    problems = [Problem(m.summary(), field="smtp", hint="kiểm tra máy chủ thư; chạy lại sẽ gửi các thư còn thiếu, "
                                                     "không gửi trùng thư đã gửi")
                for m in mailings if m.stopped or m.report.failed]
    if problems:
        raise DeliveryError(problems)
