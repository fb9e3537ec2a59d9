"""``plancal mail …``: reminders and notices to the outbox or an SMTP server, the delivery log, clear errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PLANS
from tests.mail_helpers import BAO, DAI, read_eml
from tests.smtp_server import SmtpServer
from tests.test_cli import run


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


def issue(home: Path, db_url: str) -> None:
    result = run(["issue", str(PLANS / "003-an-giang-2021.yaml")], home, db_url)
    assert result.returncode == 0, result.stderr


def test_reminders_to_the_outbox_then_status(home: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANCAL_SMTP_HOST", raising=False)
    issue(home, db_url)
    first = run(["mail", "reminders", "--today", "23/04/2021"], home, db_url)
    assert first.returncode == 0, first.stderr
    assert "hộp thư đi" in first.stdout and "Nhắc việc hằng ngày: đã gửi 2 thư" in first.stdout
    files = sorted((home / "outbox" / "2021-04-23").glob("digest-*.eml"))
    assert [read_eml(f)["To"].addresses[0].addr_spec for f in files] == [DAI, BAO]
    again = run(["mail", "reminders", "--today", "23/04/2021"], home, db_url)
    assert again.returncode == 0 and "đã gửi 0 thư; 2 thư đã gửi trước đó (bỏ qua)" in again.stdout
    notices = run(["mail", "notices", "ag-2021-tuyen-truyen-dhtt", "--today", "01/03/2021"], home, db_url)
    assert notices.returncode == 0 and "Thông báo kế hoạch 'ag-2021-tuyen-truyen-dhtt'" in notices.stdout
    assert "đã gửi 11 thư" in notices.stdout
    status = run(["mail", "status", "--day", "23/04/2021"], home, db_url)
    assert status.returncode == 0, status.stderr
    assert "thư nhắc việc hằng ngày" in status.stdout and "đã gửi" in status.stdout and "23/04/2021" in status.stdout
    unknown = run(["mail", "notices", "khong-co"], home, db_url)
    assert unknown.returncode == 1 and "không có kế hoạch 'khong-co'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_reminders_through_smtp_and_a_refusing_server(home: Path, db_url: str, smtp: SmtpServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    issue(home, db_url)
    monkeypatch.setenv("PLANCAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PLANCAL_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("PLANCAL_MAIL_FROM", "Lịch kế hoạch <lich@snv.angiang.gov.vn>")
    smtp.inbox.refuse, smtp.inbox.refuse_at = 1, "MAIL"
    smtp.inbox.refuse_reply = "553 5.7.1 Sender address rejected: not owned by user"
    refused = run(["mail", "reminders", "--today", "23/04/2021"], home, db_url)
    assert refused.returncode == 1
    assert "máy chủ thư từ chối địa chỉ gửi lich@snv.angiang.gov.vn: 553" in refused.stderr
    assert "Chưa gửi: dai@atv.org.vn" in refused.stderr and "Traceback" not in refused.stderr
    assert not smtp.received
    fixed = run(["mail", "reminders", "--today", "23/04/2021"], home, db_url)
    assert fixed.returncode == 0, fixed.stderr
    assert f"máy chủ thư 127.0.0.1:{smtp.port}" in fixed.stdout
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == [DAI, BAO]
    assert not (home / "outbox").exists()
