"""Mail composition and the mailers: Vietnamese subjects and bodies survive a real SMTP server byte for
byte, headers are encoded and cannot be injected, the outbox holds what would have been sent."""

from __future__ import annotations

import email
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from plancal import mail
from plancal.errors import DeliveryError
from plancal.mail.composition import compose, render
from plancal.mail.mailers import OutboxMailer, RecordingMailer, SmtpMailer, mailer_from_settings
from plancal.settings import Settings
from plancal.store import PlanRow, Store, UnitRow
from tests.mail_helpers import (
    AGENCY,
    BAO,
    DAI,
    FAST,
    PLAN_003_ID,
    fixed_clock,
    html,
    issue_003,
    outbox_settings,
    plain,
    read_eml,
    smtp_settings,
)
from tests.smtp_server import SmtpServer

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "mail"
KINDS = ("digest", "escalation", "plan_issued", "monthly_themes", "conference_steps", "report_call", "weekly_summary",
         "bad_address")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


def test_every_kind_has_a_text_and_an_html_template_in_nfc() -> None:
    for kind in KINDS:
        for suffix in ("txt", "html"):
            path = TEMPLATES / f"{kind}.{suffix}"
            text = path.read_text(encoding="utf-8")
            assert unicodedata.is_normalized("NFC", text), path
    names = {p.stem for p in TEMPLATES.glob("*.txt") if not p.stem.startswith("_")}
    assert names == set(KINDS)


def test_digest_headers_encoded_and_parse_back_exactly(store: Store, settings: Settings) -> None:
    issue_003(store)
    s = outbox_settings(settings)
    letter = next(x for x in mail.digests(store, s, date(2021, 4, 23)) if x.recipient == BAO)
    now = datetime(2021, 4, 23, 1, 30, tzinfo=UTC)
    envelope = compose(letter, s, now)
    rendered = render(letter, s)
    envelope.data.decode("ascii")  # 7-bit clean: RFC 2047 headers, encoded bodies
    head = envelope.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "\nSubject: =?utf-8?" in head
    message = email.message_from_bytes(envelope.data, policy=policy.default)
    assert message["Subject"] == rendered.subject == "Nhắc việc ngày 23/04/2021: 1 việc sắp đến hạn"
    assert parsedate_to_datetime(message["Date"]) == now and message["Date"].endswith("+0700")
    assert message["Message-ID"] == mail.message_id(letter.key, "snv.angiang.gov.vn") == envelope.message_id
    assert getaddresses([message["To"]])[0][1] == BAO
    # the display names decode exactly with an RFC 2047 decoder (CPython's own policy.default parser adds a
    # space between adjacent encoded words inside a display name, so decode them the classic way)
    raw_reply_to = email.message_from_bytes(envelope.data, policy=policy.compat32)["Reply-To"]
    assert str(make_header(decode_header(raw_reply_to))) == \
        "Sở Nội vụ tỉnh An Giang (Ban Thi đua - Khen thưởng) <btdkt.snv@angiang.gov.vn>"
    raw_from = email.message_from_bytes(envelope.data, policy=policy.compat32)["From"]
    assert str(make_header(decode_header(raw_from))) == "Lịch kế hoạch An Giang <lich@snv.angiang.gov.vn>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert plain(message) == rendered.text
    assert "ngày 26 tháng 4 năm 2021" in plain(message) and "<td" not in plain(message)
    assert "<table" in html(message) and "ngày 26 tháng 4 năm 2021" in html(message)
    # composing again (a resend after a crash) gives the same Message-ID, and the same bytes at the same time
    again = compose(letter, s, now)
    assert again.message_id == envelope.message_id and again.data == envelope.data
    later = compose(letter, s, now + timedelta(hours=1))
    assert later.message_id == envelope.message_id and later.data != envelope.data


def _poison(store: Store) -> None:
    """A unit name and a plan title that try to smuggle headers in."""
    with store.session() as s:
        s.execute(update(UnitRow).where(UnitRow.id == "ag-bao-an-giang")
                  .values(name="Báo An Giang\r\nBcc: evil@example.com\r\nX-Injected: yes <b>in đậm</b>"))
        s.execute(update(PlanRow).where(PlanRow.id == PLAN_003_ID)
                  .values(title="Tuyên truyền\nX-Injected: yes\n\nthân thư giả", number="12/KH\r\nCc: evil@example.com"))


