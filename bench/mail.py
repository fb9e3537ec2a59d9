"""Reminder digests per second through a loopback SMTP server, beside a plain single-connection send of
the same messages in the same run (the bound).

A synthetic directory of 10,000 communes, each with its own address, and one plan that gives each of
them two duties falling due in 3 and 7 days: 10,000 digests of two items each. The SMTP server
(aiosmtpd) runs in a separate process and only counts what it accepts.

- plancal: ``plancal.delivery.send_reminders`` end to end — plan the digests from the store, render
  both parts, compose the MIME message, claim each row in the delivery log, send it through
  ``SmtpMailer`` (yagmail's connection, one for the whole batch) and mark it sent.
- bound: the very same 10,000 messages, composed beforehand, sent with ``smtplib`` on one connection
  with nothing else around them.
- for reference, ``yagmail.SMTP.send()`` as documented (its own MIME, one login per call) on a sample.

    python bench/mail.py [--digests N] [--yagmail-sample N] [postgresql+psycopg://postgres@127.0.0.1/postgres]

SQLite in a temporary folder by default. Given a PostgreSQL URL, the bench creates a scratch database
on that server and drops it at the end (the database named in the URL is only used to connect).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import smtplib
import socket
import tempfile
import textwrap
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from plancal.lifecycle.issuance import issue_file
from plancal.mail.composition import compose, render
from plancal.mail.courier import CLAIM_CHUNK
from plancal.mail.daily import send_reminders
from plancal.mail.mailers import SmtpMailer
from plancal.mail.planners.digests import digests
from plancal.settings import Settings
from plancal.store import DeliveryLog, open_store

TODAY = date(2025, 6, 9)  # a Monday; the duties fall due on Thursday 12/06 and Monday 16/06
PROVINCES = 34


def plan_files(folder: Path, communes: int) -> Path:
    rows = ["units:",
            '  - {id: tw, name: "Ban Thi đua - Khen thưởng Trung ương", kind: central, emails: [vanthu@btdkt.gov.vn]}']
    for p in range(1, PROVINCES + 1):
        rows.append(f'  - {{id: t{p:02d}, name: "Ủy ban nhân dân tỉnh số {p}", kind: province, parent: tw, '
                    f'emails: [ubnd@t{p:02d}.gov.vn]}}')
    for c in range(communes):
        p = c % PROVINCES + 1
        rows.append(f'  - {{id: x{c:05d}, name: "Ủy ban nhân dân xã số {c}, tỉnh số {p}", kind: commune, '
                    f'parent: t{p:02d}, emails: [vanthu.x{c:05d}@t{p:02d}.gov.vn]}}')
    (folder / "units.yaml").write_text("\n".join(rows) + "\n", encoding="utf-8")
    plan = folder / "plan.yaml"
    plan.write_text(textwrap.dedent("""\
        id: bench-thu-nhac-viec
        number: 9/KH-BTĐKT
        issuer: tw
        place: Hà Nội
        issued: 02/01/2025
        title: Tuyên truyền, nhân rộng điển hình tiên tiến năm 2025
        period: 2025
        standing_agency: tw
        units: [units.yaml]
        recipients: [{kind: commune}]
        duties:
          - id: bai-viet
            what: Gửi bài viết giới thiệu gương điển hình tiên tiến của xã về Ban Thi đua - Khen thưởng
            who: [{kind: commune}]
            quota: {min: 2, unit: bài}
            to: tw
            when: {on: 12/06/2025}
          - id: danh-sach
            what: Gửi danh sách tập thể, cá nhân tiêu biểu đề nghị biểu dương
            who: [{kind: commune}]
            to: tw
            when: {on: 16/06/2025}
        """), encoding="utf-8")
    return plan


# -- the SMTP server, in its own process ---------------------------------------------------------------
class Counter:
    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        self.bytes += len(envelope.content)
        return "250 2.0.0 Ok"


def serve(port: int, pipe: Connection) -> None:
    from aiosmtpd.controller import Controller

    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    while True:
        command = pipe.recv()
        if command == "count":
            pipe.send((counter.messages, counter.bytes))
        elif command == "stop":
            controller.stop()
            pipe.send("stopped")
            return


@contextlib.contextmanager
def database(url: str | None, folder: Path) -> Iterator[str]:
    """SQLite in ``folder``, or a scratch database on the PostgreSQL server of ``url``."""
    if not url:
        yield f"sqlite:///{folder / 'plancal.db'}"
        return
    server = make_url(url)
    name = f"plancal_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=10_000)
    parser.add_argument("--yagmail-sample", type=int, default=500)
    parser.add_argument("database_url", nargs="?")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="plancal-bench-mail-"))
    port = free_port()
    parent, child = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(port, child), daemon=True)
    server.start()
    assert parent.recv() == "ready"

    with database(args.database_url, tmp) as url:
        run(args, tmp, url, port, parent)
    parent.send("stop")
    parent.recv()
    server.join(10)


def run(args: argparse.Namespace, tmp: Path, url: str, port: int, parent: Connection) -> None:
    store = open_store(url)
    t0 = time.perf_counter()
    issue_file(store, plan_files(tmp, args.digests))
    t_issue = time.perf_counter() - t0
    settings = replace(Settings.from_env({}), home=tmp, database_url=url, outbox_dir=tmp / "outbox",
                       smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                       mail_from="Lịch kế hoạch <lich@btdkt.gov.vn>")

    # the bound's messages: the same digests, composed beforehand (composition timed on its own)
    t0 = time.perf_counter()
    letters = digests(store, settings, TODAY)
    t_plan = time.perf_counter() - t0
    assert len(letters) == args.digests, len(letters)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    envelopes = [compose(letter, settings, now) for letter in letters]
    t_compose = time.perf_counter() - t0
    size = sum(len(e.data) for e in envelopes) / len(envelopes)

    # plancal, end to end
    mailer = SmtpMailer(settings)
    t0 = time.perf_counter()
    report = send_reminders(store, settings, TODAY, mailer)
    t_plancal = time.perf_counter() - t0
    assert report.sent == args.digests and report.ok, report.summary()
    parent.send("count")
    received, _ = parent.recv()
    assert received == args.digests, received

    # the bound: one plain connection, the same bytes, nothing else
    t0 = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, local_hostname="bench.local") as conn:
        for e in envelopes:
            conn.sendmail(e.sender, [e.recipient], e.data)
    t_plain = time.perf_counter() - t0
    parent.send("count")
    received, _ = parent.recv()
    assert received == 2 * args.digests, received

    # the delivery log alone: a claim per chunk and one durable mark per mail, no mail
    log = DeliveryLog(store, settings.lease_seconds, "bench-log-only")
    shadow = [replace(letter, kind="bench") for letter in letters]
    t0 = time.perf_counter()
    with log.held():
        for start in range(0, len(shadow), CLAIM_CHUNK):
            chunk = shadow[start:start + CLAIM_CHUNK]
            assert len(log.claim(chunk)) == len(chunk)
            for letter in chunk:
                assert log.mark(letter.key, "sent", tries=1, message_id="<bench@local>")
    t_log = time.perf_counter() - t0

    # for reference: yagmail's own send(), one login per call, on a sample
    t_yag = 0.0
    sample = min(args.yagmail_sample, len(letters))
    if sample:
        import yagmail

        warnings.simplefilter("ignore", ResourceWarning)  # send() drops the previous connection unclosed
        yag = yagmail.SMTP(user="lich@btdkt.gov.vn", host="127.0.0.1", port=port, smtp_ssl=False, smtp_starttls=False,
                           smtp_skip_login=True, soft_email_validation=False, local_hostname="bench.local")
        t0 = time.perf_counter()
        for letter in letters[:sample]:
            rendered = render(letter, settings)
            yag.send(to=letter.recipient, subject=rendered.subject, contents=[rendered.html], prettify_html=False)
        t_yag = time.perf_counter() - t0
        yag.close()
    store.engine.dispose()

    n = args.digests
    print(f"mail bench: {n:,} digests (2 items each, {size / 1024:.1f} KiB per message), aiosmtpd on 127.0.0.1:{port} "
          f"in its own process, store {store.engine.dialect.name}")
    print(f"  setup: issue plan {t_issue:.1f} s; plan digests {t_plan:.2f} s")
    print(f"  plancal send_reminders (plan, render, compose, claim, send, mark): {t_plancal:6.1f} s = "
          f"{n / t_plancal:7,.0f} mails/s")
    print(f"  bound: plain smtplib, one connection, same {n:,} messages:         {t_plain:6.1f} s = "
          f"{n / t_plain:7,.0f} mails/s")
    print(f"  plancal reaches {t_plain / t_plancal:.0%} of the bound; one SMTP connection for the batch "
          f"({mailer.connections})")
    print(f"  where the rest goes, measured apart: render + compose {1000 * t_compose / n:.2f} ms/mail "
          f"({n / t_compose:,.0f}/s); delivery log claim + durable mark {1000 * t_log / n:.2f} ms/mail "
          f"({n / t_log:,.0f}/s); plain send {1000 * t_plain / n:.2f} ms/mail")
    if sample:
        print(f"  reference: yagmail.SMTP.send() (own MIME, new connection per mail), {sample} mails: "
              f"{sample / t_yag:,.0f} mails/s")


if __name__ == "__main__":
    main()
