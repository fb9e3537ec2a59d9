"""The daily mix of mails, defined once: the CLI, the flows and the simulation use it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from plancal.clock import utc_now
from plancal.collector import collector_paused
from plancal.mail.courier import DeliveryReport, deliver
from plancal.mail.items import World
from plancal.mail.letters import Letter, MailKind
from plancal.mail.mailers import Mailer
from plancal.mail.planners.conferences import conference_steps
from plancal.mail.planners.digests import digests
from plancal.mail.planners.escalations import escalations
from plancal.mail.planners.notices import plan_notices
from plancal.mail.planners.reports import report_calls
from plancal.mail.planners.summaries import weekly_summaries
from plancal.mail.planners.themes import monthly_themes
from plancal.settings import Settings
from plancal.store import DeliveryLog, Store, new_worker, unsent
from plancal.vn.workdays import WorkCalendar


def mail_day(today: date, work: WorkCalendar | None = None) -> bool:
    """Whether time-driven mail goes out on ``today``: working days only."""
    return (work or WorkCalendar()).is_working_day(today)


class Planner(Protocol):
    """Who gets one kind of mail on ``today``: the letters, not yet sent."""

    def __call__(self, store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                 world: World | None = None) -> list[Letter]: ...


@dataclass(frozen=True)
class DailyMail:
    """One kind of time-driven mail: its planner, and the short Vietnamese name the runs log it under."""

    kind: MailKind
    planner: Planner
    label: str


#: the day's mail, in the order it goes out (plan notices go out when a plan is issued, bad-address
#: reports when the courier finds one: neither is time-driven)
DAILY: tuple[DailyMail, ...] = (
    DailyMail(MailKind.DIGEST, digests, "nhắc việc"),
    DailyMail(MailKind.ESCALATION, escalations, "báo chậm"),
    DailyMail(MailKind.THEMES, monthly_themes, "chủ đề tháng"),
    DailyMail(MailKind.CONFERENCE, conference_steps, "chuẩn bị hội nghị"),
    DailyMail(MailKind.REPORT_CALL, report_calls, "đề nghị báo cáo"),
    DailyMail(MailKind.WEEKLY, weekly_summaries, "tổng hợp tuần"),
)


def due_recipients(store: Store, settings: Settings, today: date) -> list[str]:
    """Every address that has a time-driven mail due on ``today``: a flow splits this list into batches."""
    with collector_paused():
        world = World.load(store)
        return sorted({letter.recipient for daily in DAILY
                       for letter in daily.planner(store, settings, today, world=world)})


#: how many past days :func:`send_catch_up` looks back for mails that did not go out
CATCH_UP_DAYS = 3


def send_reminders(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                   recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    """The daily reminder digests: one per address, everything due today, soon, or overdue."""
    letters = digests(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, replan=Replanner(store, settings, today), **options)


def send_escalations(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                     recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    """Who is late and how late, to the standing agencies and the late units' parents."""
    letters = escalations(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, replan=Replanner(store, settings, today), **options)


