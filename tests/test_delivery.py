"""Never lost, never twice: reruns, retries, a server that refuses or is down, a bad address, a process
killed between claim and send, two senders at once — against aiosmtpd on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from plancal import mail
from plancal.errors import DeliveryError, StoreError
from plancal.lifecycle.issuance import issue_file
from plancal.mail.composition import Envelope
from plancal.mail.courier import RetryPolicy, deliver
from plancal.mail.daily import send_reminders
from plancal.mail.letters import Letter
from plancal.mail.mailers import RecordingMailer, SmtpMailer
from plancal.settings import Settings
from plancal.store import DeliveryLog, DeliveryRow, Store, open_store
from tests.helpers import write_plan
from tests.mail_helpers import AGENCY, BAO, DAI, FAST, issue_003, plain, smtp_settings
from tests.smtp_server import SmtpServer

DAY = date(2021, 4, 23)
#: one duty for bao, both districts and the three communes, due three days after DAY: six digests
SIX = """\
duties:
  - {id: bai, what: Gửi bài tuyên truyền tháng 4, who: [bao, {kind: district}, {kind: commune}], to: snv,
     when: {on: 26/04/2021}}
"""


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


def rows(store: Store) -> dict[str, DeliveryRow]:
    with store.session() as s:
        return {r.key: r for r in s.scalars(select(DeliveryRow))}


def issue_six(store: Store, tmp_path: Path) -> list[str]:
    issue_file(store, write_plan(tmp_path / "plan", SIX))
    return ["a1@tinh.gov.vn", "a2@tinh.gov.vn", "a@tinh.gov.vn", "b1@tinh.gov.vn", "b@tinh.gov.vn", "bao@tinh.gov.vn"]


# -- the log itself ------------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = datetime(2021, 4, 23, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _letter(recipient: str, kind: str = "digest") -> Letter:
    return Letter(kind=kind, ident=DAY.isoformat(), recipient=recipient, day=DAY, template="digest", context={})


def test_claims_are_exclusive_leases_expire_sent_is_final(store: Store) -> None:
    clock = Clock()
    a = DeliveryLog(store, 60, "worker-a", clock)
    b = DeliveryLog(store, 60, "worker-b", clock)
    letters = [_letter(f"u{i}@tinh.gov.vn") for i in range(3)]
    keys = {x.key for x in letters}
    assert a.claim(letters) == keys
    assert b.claim(letters) == set()  # held under a live lease
    assert a.mark(letters[0].key, "sent", tries=1, message_id="<m0@x>")
    assert a.mark(letters[1].key, "failed", tries=3, error="451")
    clock.now += timedelta(seconds=30)
    assert b.claim(letters) == {letters[1].key}  # a failed row may be taken again at once
    clock.now += timedelta(seconds=31)
    assert b.claim(letters) == {letters[2].key}  # a's lease on the third expired; the first stays sent
    assert not a.mark(letters[2].key, "sent", tries=1, message_id="<m2@x>")  # a lost its lease …
    state = rows(store)
    assert state[letters[2].key].status == "sent"  # … but what a sent is recorded: nobody sends it a third time
    assert state[letters[0].key].status == "sent" and state[letters[0].key].attempts == 1
    assert state[letters[1].key].claimed_by == "worker-b" and state[letters[1].key].attempts == 3
    clock.now += timedelta(hours=1)
    assert a.claim(letters) == {letters[1].key}  # only the row b never finished
    a.release([letters[1].key], "dừng")
    assert rows(store)[letters[1].key].status == "failed"


def test_a_mark_writes_what_the_orm_reads_and_a_refused_mark_is_a_store_error(store: Store) -> None:
    """The mark runs on the driver's cursor (the hot path of a run): it writes the values SQLAlchemy would,
    a database refusing it is reported like any other refusal of the log, and the held connection is
    rolled back and usable again."""
    clock = Clock()
    clock.now = datetime(2021, 4, 23, 1, 0, 0, 123456, tzinfo=UTC)
    log = DeliveryLog(store, 60, "worker-a", clock)
    letters = [_letter(f"m{i}@tinh.gov.vn") for i in range(2)]
    with log.held():
        assert log.claim(letters) == {x.key for x in letters}
        assert log.mark(letters[0].key, "sent", tries=2, message_id="<m0@x>")
        with store.engine.begin() as conn:
            conn.execute(text("ALTER TABLE deliveries RENAME TO deliveries_away"))
        with pytest.raises(StoreError, match="nhật ký gửi thư: cơ sở dữ liệu từ chối thao tác"):
            log.mark(letters[1].key, "sent", tries=1, message_id="<m1@x>")
        with store.engine.begin() as conn:
            conn.execute(text("ALTER TABLE deliveries_away RENAME TO deliveries"))
        assert rows(store)[letters[1].key].status == "claimed"
        assert log.mark(letters[1].key, "failed", tries=1, error="451 thử lại sau")
    state = rows(store)
    first, second = state[letters[0].key], state[letters[1].key]
    assert (first.status, first.sent_at, first.message_id, first.attempts, first.lease_until) == (
        "sent", datetime(2021, 4, 23, 1, 0, 0, 123456), "<m0@x>", 2, None)
    assert (second.status, second.sent_at, second.error, second.attempts) == ("failed", None, "451 thử lại sau", 1)


def test_two_logs_racing_for_the_same_keys_split_them(store: Store, db_url: str) -> None:
    letters = [_letter(f"r{i}@tinh.gov.vn") for i in range(200)]
    stores = [open_store(db_url, migrate=False) for _ in range(4)]
    won: list[set[str]] = [set() for _ in stores]
    barrier = threading.Barrier(len(stores))

    def race(i: int) -> None:
        log = DeliveryLog(stores[i], 300, f"w{i}")
        barrier.wait()
        for start in range(0, len(letters), 10):
            won[i] |= log.claim(letters[start:start + 10])

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for st in stores:
        st.engine.dispose()
    assert sum(len(w) for w in won) == len(letters)
    assert set().union(*won) == {x.key for x in letters}


# -- sending -------------------------------------------------------------------------------------------
def test_rerun_and_retry_send_nothing_twice(store: Store, settings: Settings, smtp: SmtpServer) -> None:
    issue_003(store)
    s = smtp_settings(settings, smtp)
    first = send_reminders(store, s, DAY, SmtpMailer(s))
    again = send_reminders(store, s, DAY, SmtpMailer(s))
    assert (first.sent, first.skipped_already_sent) == (2, 0)
    assert (again.sent, again.skipped_already_sent) == (0, 2)
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == [DAI, BAO]
    assert all(r.status == "sent" and r.message_id and r.sent_at for r in rows(store).values())
    # a batch of recipients at a time, as the flows do it: the rest follows, nothing twice
    later = DAY + timedelta(days=3)  # 26/04: due today for both, and the standing agency is due on 29/04
    due = mail.due_recipients(store, s, later)
    assert BAO in due and DAI in due
    one = send_reminders(store, s, later, SmtpMailer(s), recipients=[BAO.upper()])
    rest = send_reminders(store, s, later, SmtpMailer(s), recipients=[r for r in due if r != BAO])
    assert one.sent == 1 and rest.sent >= 1
    assert max(smtp.message_ids().values()) == 1


def test_one_digest_per_person_per_day_with_all_their_items(store: Store, settings: Settings, smtp: SmtpServer,
                                                            tmp_path: Path) -> None:
    """One clerk answers for the newspaper and for district A: one mail a day, every item of both units."""
    body = """\
    duties:
      - {id: bai, what: Gửi bài tháng 4, who: [bao], to: snv, when: {on: 26/04/2021}}
      - {id: ds, what: Gửi danh sách điển hình, who: [huyen-a], to: snv, when: {on: 26/04/2021}}
      - {id: bc, what: Gửi báo cáo nhanh, who: [huyen-a], to: snv, when: {on: 22/04/2021}}
      - {id: xa, what: Việc của xã A1, who: [xa-a1], to: huyen-a, when: {on: 23/04/2021}}
    """
    path = write_plan(tmp_path / "plan", body)
    units = (tmp_path / "plan" / "units.yaml").read_text(encoding="utf-8")
    (tmp_path / "plan" / "units.yaml").write_text(units.replace("emails: [bao@tinh.gov.vn]", "emails: [Van.Thu@tinh.gov.vn]")
                                                  .replace("emails: [a@tinh.gov.vn]", "emails: [van.thu@tinh.gov.vn]"),
                                                  encoding="utf-8")
    issue_file(store, path)
    s = smtp_settings(settings, smtp)
    report = send_reminders(store, s, DAY, SmtpMailer(s))
    assert report.sent == 2  # the shared address and commune A1 (due today)
    [shared] = smtp.to("van.thu@tinh.gov.vn")
    text = plain(shared.message())
    assert shared.message()["Subject"] == "Nhắc việc ngày 23/04/2021: 2 việc sắp đến hạn, 1 việc quá hạn"
    for title in ("Gửi bài tháng 4", "Gửi danh sách điển hình", "Gửi báo cáo nhanh"):
        assert text.count(title) == 1
    assert "===== Báo Thử Nghiệm =====" in text and "===== UBND huyện A =====" in text
    assert text.count("còn 3 ngày") == 2 and text.count("đã quá hạn 1 ngày") == 1
    [commune] = smtp.to("a1@tinh.gov.vn")
    assert "ĐẾN HẠN HÔM NAY" in plain(commune.message())


@pytest.mark.parametrize("mode", ["451-after-data", "421-at-mail-from"])
def test_server_refusing_for_a_while_then_recovering_gets_every_mail_once(
        store: Store, settings: Settings, smtp: SmtpServer, tmp_path: Path, mode: str) -> None:
    expected = issue_six(store, tmp_path)
    if mode == "451-after-data":
        smtp.inbox.refuse, smtp.inbox.refuse_at = 3, "DATA"
    else:
        smtp.inbox.refuse, smtp.inbox.refuse_at = 3, "MAIL"
        smtp.inbox.refuse_reply = "421 4.3.2 Máy chủ quá tải, đóng kết nối"
    s = smtp_settings(settings, smtp)
    waits: list[float] = []
    retry = RetryPolicy(attempts=5, first_delay=0.01, factor=2.0, max_delay=1.0, sleep=waits.append)
    mailer = SmtpMailer(s)
    report = send_reminders(store, s, DAY, mailer, retry=retry)
    assert report.ok and report.sent == 6
    assert waits == [0.01, 0.02, 0.04]  # exponential backoff, then it went through
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == expected
    assert max(smtp.message_ids().values()) == 1
    assert smtp.inbox.attempts == 6 + 3
    assert mailer.connections == 4  # a fresh connection after each refusal
    assert sum(r.attempts for r in rows(store).values()) == 6 + 3


def test_server_down_is_reported_then_everything_goes_once_it_is_back(
        store: Store, settings: Settings, smtp: SmtpServer, tmp_path: Path) -> None:
    expected = issue_six(store, tmp_path)
    s = smtp_settings(settings, smtp)
    smtp.stop()
    waits: list[float] = []
    down = send_reminders(store, s, DAY, SmtpMailer(s), retry=replace(FAST, sleep=waits.append))
    assert down.sent == 0 and len(down.failed) == 6 and not down.ok
    assert waits == []  # a server that cannot be reached stops the batch at once: the next run sends the mails
    assert "không kết nối được máy chủ thư 127.0.0.1" in down.failed[0].error
    with pytest.raises(DeliveryError, match="6 thư chưa gửi được"):
        down.raise_for_failures()
    assert {r.status for r in rows(store).values()} == {"failed"}
    smtp.start()
    back = send_reminders(store, s, DAY, SmtpMailer(s), retry=FAST)
    assert back.ok and back.sent == 6
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == expected
    assert send_reminders(store, s, DAY, SmtpMailer(s)).skipped_already_sent == 6
    assert max(smtp.message_ids().values()) == 1


def test_bad_address_is_recorded_and_reported_while_the_rest_go_out(store: Store, settings: Settings,
                                                                     smtp: SmtpServer) -> None:
    issue_003(store)
    smtp.inbox.bad = {BAO}
    s = smtp_settings(settings, smtp)
    report = send_reminders(store, s, DAY, SmtpMailer(s), retry=FAST)
    assert report.sent == 1 and report.ok
    assert [b.recipient for b in report.bad_addresses] == [BAO]
    assert "550" in report.bad_addresses[0].error
    assert report.coordinators_notified == 1
    assert [r.rcpt_tos[0] for r in smtp.received] == [DAI, AGENCY]
    notice = smtp.to(AGENCY)[0].message()
    assert notice["Subject"] == "Địa chỉ thư không nhận được (1) – ngày 23/04/2021"
    text = plain(notice)
    assert BAO in text and "Đơn vị: Báo An Giang" in text and "thư nhắc việc hằng ngày" in text and "550" in text
    state = {r.recipient: r.status for r in rows(store).values() if r.kind == "digest"}
    assert state == {BAO: "bad_address", DAI: "sent"}
    again = send_reminders(store, s, DAY, SmtpMailer(s), retry=FAST)
    assert (again.sent, again.skipped_bad_address, again.skipped_already_sent, again.coordinators_notified) == (0, 1, 1, 0)
    assert len(smtp.received) == 2


def test_letters_composed_ahead_of_their_turn_go_once_each_and_one_that_cannot_be_composed_fails_alone(
        store: Store, settings: Settings, tmp_path: Path) -> None:
    """A claimed chunk is composed before its first mail goes: the envelopes sent are those composed (same
    bytes as composing at their turn, apart from the Date), and a letter whose composition fails is handled
    at its turn while the others go out."""
    issue_six(store, tmp_path)
    letters = mail.digests(store, settings, DAY)
    assert len(letters) == 6
    broken = replace(letters[2], recipient="khong-phai-dia-chi")
    letters[2] = broken
    mailer = RecordingMailer()
    report = deliver(store, settings, mailer, letters, notify_coordinators=False)
    assert report.sent == 5 and [b.recipient for b in report.bad_addresses] == [broken.recipient]
    assert [e.recipient for e in mailer.sent] == [x.recipient for x in letters if x is not broken]
    def undated(data: bytes) -> bytes:
        return b"".join(line for line in data.splitlines(keepends=True) if not line.startswith(b"Date:"))

    now = datetime.now(UTC)
    for envelope, letter in zip(mailer.sent, [x for x in letters if x is not broken], strict=True):
        assert undated(envelope.data) == undated(mail.compose(letter, settings, now).data)
    assert rows(store)[broken.key].status == "bad_address"


def test_a_message_refused_for_good_fails_alone(store: Store, settings: Settings, smtp: SmtpServer,
                                                tmp_path: Path) -> None:
    issue_six(store, tmp_path)
    smtp.inbox.refuse, smtp.inbox.refuse_reply = 1, "554 5.7.1 Nội dung bị từ chối"
    s = smtp_settings(settings, smtp)
    report = send_reminders(store, s, DAY, SmtpMailer(s), retry=FAST)
    assert report.sent == 5 and len(report.failed) == 1 and "554" in report.failed[0].error
    retried = send_reminders(store, s, DAY, SmtpMailer(s), retry=FAST)  # failed rows go again next run
    assert retried.sent == 1 and len(smtp.received) == 6


@pytest.mark.parametrize("server", ["closed-port", "silent-listener", "accepts-then-silent"])
def test_an_unreachable_server_is_reported_in_seconds(store: Store, settings: Settings, tmp_path: Path,
                                                      server: str) -> None:
    import socket

    from tests.smtp_server import free_port

    issue_six(store, tmp_path)
    listener: socket.socket | None = None
    accepted: list[socket.socket] = []
    port = free_port()
    if server != "closed-port":  # a listener that never greets: the old 30 s timeout, five times, with backoff
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        if server == "accepts-then-silent":
            threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()  # type: ignore[union-attr]
    s = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    waits: list[float] = []
    started = time.monotonic()
    try:
        report = send_reminders(store, s, DAY, SmtpMailer(s), retry=replace(FAST, sleep=waits.append))
    finally:
        elapsed = time.monotonic() - started
        for sock in accepted + ([listener] if listener else []):
            sock.close()
    assert report.sent == 0 and len(report.failed) == 6 and waits == []
    assert report.server_error is not None and f"không kết nối được máy chủ thư 127.0.0.1:{port}" in report.server_error
    assert ("kết nối bị từ chối" if server == "closed-port" else "hết thời gian chờ") in report.server_error
    assert elapsed < mail.SMTP_CONNECT_TIMEOUT + 3  # a hang guard, not a benchmark: it used to take 31 s or more
    assert {r.status for r in rows(store).values()} == {"failed"}  # owed to the next run


# -- a process killed between claim and send --------------------------------------------------------------
class _DyingMailer(SmtpMailer):
    """Sends ``keep`` mails, then dies inside the next send, before a byte of it leaves."""

    def __init__(self, settings: Settings, keep: int, how: str, marker: Path) -> None:
        super().__init__(settings)
        self.keep, self.how, self.marker = keep, how, marker

    def send(self, envelope: Envelope) -> None:
        if self.keep == 0:
            if self.how == "exit":
                os._exit(7)
            self.marker.write_text(envelope.key, encoding="utf-8")
            time.sleep(120)  # the parent kills us here with SIGKILL
        self.keep -= 1
        super().send(envelope)


def _child(db_url: str, settings: Settings, keep: int, how: str, marker: str) -> None:
    store = open_store(db_url, migrate=False)
    send_reminders(store, settings, DAY, _DyingMailer(settings, keep, how, Path(marker)))


@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_process_killed_between_claim_and_send_is_picked_up_at_once(
        store: Store, settings: Settings, smtp: SmtpServer, tmp_path: Path, db_url: str, how: str) -> None:
    expected = issue_six(store, tmp_path)
    s = smtp_settings(settings, smtp, lease_seconds=300)
    marker = tmp_path / "claimed-not-sent"
    child = multiprocessing.get_context("spawn").Process(target=_child, args=(db_url, s, 2, how, str(marker)))
    child.start()
    if how == "sigkill":
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists()
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
    child.join(60)
    assert child.exitcode == (7 if how == "exit" else -signal.SIGKILL)
    assert len(smtp.received) == 2
    state = rows(store)
    assert sorted(r.status for r in state.values()) == ["claimed"] * 4 + ["sent"] * 2
    assert {r.claimer_pid for r in state.values() if r.status == "claimed"} == {child.pid}
    # restarted at once, well inside the 300 s lease: the process holding the claims is dead, so they go now
    again = send_reminders(store, s, DAY, SmtpMailer(s))
    assert (again.sent, again.skipped_already_sent, again.skipped_in_progress) == (4, 2, 0)
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == expected
    assert max(smtp.message_ids().values()) == 1
    letters = {x.key: x for x in mail.digests(store, s, DAY)}
    assert set(smtp.message_ids()) == {mail.message_id(k, "snv.angiang.gov.vn") for k in letters}
    assert {r.status for r in rows(store).values()} == {"sent"}


def test_claims_of_a_live_or_remote_process_wait_for_their_lease_and_say_who_holds_them(
        store: Store, settings: Settings, smtp: SmtpServer, tmp_path: Path) -> None:
    issue_six(store, tmp_path)
    s = smtp_settings(settings, smtp, lease_seconds=2)
    letters = mail.digests(store, s, DAY)
    holder = DeliveryLog(store, 2, "may-nay:live")  # this (live) process, another worker
    assert holder.claim(letters[:3]) == {x.key for x in letters[:3]}
    remote = DeliveryLog(store, 2, "may-khac:4242:abc")
    assert remote.claim(letters[3:]) == {x.key for x in letters[3:]}
    with store.session() as sess:  # as written by a process on another machine: its liveness is unknown here
        for row in sess.scalars(select(DeliveryRow).where(DeliveryRow.claimed_by == "may-khac:4242:abc")):
            row.claimer_host, row.claimer_pid = "may-khac", 4242
    early = send_reminders(store, s, DAY, SmtpMailer(s))
    assert (early.sent, early.skipped_in_progress) == (0, 6) and not smtp.received
    text = early.summary()
    assert f"3 thư đang được tiến trình {os.getpid()} trên máy này giữ đến " in text
    assert "3 thư đang được tiến trình may-khac:4242:abc giữ đến " in text
    assert "đang do tiến trình khác gửi" not in text
    lease_end = max(r.lease_until for r in rows(store).values() if r.lease_until is not None).replace(tzinfo=UTC)
    time.sleep(max(0.0, (lease_end - datetime.now(UTC)).total_seconds()) + 0.2)
    late = send_reminders(store, s, DAY, SmtpMailer(s))
    assert late.sent == 6 and max(smtp.message_ids().values()) == 1


@pytest.mark.parametrize("seconds", [0, -5])
def test_a_lease_of_zero_or_less_is_refused_not_a_hang(store: Store, settings: Settings, smtp: SmtpServer,
                                                         tmp_path: Path, seconds: int) -> None:
    issue_six(store, tmp_path)
    s = smtp_settings(settings, smtp, lease_seconds=seconds)
    with pytest.raises(DeliveryError, match="PLANCAL_LEASE_SECONDS") as caught:
        send_reminders(store, s, DAY, SmtpMailer(s))
    assert "phải lớn hơn 0 giây" in str(caught.value)
    with pytest.raises(DeliveryError):
        DeliveryLog(store, seconds, "w")
    assert not rows(store) and not smtp.received  # nothing claimed and left hanging


# -- two senders at once ---------------------------------------------------------------------------------
def test_two_concurrent_senders_send_each_mail_once(store: Store, settings: Settings, smtp: SmtpServer,
                                                    tmp_path: Path, db_url: str) -> None:
    communes = "".join(f'  - {{id: xa-{i:03d}, name: "UBND xã Số {i}", kind: commune, parent: huyen-b, '
                       f'emails: [xa{i:03d}@tinh.gov.vn]}}\n' for i in range(120))
    path = write_plan(tmp_path / "plan", SIX)
    units_file = tmp_path / "plan" / "units.yaml"
    units_file.write_text(units_file.read_text(encoding="utf-8") + communes, encoding="utf-8")
    issue_file(store, path)
    s = smtp_settings(settings, smtp)
    letters = mail.digests(store, s, DAY)
    assert len(letters) == 126
    reports: list[mail.DeliveryReport] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        own = open_store(db_url, migrate=False)
        barrier.wait()
        reports.append(deliver(own, s, SmtpMailer(s), mail.digests(own, s, DAY), today=DAY))
        own.engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reports) == 2 and all(r.ok for r in reports)
    assert sum(r.sent for r in reports) == 126
    assert sum(r.sent + r.skipped_in_progress + r.skipped_already_sent for r in reports) == 2 * 126
    assert len(smtp.received) == 126 and max(smtp.message_ids().values()) == 1
    assert {r.status for r in rows(store).values()} == {"sent"}


def test_report_adds_up_and_speaks_vietnamese() -> None:
    a = mail.DeliveryReport(sent=2, skipped_already_sent=1)
    b = mail.DeliveryReport(sent=1, failed=(mail.Failure("x@y.vn", "digest", "k", "máy chủ tạm từ chối"),))
    total = a + b
    assert (total.sent, total.skipped_already_sent, len(total.failed), total.ok) == (3, 1, 1, False)
    assert total.summary() == ("đã gửi 3 thư; 1 thư đã gửi trước đó (bỏ qua); "
                               "1 thư chưa gửi được (sẽ gửi lại ở lần chạy sau)")


def test_a_day_with_the_server_down_is_caught_up_the_next_day(store: Store, settings: Settings, smtp: SmtpServer,
                                                              tmp_path: Path) -> None:
    body = """\
    duties:
      - {id: bai, what: Gửi bài tháng 4, who: [bao], to: snv, when: {on: 26/04/2021}}
      - {id: ds, what: Gửi danh sách điển hình, who: [xa-a1], to: huyen-a, when: {on: 19/04/2021}}
    """
    issue_file(store, write_plan(tmp_path / "plan", body))
    s = smtp_settings(settings, smtp)
    smtp.stop()
    waits: list[float] = []
    # Friday 23/04: 'bai' 3 days ahead, 'ds' 3 working days late (21/04 is a holiday): digests, and the
    # standing agency's escalation
    down = mail.send_daily(store, s, DAY, SmtpMailer(s), retry=replace(FAST, sleep=waits.append))
    assert waits == []  # an unreachable server is not waited on; the later steps do not try it again
    assert down["send_reminders"].server_error and down["send_escalations"].server_error
    assert len(down["send_reminders"].failed) == 2 and len(down["send_escalations"].failed) == 1
    assert sorted((r.kind, r.status) for r in rows(store).values()) == [("digest", "failed")] * 2 + [
        ("escalation", "failed")]
    smtp.start()
    saturday = DAY + timedelta(days=1)
    assert sum(r.sent for r in mail.send_daily(store, s, saturday, SmtpMailer(s), retry=FAST).values()) == 0  # day off
    monday = DAY + timedelta(days=3)
    back = mail.send_catch_up(store, s, monday, SmtpMailer(s), retry=FAST)
    assert back.sent == 3 and back.ok
    subjects = sorted(r.message()["Subject"] for r in smtp.received)
    assert subjects == ["Báo cáo chậm thực hiện ngày 23/04/2021: 1 việc quá hạn của 1 đơn vị",
                        "Nhắc việc ngày 23/04/2021: 1 việc quá hạn", "Nhắc việc ngày 23/04/2021: 1 việc sắp đến hạn"]
    again = mail.send_catch_up(store, s, monday, SmtpMailer(s), retry=FAST)
    assert again.sent == 0 and len(smtp.received) == 3
    assert {r.status for r in rows(store).values()} == {"sent"}


# -- an amendment committed in the middle of a run --------------------------------------------------------
class _AmendingMailer(SmtpMailer):
    """Sends ``keep`` mails, then issues an amendment (committed) as soon as the server accepted the last."""

    def __init__(self, settings: Settings, store: Store, keep: int, amended: Path) -> None:
        super().__init__(settings)
        self.store, self.keep, self.amended = store, keep, amended

    def send(self, envelope: Envelope) -> None:
        super().send(envelope)
        self.keep -= 1
        if self.keep == 0:
            issue_file(self.store, self.amended)


def test_mails_after_an_amendment_committed_mid_run_say_nothing_of_the_cancelled_duties(
        store: Store, settings: Settings, smtp: SmtpServer, tmp_path: Path) -> None:
    both = SIX + """\
  - {id: ds, what: Gửi danh sách điển hình, who: [{kind: district}], to: snv, when: {on: 26/04/2021}}
