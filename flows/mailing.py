"""Sending letters from a flow: in parcels of a few hundred recipients, one task per parcel, under the
delivery log; what a run sent, and failing the run when some mail could not go out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from prefect import get_run_logger

from flows.runtime import Context, io_task
from plancal.errors import DeliveryError, Problem
from plancal.mail.courier import DeliveryReport, deliver
from plancal.mail.letters import Letter

#: recipients (addresses) per delivery task
BATCH_RECIPIENTS = 200


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
    report = deliver(ctx.store, ctx.settings, ctx.mailer, parcel.letters, today=today)
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
    """Send letters parcel by parcel, one after the other (they share the context's mailer). A parcel
    that still fails after its retries stops the sending (the mail server is down: the rest would fail
    too); the flow finishes its other work and then fails the run with :func:`raise_for_mail`. The next
    run sends what is missing, nothing twice."""
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
