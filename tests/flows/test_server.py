"""End to end against a real Prefect server (``prefect server start`` on a free loopback port, its
database on PostgreSQL, PREFECT_HOME in a temporary folder): deploy prefect.yaml, run deployments on
process workers, read states and artifacts back through the API; two workers sending the same day's
reminders at once; and ``plancal simulate`` over plan 003 for the whole of 2021.

These are the slow tests (about a minute each); they are part of the normal run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from flows.stack import ROOT, deploy_all, ensure_pool, prefect_env, start_server, start_worker, stop, wait_healthy
from plancal import mail, views
from plancal.lifecycle.issuance import issue_file
from plancal.lifecycle.stages import Stage
from plancal.mail.items import World
from plancal.mail.leadtimes import LeadTimes, limit_of
from plancal.schedule.occurrence import ACTIONABLE
from plancal.settings import Settings
from plancal.store import DeliveryRow, Store, open_store
from plancal.vn.dates import parse_date
from tests.conftest import PLANS, drop_pg_database, make_pg_database
from tests.mail_helpers import plain, read_eml
from tests.smtp_server import Inbox, SmtpServer, free_port

AG = "ag-2021-tuyen-truyen-dhtt"


@dataclass(frozen=True)
class Server:
    api_url: str
    env: dict[str, str]
    home: Path


def _base_env() -> dict[str, str]:
    """This process's environment without plancal's or Prefect's own settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PLANCAL_", "PREFECT_"))}