def test_names_with_newlines_cannot_inject_headers(store: Store, settings: Settings, smtp: SmtpServer) -> None:
    issue_003(store)
    _poison(store)
    s = smtp_settings(settings, smtp)
    report = mail.send_plan_notices(store, s, date(2021, 3, 1), SmtpMailer(s), PLAN_003_ID, recipients=[BAO])
    assert report.sent == 1 and report.ok
    [got] = smtp.received
    assert got.rcpt_tos == (BAO,)
    message = got.message()
    names = {k.lower() for k in message}
    assert "bcc" not in names and "cc" not in names and "x-injected" not in names
    assert message["Subject"] == ("Thông báo kế hoạch: Kế hoạch số 12/KH Cc: evil@example.com ngày 01/03/2021 – "
                                  "Tuyên truyền X-Injected: yes "
                                  "thân thư giả")
    assert "\n" not in message["Subject"] and "\n" not in str(message["To"])
    assert message["To"].addresses[0].addr_spec == BAO
    raw_to = email.message_from_bytes(got.data, policy=policy.compat32)["To"]
    assert "Báo An Giang Bcc: evil@example.com X-Injected: yes <b>in đậm</b>" in str(make_header(decode_header(raw_to)))
    # markup in data is escaped in the HTML part and kept as text in the plain part
    assert "&lt;b&gt;in đậm&lt;/b&gt;" in html(message) and "<b>in đậm</b>" not in html(message)
    assert "<b>in đậm</b>" in plain(message)


def test_compose_refuses_a_malformed_address_and_policy_refuses_raw_newlines(store: Store, settings: Settings) -> None:
    issue_003(store)
    s = outbox_settings(settings)
    letter = mail.digests(store, s, date(2021, 4, 23))[0]
    with pytest.raises(mail.AddressRejected):
        compose(replace(letter, recipient="a@b.vn\r\nBcc: evil@example.com"), s, datetime.now(UTC))
    message = email.message.EmailMessage(policy=mail.WIRE)
    with pytest.raises(ValueError, match="linefeed"):
        message["Subject"] = "a\nBcc: evil@example.com"


def test_smtp_and_outbox_carry_the_same_bytes(store: Store, settings: Settings, smtp: SmtpServer, tmp_path: Path) -> None:
    issue_003(store)
    s = smtp_settings(settings, smtp)
    letters = mail.digests(store, s, date(2021, 4, 23))
    assert {x.recipient for x in letters} == {BAO, DAI}
    now = datetime(2021, 4, 23, 1, 30, tzinfo=UTC)
    outbox = OutboxMailer(tmp_path / "outbox")
    with SmtpMailer(s) as smtp_mailer:
        for letter in letters:
            envelope = compose(letter, s, now)
            outbox.send(envelope)
            smtp_mailer.send(envelope)
        assert smtp_mailer.connections == 1  # one connection for the batch
    files = sorted((tmp_path / "outbox" / "2021-04-23").glob("*.eml"))
    assert len(files) == 2
    assert sorted(f.read_bytes() for f in files) == sorted(r.data for r in smtp.received)
    for r in smtp.received:
        assert r.mail_from == "lich@snv.angiang.gov.vn"
        assert r.message()["Subject"].startswith("Nhắc việc ngày 23/04/2021")


