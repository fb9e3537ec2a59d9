"""One daily ``reminders`` flow run at national scale (about 8,100 units): wall time and task count,
against its bound: the same day's ``send_daily`` called in process without Prefect, on a second store
holding the same plan (the flow's overhead is the ratio).

Issues the national plan of ``bench/national.py`` (the real provinces and communes) into a
scratch store, picks the day the communes' monthly duty falls due (every commune gets a digest),
runs the ``reminders`` flow once for that day against a real Prefect server — the one
PREFECT_API_URL names, or else a ``prefect server start`` of its own in a temporary PREFECT_HOME —
then runs it again (a rerun sends nothing). Mail goes to an outbox folder (the embedded default).
Prints the figures.

    python bench/daily_run.py [postgresql+psycopg://postgres@127.0.0.1/plancal_bench]
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import national  # noqa: E402

from flows.stack import prefect_env, start_server, stop, wait_healthy  # noqa: E402


def national_plan(folder: Path) -> Path:
    """bench/national.py's plan over its national directory."""
    return national.write(folder)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    url_arg = sys.argv[1] if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.update(PLANCAL_HOME=str(folder / "var"), PLANCAL_CALENDAR_DIR=str(folder / "calendar"),
                          PLANCAL_OUTBOX_DIR=str(folder / "outbox"))
        if url_arg:
            os.environ["PLANCAL_DATABASE_URL"] = url_arg
        server = None
        if not os.environ.get("PREFECT_API_URL"):
            port = free_port()
            env = prefect_env(f"http://127.0.0.1:{port}/api")
            env["PREFECT_HOME"] = str(folder / "prefect")
            log = folder / "prefect-server.log"
            server = start_server(env, port, log)
            wait_healthy(env["PREFECT_API_URL"], server, log)
            os.environ.update(PREFECT_API_URL=env["PREFECT_API_URL"], PREFECT_HOME=env["PREFECT_HOME"])
        try:
            run(folder)
        finally:
            if server is not None:
                from prefect.logging.handlers import APILogHandler

                APILogHandler().flush()  # the runs' last log lines, before their server goes
                stop(server)


def run(folder: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.mailing import BATCH_RECIPIENTS
    from flows.reminders import reminders
    from flows.runtime import open_context
    from plancal.lifecycle.issuance import issue_file
    from plancal.lifecycle.stages import Stage, daily_mail

    ctx = open_context()
    t0 = time.perf_counter()
    issued = issue_file(ctx.store, national_plan(folder / "plan"))
    t1 = time.perf_counter()
    units = len(ctx.store.unit_rows())
    print(f"units: {units:,}   occurrences: {len(issued.occurrences):,}   store: {ctx.store.engine.dialect.name}"
          f"   (issue: {t1 - t0:.1f} s)")
    day = next(o.due_effective for o in issued.occurrences if o.source_id == "xa-bai-viet" and o.due_effective.month == 3)
    letters = [letter for daily in daily_mail(Stage.REMINDERS) for letter in daily.planner(ctx.store, ctx.settings, day)]
    recipients = len({letter.recipient for letter in letters})
    print(f"day: {day} ({day:%A})   letters: {len(letters):,} "
          f"({', '.join(f'{k} {n:,}' for k, n in Counter(letter.kind for letter in letters).items())})   "
          f"recipients: {recipients:,}   parcels of ≤{BATCH_RECIPIENTS}: {-(-recipients // BATCH_RECIPIENTS)}")

    walls: list[float] = []
    for label in ("first run", "rerun (same day)"):
        t0 = time.perf_counter()
        state = reminders(today=day, return_state=True)
        wall = time.perf_counter() - t0
        walls.append(wall)
        result = state.result()
        with get_client(sync_client=True) as client:
            flow_run_id = state.state_details.flow_run_id
            assert flow_run_id is not None
            tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
            for _ in range(20):  # task runs reach the API as events, a moment after the run
                if tasks and len(tasks) >= 3:
                    break
                time.sleep(0.5)
                tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        sent = sum(result["sent"].values())
        names = Counter(t.name.split(" ")[0] for t in tasks)
        print(f"{label:17s} wall {wall:6.2f} s   task runs {len(tasks):3d} ({', '.join(f'{k} {n}' for k, n in names.items())})"
              f"   mails sent {sent:,}   ({sent / wall if wall else 0:,.0f} mails/s)")
    print(f"outbox files: {sum(1 for _ in Path(os.environ['PLANCAL_OUTBOX_DIR']).rglob('*.eml')):,}")
    first_wall = walls[0]
    ctx.store.engine.dispose()

    # the bound: the same day's send_daily in process, no Prefect, on a second store with the same plan
    from dataclasses import replace

    from plancal.mail.daily import send_daily
    from plancal.mail.mailers import mailer_from_settings
    from plancal.store import open_store

    bound_settings = replace(ctx.settings, database_url=f"sqlite:///{folder / 'bound.db'}", outbox_dir=folder / "outbox-bound")
    bound_store = open_store(bound_settings.db_url)
    issue_file(bound_store, folder / "plan" / "plan.yaml")
    t0 = time.perf_counter()
    reports = send_daily(bound_store, bound_settings, day, mailer_from_settings(bound_settings))
    bound = time.perf_counter() - t0
    sent = sum(r.sent for r in reports.values())
    print(f"bound: send_daily in process (SQLite, no Prefect) {bound:6.2f} s   mails sent {sent:,}")
    print(f"flow first run / bound: {first_wall / bound:.1f}×")
    bound_store.engine.dispose()


if __name__ == "__main__":
    main()
