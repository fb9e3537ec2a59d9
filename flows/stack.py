"""Everything on one machine, with one command (``scripts/up``, which runs ``python -m flows.stack``):

1. a Prefect server with its UI (``prefect server start``, http://127.0.0.1:4200) — a real one, not the
   temporary in-process API, so the run history stays;
2. the database schema, the process work pool ``plancal`` and every deployment of ``prefect.yaml``
   (``prefect deploy --all``), with a process worker to run them;
3. the feed server (``plancal feeds serve``, http://127.0.0.1:8765);
4. the plans in ``plans/*.yaml`` issued (runs "issue …" in the UI), and the sub-unit plans of
   ``plans/sub`` picked up; those of 2017-2025 are over today, so they send nothing and their dashboard
   shows a past world;
5. a live picture beside it: plan 003 replayed on a simulated clock from its issue day, 01/03/2021, for
   three months (``plancal simulate``, in the background, a few minutes): runs "reminders 2021-03-10",
   "monthly themes 2021-04" … tagged ``simulation``, with artifacts of their own ("sim-dashboard",
   "sim-…-status"), never a new version of a live one. The replay has a home of its own, ``var/sim``
   (database, outbox, calendar folder), and never uses the SMTP server: its mail stays in
   ``var/sim/outbox``. Replaying again sends nothing new; remove ``var/sim`` to start afresh.

Ctrl-C stops what it started. Logs go to ``var/log/``. The helpers here also serve the end-to-end
tests, which start the same server and worker.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
POOL = "plancal"
#: the replay of the bring-up: plan 003 from its issue day for three months (a few minutes of runs)
REPLAY_PLAN = "plans/003-an-giang-2021.yaml"
REPLAY_FROM, REPLAY_TO = "01/03/2021", "31/05/2021"


# -- processes -------------------------------------------------------------------------------------
def spawn(args: list[str], env: Mapping[str, str], log: Path, cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    """Start a child in its own process group (so that stopping it stops what it started), output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(args, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Stop a child started by :func:`spawn` and its process group: SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_healthy(api_url: str, proc: subprocess.Popen[bytes] | None, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(api_url):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the Prefect server stopped (exit {proc.returncode}); see {log}:\n{_tail(log)}")
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server at {api_url} did not answer within {timeout:.0f} s; see {log}:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def prefect_env(api_url: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every child: the API of our server, no telemetry, the repository root for
    the deployments' pull step."""
    env = dict(os.environ if base is None else base)
    env["PREFECT_API_URL"] = api_url
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("PLANCAL_ROOT", str(ROOT))
    return env


def start_server(env: Mapping[str, str], port: int, log: Path, host: str = "127.0.0.1") -> subprocess.Popen[bytes]:
    """``prefect server start`` (API and UI on ``port``). The database is SQLite in PREFECT_HOME unless
    PREFECT_SERVER_DATABASE_CONNECTION_URL names a PostgreSQL one."""
    return spawn([_prefect(), "server", "start", "--host", host, "--port", str(port)], env, log)


def ensure_pool(env: Mapping[str, str], log: Path) -> None:
    """The process work pool the deployments name (created once; kept as it is afterwards)."""
    found = subprocess.run([_prefect(), "work-pool", "inspect", POOL], cwd=ROOT, env=dict(env), capture_output=True)
    if found.returncode != 0:
        _run([_prefect(), "work-pool", "create", POOL, "--type", "process"], env, log)


def deploy_all(env: Mapping[str, str], log: Path) -> None:
    """``prefect deploy --all`` from the repository root: every deployment of prefect.yaml."""
    _run([_prefect(), "--no-prompt", "deploy", "--all"], env, log)


def start_worker(env: Mapping[str, str], name: str, log: Path, *, limit: int | None = None) -> subprocess.Popen[bytes]:
    args = [_prefect(), "worker", "start", "--pool", POOL, "--type", "process", "--name", name]
    if limit is not None:
        args += ["--limit", str(limit)]
    return spawn(args, env, log)


def _run(args: list[str], env: Mapping[str, str], log: Path) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        done = subprocess.run(args, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed (exit {done.returncode}); see {log}:\n{_tail(log)}")


def _prefect() -> str:
    return str(Path(sys.executable).with_name("prefect"))


def _plancal() -> str:
    return str(Path(sys.executable).with_name("plancal"))


# -- the one command -------------------------------------------------------------------------------
def load_plans(env: Mapping[str, str]) -> None:
    """Issue every plan of plans/*.yaml (a run "issue …" each), then pick up the sub-unit plans."""
    os.environ.update(env)  # this process runs the flows against our server
    from flows.issue_plan import issue_plan
    from flows.sub_unit_plans import INBOX, sub_unit_plans

    for path in sorted((ROOT / "plans").glob("*.yaml")):
        state = issue_plan(str(path.relative_to(ROOT)), return_state=True)
        print(f"  {'✓' if state.is_completed() else '✗'} {path.name}: {state.name}"
              + ("" if state.is_completed() else f" — {state.message}"), flush=True)
    sub_unit_plans(inbox=INBOX, return_state=True)


def replay_env(env: Mapping[str, str], home: Path) -> dict[str, str]:
    """The replay's environment: the same Prefect server, its own plancal home (SQLite database, outbox,
    calendar folder under ``home``) and no SMTP server, so that a simulated day never reaches the live
    database, feeds or an official's mailbox."""
    out = {k: v for k, v in env.items() if not k.startswith(("PLANCAL_DATABASE_URL", "PLANCAL_SMTP_"))}
    out.update(PLANCAL_HOME=str(home), PLANCAL_OUTBOX_DIR=str(home / "outbox"), PLANCAL_CALENDAR_DIR=str(home / "calendar"))
    return out


def start_replay(env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``plancal simulate`` of :data:`REPLAY_PLAN` in the background, into ``var/sim``."""
    return spawn([_plancal(), "simulate", "--plan", REPLAY_PLAN, "--from", REPLAY_FROM, "--to", REPLAY_TO],
                 replay_env(env, ROOT / "var" / "sim"), log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/up", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PREFECT_SERVER_API_PORT", "4200")),
                        help="port of the Prefect API and UI (default 4200)")
    parser.add_argument("--no-plans", action="store_true", help="do not issue plans/*.yaml")
    parser.add_argument("--no-replay", action="store_true",
                        help=f"do not replay {REPLAY_PLAN} on a simulated clock ({REPLAY_FROM}-{REPLAY_TO}, into var/sim)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    os.environ.setdefault("PREFECT_HOME", str(ROOT / "var" / "prefect"))
    logs = ROOT / "var" / "log"
    api_url = f"http://127.0.0.1:{args.port}/api"
    env = prefect_env(api_url)
    children: list[subprocess.Popen[bytes]] = []
    replay: subprocess.Popen[bytes] | None = None  # may end: it is not watched like the children

    def shutdown(*_: object) -> None:
        for proc in reversed([*children, *([replay] if replay else [])]):
            stop(proc)
        sys.exit(0)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        if healthy(api_url):
            print(f"Prefect server already running at {api_url}: using it.", flush=True)
        else:
            print(f"Starting the Prefect server (log: {logs / 'prefect-server.log'}) …", flush=True)
            children.append(start_server(env, args.port, logs / "prefect-server.log"))
            wait_healthy(api_url, children[-1], logs / "prefect-server.log")
        _run([_plancal(), "db", "upgrade"], env, logs / "plancal.log")
        ensure_pool(env, logs / "deploy.log")
        print("Deploying prefect.yaml …", flush=True)
        deploy_all(env, logs / "deploy.log")
        children.append(start_worker(env, f"{os.uname().nodename}-{os.getpid()}", logs / "worker.log"))
        children.append(spawn([_plancal(), "feeds", "serve", "--access-log"], env, logs / "feeds.log"))
        if not args.no_plans:
            print("Issuing plans/*.yaml …", flush=True)
            load_plans(env)
        if not args.no_replay:
            replay = start_replay(env, logs / "replay.log")
        from plancal.settings import Settings

        settings = Settings.from_env(env)
        print(f"""
plancal is up.
  Prefect UI        http://127.0.0.1:{args.port}   (deployments, runs, artifacts: the coordinator's view)
  calendar feeds    {settings.feed_base_url}/public.ics   (per unit: plancal feeds url <unit>)
  mail outbox       {settings.outbox_dir}/
  logs              {logs}/""" + ("" if replay is None else f"""
  replay            {REPLAY_PLAN} from {REPLAY_FROM} to {REPLAY_TO} on a simulated clock, under way: runs tagged
                    "simulation", artifacts "sim-…" (sim-dashboard); mail in var/sim/outbox/; log {logs / 'replay.log'}""") + """
Ctrl-C stops everything.""", flush=True)
        while True:
            for proc in children:
                if proc.poll() is not None:
                    print(f"{proc.args!r} stopped (exit {proc.returncode}); see {logs}", flush=True)
                    shutdown()
            if replay is not None and replay.poll() is not None:
                print("Replay finished." if replay.returncode == 0 else
                      f"The replay stopped (exit {replay.returncode}); see {logs / 'replay.log'}", flush=True)
                replay = None
            time.sleep(2)
    except BaseException:
        for proc in reversed([*children, *([replay] if replay else [])]):
            stop(proc)
        raise


if __name__ == "__main__":
    sys.exit(main())
