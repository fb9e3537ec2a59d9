"""One daily ``reminders`` flow run at national scale (about 8,000 units): wall time and task count.

Issues the national plan of ``bench/national.py`` (with more communes: about 8,000 units) into a
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

from national import PLAN, units_yaml  # noqa: E402

from flows.stack import prefect_env, start_server, stop, wait_healthy  # noqa: E402

#: 34 provinces × (1 + 40 departments + 194 communes) + the centre: about 8,000 units
COMMUNES_PER_PROVINCE = 194


def national_plan(folder: Path) -> Path:
    """bench/national.py's plan over about 8,000 units."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.yaml").write_text(units_yaml(communes_per_province=COMMUNES_PER_PROVINCE), encoding="utf-8")
    path = folder / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


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
    day = next(o.due_effective for o in issued.occurrences if o.source_id == "bai-viet" and o.due_effective.month == 3)
    letters = [letter for daily in daily_mail(Stage.REMINDERS) for letter in daily.planner(ctx.store, ctx.settings, day)]
    recipients = len({letter.recipient for letter in letters})
    print(f"day: {day} ({day:%A})   letters: {len(letters):,} "
          f"({', '.join(f'{k} {n:,}' for k, n in Counter(letter.kind for letter in letters).items())})   "
          f"recipients: {recipients:,}   parcels of ≤{BATCH_RECIPIENTS}: {-(-recipients // BATCH_RECIPIENTS)}")

    for label in ("first run", "rerun (same day)"):
        t0 = time.perf_counter()
        state = reminders(today=day, return_state=True)
        wall = time.perf_counter() - t0
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
    ctx.store.engine.dispose()


if __name__ == "__main__":
    main()