def test_vietnamese_subjects_and_bodies_survive_smtp_for_every_kind(store: Store, settings: Settings,
                                                                     smtp: SmtpServer) -> None:
    issue_003(store)
    s = smtp_settings(settings, smtp)
    monday = date(2021, 4, 26)  # a Monday: digests, weekly summary; the escalations 3 working days late
    tuesday = date(2021, 4, 29)
    expected = {}
    for letters in (mail.digests(store, s, monday), mail.escalations(store, s, tuesday),
                    mail.weekly_summaries(store, s, monday), mail.monthly_themes(store, s, date(2021, 4, 1)),
                    mail.plan_notices(store, s, monday, PLAN_003_ID)):
        for letter in letters:
            expected[mail.message_id(letter.key, "snv.angiang.gov.vn")] = render(letter, s)
    reports = [mail.send_daily(store, s, monday, SmtpMailer(s), clock=fixed_clock()),
               mail.send_daily(store, s, tuesday, SmtpMailer(s)),
               mail.send_daily(store, s, date(2021, 4, 1), SmtpMailer(s))]
    notices = mail.send_plan_notices(store, s, monday, SmtpMailer(s), PLAN_003_ID)
    assert all(r.ok for day in reports for r in day.values()) and notices.ok
    got = {r.message_id: r.message() for r in smtp.received}
    assert set(expected) <= set(got)
    kinds = Counter()
    for mid, rendered in expected.items():
        message = got[mid]
        assert message["Subject"] == rendered.subject
        assert unicodedata.is_normalized("NFC", message["Subject"])
        assert plain(message) == rendered.text
        assert html(message) == rendered.html
        kinds[rendered.subject.split(" ")[0]] += 1
    assert {"Nhắc", "Báo", "Tổng", "Chủ", "Thông"} <= set(kinds)


def test_outbox_of_plan_003_for_april_2021_reads_as_mail(store: Store, settings: Settings) -> None:
    issue_003(store)
    s = outbox_settings(settings)
    mailer = mailer_from_settings(s)
    assert isinstance(mailer, OutboxMailer)
    day = date(2021, 4, 1)
    while day <= date(2021, 4, 30):
        for report in mail.send_daily(store, s, day, mailer).values():
            assert report.ok
        day += timedelta(days=1)
    files = sorted(s.outbox_dir.rglob("*.eml"))
    assert files and not list(s.outbox_dir.rglob(".tmp-*"))
    per_person_day: Counter[tuple[str, str, str]] = Counter()
    for path in files:
        message = read_eml(path)
        subject = message["Subject"]
        assert unicodedata.is_normalized("NFC", subject) and "?=" not in subject
        body = plain(message)
        assert body.startswith("Kính gửi: ") and "Lịch thực hiện kế hoạch" in body
        kind = path.name.split("-", 1)[0]
        per_person_day[(path.parent.name, kind, str(message["To"].addresses[0].addr_spec))] += 1
    assert max(per_person_day.values()) == 1  # one mail per person, day and kind
    digests = {(d, to) for d, kind, to in per_person_day if kind == "digest"}
    assert ("2021-04-19", BAO) in digests and ("2021-04-23", BAO) in digests and ("2021-04-26", BAO) in digests
    assert ("2021-04-20", BAO) not in digests
    # 23/04: three days before the effective deadline (24/04 is a Saturday, so 26/04)
    [bao_23] = [read_eml(p) for p in (s.outbox_dir / "2021-04-23").glob(f"digest-{BAO}-*.eml")]
    assert bao_23["Subject"] == "Nhắc việc ngày 23/04/2021: 1 việc sắp đến hạn"
    text = plain(bao_23)
    assert "Hạn: ngày 26 tháng 4 năm 2021 (Thứ Hai), còn 3 ngày" in text
    assert "Kế hoạch ghi ngày 24 tháng 4 năm 2021" in text and "Gửi bài viết tuyên truyền gương điển hình" in text
    # the themes of April on the 1st, with Giỗ Tổ Hùng Vương on its lunar date
    [themes] = [read_eml(p) for p in (s.outbox_dir / "2021-04-01").glob(f"themes-{BAO}-*.eml")]
    assert themes["Subject"] == "Chủ đề tuyên truyền tháng 4/2021"
    assert "21/04/2021 (Thứ Tư): Giỗ Tổ Hùng Vương" in plain(themes)
    # the escalation 3 working days after the deadline (26/04), to the standing agency
    assert not list((s.outbox_dir / "2021-04-27").glob("escalation-*.eml"))
    [late] = [read_eml(p) for p in (s.outbox_dir / "2021-04-29").glob(f"escalation-{AGENCY}-*.eml")]
    assert "Báo An Giang: Gửi bài viết" in plain(late) and "QUÁ HẠN 3 NGÀY LÀM VIỆC" in plain(late)
    # running the whole month again writes nothing new
    before = {p: p.stat().st_mtime_ns for p in files}
    again = mail.send_daily(store, s, date(2021, 4, 26), mailer)
    assert sum(r.sent for r in again.values()) == 0 and sum(r.skipped_already_sent for r in again.values()) > 0
    assert {p: p.stat().st_mtime_ns for p in sorted(s.outbox_dir.rglob("*.eml"))} == before