def send_plan_notices(store: Store, settings: Settings, today: date, mailer: Mailer, plan_id: str, *,
                      recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    """The plan was issued or amended: each unit's duties, dates and calendar feed."""
    letters = plan_notices(store, settings, today, plan_id, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, replan=Replanner(store, settings, today), **options)


def send_monthly_themes(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                        recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    letters = monthly_themes(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, replan=Replanner(store, settings, today), **options)


def send_conference_steps(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                          recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    letters = conference_steps(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, replan=Replanner(store, settings, today), **options)


def send_report_calls(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                      recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    letters = report_calls(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, replan=Replanner(store, settings, today), **options)


def send_weekly_summary(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                        recipients: Collection[str] | None = None, **options: Any) -> DeliveryReport:
    letters = weekly_summaries(store, settings, today, recipients=recipients)
    return deliver(store, settings, mailer, letters, today=today, replan=Replanner(store, settings, today), **options)


def catch_up_letters(store: Store, settings: Settings, today: date, *, recipients: Collection[str] | None = None,
                     days: int = CATCH_UP_DAYS, clock: Callable[[], datetime] = utc_now) -> list[Letter]:
    """Mails of the last ``days`` days that did not go out (the server was down, a process was killed),
    each planned again for its own day — so it says what it said then, minus what was done since.
    Mails planned every day anyway (themes, weekly summary, conference steps, report calls) are caught
    up by their own planners."""
    if not WorkCalendar().is_working_day(today):
        return []  # mail goes out on working days: the next one catches up
    pending = unsent(store, since=today - timedelta(days=days), before=today, kinds=["digest", "escalation", "notice"],
                     now=clock())
    if not pending:
        return []
    wanted: dict[tuple[str, date], set[str]] = defaultdict(set)
    notices: dict[date, set[str]] = defaultdict(set)
    for entry in pending:
        wanted[(entry.kind, entry.day)].add(entry.key)
        if entry.plan_id:
            notices[entry.day].add(entry.plan_id)
    world = World.load(store)
    letters: list[Letter] = []
    for (kind, day), keys in sorted(wanted.items()):
        if kind == "digest":
            planned = digests(store, settings, day, recipients=recipients, world=world)
        elif kind == "escalation":
            planned = escalations(store, settings, day, recipients=recipients, world=world)
        else:
            planned = []
            for plan_id in sorted(notices[day]):
                if plan_id in world.plans:
                    planned += plan_notices(store, settings, day, plan_id, recipients=recipients, world=world)
        letters += [letter for letter in planned if letter.key in keys]
    return letters


def send_catch_up(store: Store, settings: Settings, today: date, mailer: Mailer, *,
                  recipients: Collection[str] | None = None, days: int = CATCH_UP_DAYS,
                  clock: Callable[[], datetime] = utc_now, **options: Any) -> DeliveryReport:
    """Send now what the last days could not (see :func:`catch_up_letters`)."""
    letters = catch_up_letters(store, settings, today, recipients=recipients, days=days, clock=clock)
    if not letters:
        return DeliveryReport()
    return deliver(store, settings, mailer, letters, today=today, clock=clock, replan=Replanner(store, settings, today),
                   **options)


# -- planning again during a run, and owing the day's mail before it goes out ---------------------
#: kinds planned again for the letter's own day (a caught-up digest says what it said that day); the
#: others are planned again for the run's day (their planners find the day they belong to themselves)
_FOR_ITS_DAY = (MailKind.DIGEST, MailKind.ESCALATION)


class Replanner:
    """Plans a letter again during a run, when an amendment committed after it was planned cancelled some
    of what it is about (:func:`plancal.mail.courier.deliver` asks before each mail). The planners are
    pure for a day: every letter of the letter's kind and day is planned once, and again only when a
    letter planned here went stale too (another amendment)."""

    def __init__(self, store: Store, settings: Settings, today: date) -> None:
        self.store, self.settings, self.today = store, settings, today
        self._planned: dict[tuple[str, date, str | None], dict[str, Letter]] = {}

    def _plan(self, kind: str, day: date, plan_id: str | None) -> list[Letter]:
        world = World.load(self.store)
        if kind == MailKind.NOTICE:
            if plan_id is None or plan_id not in world.plans:
                return []
            return plan_notices(self.store, self.settings, day, plan_id, world=world)
        for daily in DAILY:
            if daily.kind == kind:
                return daily.planner(self.store, self.settings, day if kind in _FOR_ITS_DAY else self.today,
                                     world=world)
        return []

    def __call__(self, letter: Letter) -> Letter | None:
        slot = (letter.kind, letter.day, letter.plan_id)
        planned = self._planned.get(slot)
        if planned is None or planned.get(letter.key) is letter:  # first time, or what was planned here went stale
            planned = {x.key: x for x in self._plan(*slot)}
            self._planned[slot] = planned
        return planned.get(letter.key)


def owe(store: Store, settings: Settings, letters: Collection[Letter]) -> int:
    """Write letters into the delivery log as owed, in one transaction, before the first of them goes out:
    a run killed halfway leaves the rest to the same day's rerun or to the next days' catch-up
    (:func:`catch_up_letters`), never lost. Returns how many rows were written."""
    unique = list({letter.key: letter for letter in letters}.values())
    return DeliveryLog(store, settings.lease_seconds, new_worker()).owe(unique)


#: the keys of :func:`send_daily`'s reports, which ``plancal mail reminders`` labels its lines by
CATCH_UP_STEP = "send_catch_up"
_STEP = {MailKind.DIGEST: "send_reminders", MailKind.ESCALATION: "send_escalations",
         MailKind.THEMES: "send_monthly_themes", MailKind.CONFERENCE: "send_conference_steps",
         MailKind.REPORT_CALL: "send_report_calls", MailKind.WEEKLY: "send_weekly_summary"}


def send_daily(store: Store, settings: Settings, today: date, mailer: Mailer, *,
               recipients: Collection[str] | None = None, **options: Any) -> dict[str, DeliveryReport]:
    """Every time-driven mail of ``today`` (what ``plancal mail reminders`` runs): first what the last days
    could not send, then each of :data:`DAILY` (all of them planned, and owed in the delivery log, before
    the first mail goes out). Once a step finds the server down, the following steps
    record their mails as not sent instead of waiting on it again. On a day off nothing goes out; the next
    working day catches up."""
    if not mail_day(today):
        return {CATCH_UP_STEP: DeliveryReport(), **{_STEP[daily.kind]: DeliveryReport() for daily in DAILY}}
    with collector_paused():
        world = World.load(store)
        planned = {daily.kind: daily.planner(store, settings, today, recipients=recipients, world=world)
                   for daily in DAILY}
    owe(store, settings, [letter for letters in planned.values() for letter in letters])  # before any mail goes out
    reports = {CATCH_UP_STEP: send_catch_up(store, settings, today, mailer, recipients=recipients, **options)}
    down = reports[CATCH_UP_STEP].server_error
    replan = Replanner(store, settings, today)
    for daily in DAILY:
        report = deliver(store, settings, mailer, planned[daily.kind], today=today, hold=down, replan=replan, **options)
        reports[_STEP[daily.kind]] = report
        down = down or report.server_error
    return reports
