"""A sender killed with SIGKILL in the middle of a batch, and then only the next day's run: every mail of the
first day arrives, once — counted at a loopback SMTP receiver by Message-ID, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from plancal import mail
from plancal.lifecycle.issuance import issue_file
from plancal.settings import Settings
from plancal.store import DeliveryRow, Store
from tests.conftest import ROOT
from tests.helpers import write_plan
from tests.mail_helpers import SENDER, smtp_settings
from tests.smtp_server import Inbox, SmtpServer

#: Thursday 22/04/2021 and Friday 23/04/2021, both working days (21/04/2021 is the Hùng Kings' day)
DAY = date(2021, 4, 22)
NEXT = DAY + timedelta(days=1)
BODY = """\
duties:
  - {id: bai, what: Gửi bài tuyên truyền tháng 4, who: [bao, {kind: district}, {kind: commune}], to: snv,
     when: {on: 29/04/2021}}
  - {id: ds, what: Gửi danh sách điển hình, who: [{kind: district}], to: snv, when: {on: 26/04/2021}}
"""
#: messages the receiver accepts before it holds the next one, and the sender is killed
KEEP = 23


class HoldingInbox(Inbox):
    """Accepts ``keep`` messages, then holds the next DATA unanswered until released (the sender is killed
    meanwhile, so that message is never accepted); after release it accepts everything."""

    def __init__(self, keep: int) -> None:
        super().__init__()
        self.keep = keep
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.release.is_set():
            with self.lock:
                full = len(self.received) >= self.keep
            if full:
                self.holding.set()
                while not self.release.is_set():
                    await asyncio.sleep(0.02)
                return "451 4.3.0 Không nhận (người gửi đã chết)"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.inbox = HoldingInbox(KEEP)
    server.start()
    try:
        yield server
    finally:
        assert isinstance(server.inbox, HoldingInbox)
        server.inbox.release.set()
        server.stop()


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANCAL_")}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]), PLANCAL_HOME=str(settings.home),
               PLANCAL_DATABASE_URL=settings.database_url, PLANCAL_SMTP_HOST=settings.smtp_host,
               PLANCAL_SMTP_PORT=str(settings.smtp_port), PLANCAL_MAIL_FROM=SENDER,
               PLANCAL_CALENDAR_DIR=str(settings.calendar_dir), PLANCAL_OUTBOX_DIR=str(settings.outbox_dir))
    return env


def _reminders(day: date) -> list[str]:
    return [sys.executable, "-m", "plancal.cli", "mail", "reminders", "--today", f"{day:%d/%m/%Y}"]


def test_sender_killed_mid_batch_then_only_the_next_days_run_every_mail_once(
        store: Store, settings: Settings, smtp: SmtpServer, tmp_path: Path) -> None:
    communes = "".join(f'  - {{id: xa-{i:03d}, name: "UBND xã Số {i}", kind: commune, parent: huyen-b, '
                       f'emails: [xa{i:03d}@tinh.gov.vn]}}\n' for i in range(60))
    path = write_plan(tmp_path / "plan", BODY)
    units_file = tmp_path / "plan" / "units.yaml"
    units_file.write_text(units_file.read_text(encoding="utf-8") + communes, encoding="utf-8")
    issue_file(store, path)
    s = smtp_settings(settings, smtp)
    first_day = mail.digests(store, s, DAY) + mail.escalations(store, s, DAY)
    assert len(first_day) > 2 * KEEP  # more than one claim chunk, most of it unsent when the sender dies
    domain = SENDER.rsplit("@", 1)[1].rstrip(">")
    expected = {mail.message_id(letter.key, domain) for letter in first_day}

    inbox = smtp.inbox
    assert isinstance(inbox, HoldingInbox)
    sender = subprocess.Popen(_reminders(DAY), env=_env(s), cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        assert inbox.holding.wait(120), sender.communicate(timeout=5)[0].decode()
        sender.send_signal(signal.SIGKILL)
        assert sender.wait(30) == -signal.SIGKILL
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait(30)
        if sender.stdout is not None:
            sender.stdout.close()
    inbox.release.set()
    assert len(smtp.received) == KEEP
    with store.session() as sess:  # everything the first day owes was in the log before the first mail went out
        logged = dict(sess.execute(select(DeliveryRow.status, func.count()).where(DeliveryRow.digest_day == DAY)
                                   .group_by(DeliveryRow.status)).all())
    assert sum(logged.values()) == len(first_day)
    assert logged["sent"] == KEEP and logged.get("owed", 0) > 0

    time.sleep(0.1)
    nxt = subprocess.run(_reminders(NEXT), env=_env(s), cwd=tmp_path, capture_output=True, timeout=300)
    assert nxt.returncode == 0, (nxt.stdout + nxt.stderr).decode()
    got = smtp.message_ids()
    assert {mid: got[mid] for mid in expected} == dict.fromkeys(expected, 1)
    assert max(got.values()) == 1
    with store.session() as sess:
        statuses = set(sess.scalars(select(DeliveryRow.status).where(DeliveryRow.digest_day == DAY)))
    assert statuses == {"sent"}
    assert len(got) > len(expected)  # the next day sent its own mails too
