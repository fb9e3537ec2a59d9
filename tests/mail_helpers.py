"""Builders shared by the mail tests: plan 003 issued, settings pointing at a loopback SMTP server."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

from plancal.lifecycle.issuance import issue_file
from plancal.mail.courier import RetryPolicy
from plancal.settings import Settings
from plancal.store import Store
from tests.conftest import PLANS
from tests.smtp_server import SmtpServer

PLAN_003 = PLANS / "003-an-giang-2021.yaml"
PLAN_003_ID = "ag-2021-tuyen-truyen-dhtt"
SENDER = "Lịch kế hoạch An Giang <lich@snv.angiang.gov.vn>"
AGENCY = "btdkt.snv@angiang.gov.vn"
BAO = "toasoan@baoangiang.com.vn"
DAI = "dai@atv.org.vn"
#: retry quickly in tests
FAST = RetryPolicy(attempts=4, first_delay=0.01, factor=2.0, max_delay=0.05)


def fixed_clock(moment: datetime = datetime(2021, 4, 23, 1, 30, tzinfo=UTC)):  # type: ignore[no-untyped-def]
    return lambda: moment


def issue_003(store: Store) -> None:
    issue_file(store, PLAN_003)


def smtp_settings(settings: Settings, server: SmtpServer, **changes: object) -> Settings:
    return replace(settings, smtp_host="127.0.0.1", smtp_port=server.port, smtp_security="none", mail_from=SENDER,
                   **changes)  # type: ignore[arg-type]


def outbox_settings(settings: Settings) -> Settings:
    return replace(settings, smtp_host="", mail_from=SENDER)


def read_eml(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def plain(message: EmailMessage) -> str:
    """The text part as a reader sees it (MIME text travels with CRLF line ends)."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


def html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]