def test_smtp_settings_errors_are_clear(settings: Settings) -> None:
    with pytest.raises(DeliveryError, match="PLANCAL_SMTP_HOST"):
        SmtpMailer(replace(settings, smtp_host=""))
    with pytest.raises(DeliveryError, match="none, starttls hoặc ssl"):
        SmtpMailer(replace(settings, smtp_host="mail.example.org", smtp_security="tls1.3"))
    with pytest.raises(DeliveryError) as info:
        SmtpMailer(replace(settings, smtp_host="mail.example.org", smtp_user="lich", smtp_password=""))
    assert info.value.problems[0].field == "PLANCAL_SMTP_PASSWORD"
    # a password handed over by the caller (a Prefect Secret block) is enough
    assert SmtpMailer(replace(settings, smtp_host="mail.example.org", smtp_user="lich"), password="s3cret")
    assert "s3cret" not in repr(replace(settings, smtp_password="s3cret"))
    assert isinstance(mailer_from_settings(replace(settings, smtp_host="mail.example.org")), SmtpMailer)
    with pytest.raises(DeliveryError, match="PLANCAL_MAIL_FROM"):
        mail.sender_address(replace(settings, mail_from="khong-phai-dia-chi"))


def test_refused_login_stops_with_a_clear_error(store: Store, settings: Settings, smtp: SmtpServer) -> None:
    """A server without AUTH refuses a configured login: the batch stops at once and says why."""
    issue_003(store)
    s = smtp_settings(settings, smtp, smtp_user="lich", smtp_password="sai")
    report = mail.send_reminders(store, s, date(2021, 4, 23), SmtpMailer(s), retry=FAST)
    assert report.sent == 0 and len(report.failed) == 2 and not smtp.received
    assert any("không hỗ trợ" in f.error and "AUTH" in f.error for f in report.failed)


def test_login_with_a_password_handed_over_by_the_caller(store: Store, settings: Settings) -> None:
    """As a flow does with a Prefect Secret block: the password is given, never read from a file."""
    issue_003(store)
    with SmtpServer.running(login=("lich", "dung-roi-42")) as server:
        s = smtp_settings(settings, server, smtp_user="lich", smtp_password="")
        assert SmtpMailer(s, password="x").client().user == "lich"  # not "lich@gmail.com"
        wrong = mail.send_reminders(store, s, date(2021, 4, 23), SmtpMailer(s, password="sai"), retry=FAST)
        assert wrong.sent == 0 and "từ chối đăng nhập: 535" in wrong.failed[0].error
        assert wrong.server_error is not None and not server.received
        right = mail.send_reminders(store, s, date(2021, 4, 23), SmtpMailer(s, password="dung-roi-42"), retry=FAST)
        assert right.ok and right.sent == 2 and len(server.received) == 2
        assert {name for name, _ in server.logins} == {"lich"}  # smtplib tries PLAIN, then LOGIN
        assert server.logins[-1] == ("lich", True) and not any(ok for _, ok in server.logins[:-1])


def test_recording_mailer_records(store: Store, settings: Settings) -> None:
    issue_003(store)
    s = outbox_settings(settings)
    recorder = RecordingMailer()
    report = mail.send_reminders(store, s, date(2021, 4, 23), recorder)
    assert report.sent == 2 and sorted(e.recipient for e in recorder.sent) == [DAI, BAO]
    assert all(e.kind == "digest" and e.day == date(2021, 4, 23) for e in recorder.sent)