"""
    issue_file(store, write_plan(tmp_path / "plan", both))
    only_ds = """\
duties:
  - {id: ds, what: Gửi danh sách điển hình, who: [{kind: district}], to: snv, when: {on: 26/04/2021}}
"""
    amended = write_plan(tmp_path / "amended", only_ds)
    s = smtp_settings(settings, smtp)
    report = send_reminders(store, s, DAY, _AmendingMailer(s, store, 2, amended))
    assert report.ok
    # sorted by address: a1 and a2 went before the amendment; then a and b (districts) are planned again with
    # only the remaining duty, and b1 and bao (communes, the newspaper) have nothing left to be told
    assert [r.rcpt_tos[0] for r in smtp.received] == ["a1@tinh.gov.vn", "a2@tinh.gov.vn", "a@tinh.gov.vn",
                                                      "b@tinh.gov.vn"]
    assert (report.sent, report.replanned, report.dropped) == (4, 2, 2)
    for received in smtp.received[2:]:
        text = plain(received.message())
        assert "Gửi bài tuyên truyền tháng 4" not in text and "Gửi danh sách điển hình" in text
    assert "Gửi bài tuyên truyền tháng 4" in plain(smtp.received[0].message())
    state = {r.recipient: r.status for r in rows(store).values()}
    assert state == {"a1@tinh.gov.vn": "sent", "a2@tinh.gov.vn": "sent", "a@tinh.gov.vn": "sent",
                     "b@tinh.gov.vn": "sent", "b1@tinh.gov.vn": "dropped", "bao@tinh.gov.vn": "dropped"}
    again = send_reminders(store, s, DAY, SmtpMailer(s))
    assert again.sent == 0 and len(smtp.received) == 4


def test_a_run_on_sqlite_relaxes_syncing_only_on_its_own_connection_and_puts_it_back(
        settings: Settings, smtp: SmtpServer, tmp_path: Path) -> None:
    """WAL commits during a run are not each synced (they still survive a killed process, test_crash);
    the connection goes back to the pool at the usual level, and every mark is there for other readers."""
    store = open_store(f"sqlite:///{tmp_path / 'relaxed.db'}")
    try:
        issue_003(store)
        s = replace(smtp_settings(settings, smtp), database_url=f"sqlite:///{tmp_path / 'relaxed.db'}")
        levels: list[int] = []
        mailer = RecordingMailer(fail=lambda _e: levels.append(_synchronous(store)))
        report = send_reminders(store, s, DAY, mailer)
        assert report.sent == 2 and levels == [2, 2]  # a connection other than the run's keeps FULL
        with store.engine.connect() as conn:
            assert [r for (r,) in conn.exec_driver_sql("SELECT status FROM deliveries")] == ["sent", "sent"]
        pooled = [store.engine.connect() for _ in range(store.engine.pool.checkedin())]  # type: ignore[attr-defined]
        try:
            assert pooled and all(c.exec_driver_sql("PRAGMA synchronous").scalar() == 2 for c in pooled)
        finally:
            for c in pooled:
                c.close()
    finally:
        store.engine.dispose()


def _synchronous(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
