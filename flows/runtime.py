"""What every flow shares at run time: the clock, the settings with the store and mailer they name, the
SMTP secret, run names and tags, and the task decorators with their retry rule.

The core (``plancal``) never imports Prefect; the modules of this package are the only place where
Prefect meets plancal. Rules the stage flows follow:

- every flow takes ``today: date | None``; None means today in the settings' time zone, read here and
  only here;
- retries only on tasks that do I/O (database writes, mail, feed files), and never on bad input
  (:func:`transient` says which failures are worth another try);
- one task per batch (per plan, per few hundred recipients), never one per mail or per occurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, ParamSpec, TypeVar, cast
from zoneinfo import ZoneInfo

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.runtime import flow_run

from plancal.errors import DeliveryError, PlancalError
from plancal.mail.mailers import Mailer, mailer_from_settings
from plancal.settings import Settings
from plancal.store import Store, open_store

#: how I/O tasks retry: a database or mail server that hiccups gets two more tries
IO_RETRIES = 2
IO_RETRY_DELAYS = [10, 60]
#: the Prefect Secret block holding the SMTP password when PLANCAL_SMTP_PASSWORD is not set
SMTP_SECRET_BLOCK = "plancal-smtp-password"

P = ParamSpec("P")
R = TypeVar("R")


# -- the clock -------------------------------------------------------------------------------------
def local_today(settings: Settings) -> date:
    """Today where the plans run (the settings' time zone). The only place the flows read the clock."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


def resolve_today(value: date | str | None, settings: Settings) -> date:
    """A flow's ``today`` parameter: the day given (a date or ISO text), else today."""
    if value is None:
        return local_today(settings)
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


# -- settings, store, mailer -----------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """Built once per process for its settings, and handed to the tasks of every flow run."""

    settings: Settings
    store: Store

    @cached_property
    def mailer(self) -> Mailer:
        """The outbox folder by default; SMTP when PLANCAL_SMTP_HOST is set, with the password from the
        environment or else from the Prefect Secret block ``plancal-smtp-password``. Built when first
        used; the courier closes its connection after every batch."""
        password = None
        if self.settings.mail_configured and not self.settings.smtp_password:
            password = _secret(SMTP_SECRET_BLOCK)
        return mailer_from_settings(self.settings, password=password)


_stores: dict[str, Store] = {}
_contexts: dict[Settings, Context] = {}


def open_context(settings: Settings | None = None) -> Context:
    """The context of these settings (default: from the environment, ``PLANCAL_*``); the store they
    name is opened (and migrated) once per process."""
    settings = settings or Settings.from_env()
    if settings not in _contexts:
        url = settings.db_url
        if url not in _stores:
            _stores[url] = open_store(url)
        _contexts[settings] = Context(settings, _stores[url])
    return _contexts[settings]


def close_contexts() -> None:
    """Dispose of the stores this process opened (a worker's flow process simply exits; tests call this)."""
    for store in _stores.values():
        store.engine.dispose()
    _stores.clear()
    _contexts.clear()


def _secret(name: str) -> str | None:
    from prefect.blocks.system import Secret

    try:
        block = cast(Secret[str], Secret.load(name))
    except ValueError:  # no such block
        return None
    return str(block.get())


# -- artifact keys: the live ones, or a simulation's own ---------------------------------------------
#: what a simulation puts before every artifact key it publishes (Prefect keys: lowercase, digits, dashes)
SIMULATION_PREFIX = "sim-"
_artifact_prefix: ContextVar[str] = ContextVar("plancal_artifact_prefix", default="")


def artifact_prefix() -> str:
    """"" in live runs; :data:`SIMULATION_PREFIX` inside :func:`simulated`."""
    return _artifact_prefix.get()


def published_key(key: str) -> str:
    """The key an artifact is published under in this run: ``key`` itself in live runs, "sim-" + ``key``
    in a simulation, so that a replay never writes a new version of a live artifact. Every
    ``create_*_artifact`` of the flows takes its key from here."""
    return artifact_prefix() + key


@contextmanager
def simulated(prefix: str = SIMULATION_PREFIX) -> Iterator[None]:
    """The flow runs started inside publish their artifacts under ``prefix`` + key."""
    token = _artifact_prefix.set(prefix)
    try:
        yield
    finally:
        _artifact_prefix.reset(token)


# -- run names and tags ----------------------------------------------------------------------------
def daily_run_name(stage: str, *, month: bool = False) -> Callable[[], str]:
    """A flow_run_name callable: "reminders 2025-06-10" (or "monthly themes 2025-06")."""

    def name() -> str:
        day = resolve_today(flow_run.parameters.get("today"), Settings.from_env())
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


# -- tasks and retries -----------------------------------------------------------------------------
def transient(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry a failed I/O task unless the failure is bad input, which another try cannot fix.

    A PlancalError is bad input and never retried (a duty id with a typo must fail at once), except
    when it wraps a failure of the machinery (its ``__cause__``: a driver or network error, as the
    store's "database refused" does) or reports mail the relay did not take (field ``smtp``)."""
    try:
        state.result()
    except PlancalError as exc:
        cause = exc.__cause__
        if cause is not None and not isinstance(cause, PlancalError):
            return True
        return isinstance(exc, DeliveryError) and any(p.field == "smtp" for p in exc.problems)
    except (OSError, TimeoutError):
        return True
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