@pytest.fixture(scope="module")
def prefect_server(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real ``prefect server start`` with its UI, on PostgreSQL, for this module."""
    database = make_pg_database(pg_server)
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = prefect_env(api_url, _base_env())
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_API_PORT=str(port),
               PREFECT_SERVER_DATABASE_CONNECTION_URL=pg_server.replace("postgresql://", "postgresql+asyncpg://")
               + f"/{database}")
    log = home / "server.log"
    proc = start_server(env, port, log)
    try:
        wait_healthy(api_url, proc, log)
        yield Server(api_url, env, home)
    finally:
        stop(proc)
        drop_pg_database(database)


@pytest.fixture(scope="module")
def deployed(prefect_server: Server) -> Server:
    """The process work pool and every deployment of prefect.yaml (``prefect deploy --all``)."""
    ensure_pool(prefect_server.env, prefect_server.home / "deploy.log")
    deploy_all(prefect_server.env, prefect_server.home / "deploy.log")
    return prefect_server


def client_for(server: Server) -> Any:
    from prefect.client.orchestration import SyncPrefectClient

    return SyncPrefectClient(server.api_url)


def wait_final(client: Any, flow_run_ids: list[Any], timeout: float = 240) -> list[Any]:
    deadline = time.monotonic() + timeout
    while True:
        runs = [client.read_flow_run(i) for i in flow_run_ids]
        if all(r.state is not None and r.state.is_final() for r in runs):
            return runs
        if time.monotonic() > deadline:
            raise AssertionError(f"runs not final after {timeout:.0f} s: {[(r.name, r.state_name) for r in runs]}")
        time.sleep(1)


def app_env(server: Server, folder: Path, **extra: str) -> dict[str, str]:
    env = dict(server.env)
    env.update(PLANCAL_HOME=str(folder / "var"), PLANCAL_CALENDAR_DIR=str(folder / "calendar"),
               PLANCAL_OUTBOX_DIR=str(folder / "outbox"), PREFECT_WORKER_QUERY_SECONDS="1", **extra)
    return env


def test_deploy_from_prefect_yaml_run_on_a_worker_and_read_back(deployed: Server, tmp_path: Path) -> None:
    env = app_env(deployed, tmp_path)
    client = client_for(deployed)
    with client:
        spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
        for entry in spec:
            deployment = client.read_deployment_by_name(f"{_flow_name(entry['entrypoint'])}/{entry['name']}")
            assert deployment.work_pool_name == "plancal"
            for want, got in zip(entry.get("schedules", []), deployment.schedules, strict=True):
                assert (got.schedule.cron, got.schedule.timezone) == (want["cron"], "Asia/Ho_Chi_Minh")

        worker = start_worker(env, "e2e", tmp_path / "worker.log")
        try:
            issue = client.read_deployment_by_name("issue-plan/on-demand")
            good = client.create_flow_run_from_deployment(
                issue.id, parameters={"plan_file": "plans/003-an-giang-2021.yaml", "today": "2021-03-01"})
            bad_file = _broken_plan(tmp_path)
            bad = client.create_flow_run_from_deployment(issue.id, parameters={"plan_file": str(bad_file)})
            ok, failed = wait_final(client, [good.id, bad.id])
        finally:
            stop(worker)

        assert ok.state.is_completed(), (ok.state.message, (tmp_path / "worker.log").read_text()[-3000:])
        assert ok.name == f"issue {AG}" and f"plan:{AG}" in ok.tags and "issue" in ok.tags
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

        found = {a.key: a for a in client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[ok.id])))}
        assert {views.status_key(AG), views.due_soon_key(AG), views.late_key(AG), views.DASHBOARD_KEY} <= set(found)
        rows = json.loads(found[views.status_key(AG)].data)
        # issued 01/03/2021: nothing owed for January and February, March to December to come
        assert any(r["Đơn vị"] == "Báo An Giang" and r["Chưa nộp (quá hạn)"] == 0 and r["Chưa đến hạn"] == 10
                   for r in rows)
        assert "Tổng quan thực hiện kế hoạch" in found[views.DASHBOARD_KEY].data

        assert failed.state.is_failed()
        assert "PlanError" in failed.state.message and "ag-bao-angiang" in failed.state.message
    store = open_store(Settings.from_env(env).db_url)
    assert [p.id for p in store.plans()] == [AG]  # the broken plan stored nothing
    assert len(list((tmp_path / "outbox").rglob("notice-*.eml"))) == len(mail.plan_notices(store, Settings.from_env(env),
                                                                                              date(2021, 3, 1), AG))
    store.engine.dispose()


def _flow_name(entrypoint: str) -> str:
    """flows/issue_plan.py:issue_plan → issue-plan (every flow is named after its function)."""
    return entrypoint.rsplit(":", 1)[1].replace("_", "-")


def _broken_plan(folder: Path) -> Path:
    target = folder / "plans"
    target.mkdir()
    (target / "units").mkdir()
    for f in (PLANS / "units").glob("*.yaml"):
        (target / "units" / f.name).write_bytes(f.read_bytes())
    text = (PLANS / "003-an-giang-2021.yaml").read_text(encoding="utf-8")
    path = target / "003-typo.yaml"
    path.write_text(text.replace("who: [ag-bao-an-giang]", "who: [ag-bao-angiang]"), encoding="utf-8")
    return path


# -- two workers at once ---------------------------------------------------------------------------
class SlowInbox(Inbox):
    """Takes 20 ms per message, so that two runs sending the same day's mail overlap."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


def _province(folder: Path, communes: int) -> Path:
    units = ["units:",
             '  - {id: tinh, name: "UBND tỉnh Thử Nghiệm", kind: province, emails: [ubnd@tinh.gov.vn]}',
             '  - {id: snv, name: "Sở Nội vụ tỉnh Thử Nghiệm", kind: department, parent: tinh, emails: [snv@tinh.gov.vn]}']
    units += [f'  - {{id: xa-{i:03d}, name: "UBND xã số {i}", kind: commune, parent: tinh, emails: [xa{i:03d}@tinh.gov.vn]}}'
              for i in range(1, communes + 1)]
    (folder / "units.yaml").write_text("\n".join(units) + "\n", encoding="utf-8")
    path = folder / "plan.yaml"
    path.write_text("""\
id: thu-nghiem-hai-tien-trinh
number: 9/KH-UBND
issuer: tinh
place: Thử Nghiệm
issued: 01/03/2021
title: Kế hoạch thử nghiệm nhắc việc
period: 2021
standing_agency: snv
units: [units.yaml]
recipients: ["@standing-agency", {kind: commune}]
duties:
  - {id: bai-viet, what: Gửi bài viết tuyên truyền, who: [{kind: commune}], to: snv, when: {every: month, day: 25, before: true}}
""", encoding="utf-8")
    return path


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    store = open_store(pg_url)
    yield store
    store.engine.dispose()


def test_two_workers_send_every_reminder_exactly_once(deployed: Server, pg_url: str, pg_store: Store,
                                                       tmp_path: Path) -> None:
    plan = _province(tmp_path, communes=300)
    store = pg_store
    issue_file(store, plan)
    settings = Settings.from_env({"PLANCAL_DATABASE_URL": pg_url})
    day = date(2021, 3, 24)  # due "before the 25th": the day itself
    expected = (mail.digests(store, settings, day) + mail.escalations(store, settings, day)
                + mail.weekly_summaries(store, settings, day) + mail.catch_up_letters(store, settings, day))
    assert len(mail.digests(store, settings, day)) == 300

    smtp = SmtpServer()
    smtp.inbox = SlowInbox()
    smtp.start()
    env = app_env(deployed, tmp_path, PLANCAL_DATABASE_URL=pg_url, PLANCAL_SMTP_HOST="127.0.0.1",
                  PLANCAL_SMTP_PORT=str(smtp.port), PLANCAL_SMTP_SECURITY="none", PLANCAL_MAIL_FROM="plancal@tinh.gov.vn")
    workers = [start_worker(env, f"worker-{n}", tmp_path / f"worker-{n}.log", limit=1) for n in (1, 2)]
    try:
        with client_for(deployed) as client:
            deployment = client.read_deployment_by_name("reminders/daily-morning")
            ids = [client.create_flow_run_from_deployment(deployment.id, parameters={"today": day.isoformat()}).id
                   for _ in workers]
            runs = wait_final(client, ids)
    finally:
        for w in workers:
            stop(w)
        smtp.stop()

    logs = "\n".join((tmp_path / f"worker-{n}.log").read_text() for n in (1, 2))
    assert all(r.state.is_completed() for r in runs), ([r.state.message for r in runs], logs[-4000:])
    # each worker ran one of the two runs (a worker may try to take the other's and be refused), and the
    # two runs overlapped in time
    executed = [set(re.findall(r"View at \S+/flow-run/([0-9a-f-]{36})", (tmp_path / f"worker-{n}.log").read_text()))
                for n in (1, 2)]
    assert sorted(executed, key=sorted) == sorted([{str(r.id)} for r in runs], key=sorted)
    first, second = sorted(runs, key=lambda r: r.start_time)
    assert second.start_time < first.end_time
    assert all(r.name == f"reminders {day.isoformat()}" for r in runs)

    received = smtp.received
    per_recipient = Counter(rcpt for r in received for rcpt in r.rcpt_tos)
    wanted = Counter(letter.recipient for letter in expected)
    assert per_recipient == wanted  # every mail, to everyone, exactly once
    assert len({r.message_id for r in received}) == len(expected)
    with store.session() as s:
        statuses = Counter(status for (status,) in s.execute(select(DeliveryRow.status)))
    assert statuses == Counter({"sent": len(expected)})


# -- the simulated year ----------------------------------------------------------------------------
def _snapshot(*folders: Path) -> dict[str, tuple[str, int]]:
    return {str(p): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for folder in folders if folder.is_dir() for p in sorted(folder.rglob("*")) if p.is_file()}


#: a line of a mail that says an item is late ("đã quá hạn 3 ngày làm việc", "QUÁ HẠN 3 NGÀY LÀM VIỆC")
_LATE_LINE = re.compile(r"quá hạn \d+ ngày", re.IGNORECASE)
_DATE = re.compile(r"ngày \d{1,2} tháng \d{1,2} năm \d{4}|\b\d{1,2}/\d{1,2}/\d{4}\b")


def late_deadlines(eml: Path) -> list[date]:
    """The deadlines of the items a mail calls late (the dates on its "quá hạn N ngày" lines)."""
    lines = [line for line in plain(read_eml(eml)).splitlines() if _LATE_LINE.search(line)]
    return [parse_date(m.group()) for line in lines for m in _DATE.finditer(line.lower())]


def test_simulate_plan_003_for_2021_then_again(prefect_server: Server, tmp_path: Path) -> None:
    env = app_env(prefect_server, tmp_path)
    cmd = [str(Path(sys.executable).with_name("plancal")), "simulate", "--plan", "plans/003-an-giang-2021.yaml",
           "--from", "01/01/2021", "--to", "31/12/2021"]
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    settings = Settings.from_env(env)
    outbox, calendar = settings.outbox_dir, settings.calendar_dir

    store = open_store(settings.db_url)
    plan = store.plan(AG)
    assert plan is not None
    lead = LeadTimes.from_settings(settings)
    world = World.load(store)
    work = world.work
    rows = store.occurrences(plan_id=AG, kinds=ACTIONABLE)
    digests = escalations = 0
    issuer_days: set[date] = set()  # the days the ladder lets UBND tỉnh hear of lateness
    day = plan.issued  # nothing exists before the plan is issued (1 March 2021)
    while day <= date(2021, 12, 31):
        to_units: set[str] = set()
        to_escalate: set[str] = set()
        for r in rows:
            answered = r.done_on is not None and r.done_on <= day  # the day's answers come before the morning run
            if answered or r.unit_id is None or not work.is_working_day(day):
                continue
            if lead.reminds(r.kind, r.due_effective, limit_of(r), day, work):
                to_units.update(world.emails(r.unit_id))
            if r.unit_id == plan.standing_agency_id:
                continue  # the standing agency's own lateness is never escalated
            targets = {"agency": plan.standing_agency_id, "issuer": plan.issuer_id,
                       "parent": world.units[r.unit_id].parent_id}
            for rung in lead.escalates(limit_of(r), day, work):
                if rung == "issuer":
                    issuer_days.add(day)
                target = targets[rung]
                if target and target != r.unit_id:
                    to_escalate.update(world.emails(target))
        digests += len(to_units)
        escalations += len(to_escalate)
        day += timedelta(days=1)
    first_days = sum(1 for n in range((date(2021, 12, 31) - plan.issued).days + 1)
                     if mail.summary_day(plan.issued + timedelta(days=n), work))
    themes = sum(len(mail.monthly_themes(store, settings, d)) for m in range(3, 13)
                 for d in (date(2021, m, n) for n in range(1, 8)) if mail.themes_day(d, work))

    def count(kind: str) -> int:
        return len(list(outbox.rglob(f"{kind}-*.eml")))

    assert digests > 100 and escalations > 0
    assert count("digest") == digests
    assert count("escalation") == escalations
    assert count("weekly") == first_days * len(world.emails(plan.standing_agency_id))
    assert count("themes") == themes
    assert sum(1 for r in rows if r.status == "done") > 0  # the simulated units answered
    # no mail on a day off: every mail of the year sits in the folder of a working day
    mail_days = {date.fromisoformat(p.parent.name) for p in outbox.rglob("*.eml")}
    assert mail_days and all(work.is_working_day(d) for d in mail_days), sorted(d for d in mail_days
                                                                              if not work.is_working_day(d))
    # UBND tỉnh (the issuer) hears of lateness only when an item reaches the ladder's long delay
    issuer_emails = world.emails(plan.issuer_id)
    to_issuer = {date.fromisoformat(p.parent.name) for e in issuer_emails for p in outbox.rglob(f"escalation-{e}-*.eml")}
    assert to_issuer <= issuer_days
    # no "QUÁ HẠN" for a period before the plan was issued: every late item's deadline is on or after 01/03/2021
    mails = sorted(outbox.rglob("*.eml"))
    late = {p: late_deadlines(p) for p in mails}
    assert any(late.values())  # the simulated units were late, and were told
    early = {p.name: [d for d in days if d < plan.issued] for p, days in late.items()}
    assert not any(early.values()), {name: days for name, days in early.items() if days}
    kinds = Counter(p.name.split("-", 1)[0] for p in mails)
    print(f"simulated 2021: {len(mails)} mails ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}) on "
          f"{len(mail_days)} working days, none on a day off; {count('escalation')} escalations, "
          f"{sum(1 for p in mails if p.name.startswith('escalation-') and any(e in p.name for e in issuer_emails))} "
          f"to UBND tỉnh on {len(to_issuer)} days (the ladder allowed {len(issuer_days)}); "
          f"{sum(len(d) for d in late.values())} late items named in {sum(1 for d in late.values() if d)} mails, "
          f"none due before {plan.issued:%d/%m/%Y}")
    units = store.unit_rows()
    feeds = {str(p.relative_to(calendar)) for p in calendar.rglob("*.ics")}
    assert feeds == {"public.ics", f"plans/{AG}.ics", *(f"u/{u.feed_token}.ics" for u in units)}
    done_feed = (calendar / f"u/{next(u.feed_token for u in units if u.id == 'ag-bao-an-giang')}.ics").read_text()
    assert "[Đã xong]" in done_feed
    with store.session() as s:
        sent = s.execute(select(func.count()).select_from(DeliveryRow)).scalar_one()
    store.engine.dispose()

    before = _snapshot(outbox, calendar)
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert _snapshot(outbox, calendar) == before  # not a file written, not a byte changed
    assert Stage.EXPORT in first.stdout.split("Mô phỏng")[-1]  # the feeds caught up with the submissions
    assert Stage.EXPORT not in second.stdout.split("Mô phỏng")[-1]  # no submission was new
    store = open_store(settings.db_url)
    with store.session() as s:
        assert s.execute(select(func.count()).select_from(DeliveryRow)).scalar_one() == sent
    store.engine.dispose()
