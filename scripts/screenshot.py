"""Screenshots of what a coordinator sees in the Prefect UI, saved under docs/.

Starts a Prefect server of its own (temporary PREFECT_HOME, a free port), deploys prefect.yaml, plays
plan 003 from its issue to mid-July 2021 with ``plancal simulate`` (so that the tables have units on
time, late and missing), then takes headless Chromium screenshots of the deployments page, the
dashboard artifact and the units × duties table.

    python scripts/screenshot.py            # needs chromium (apt-get install -y chromium)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from flows.stack import deploy_all, ensure_pool, prefect_env, start_server, start_worker, stop, wait_healthy  # noqa: E402

PLAN = "plans/003-an-giang-2021.yaml"
PLAN_ID = "ag-2021-tuyen-truyen-dhtt"
SHOTS = {  # file under docs/ → page of the UI ({key} pages show the latest version of that artifact)
    "prefect-ui-deployments.png": "/deployments",
    "prefect-ui-dashboard.png": "{dashboard}",
    "prefect-ui-status-table.png": "{" + PLAN_ID + "-status}",
    "prefect-ui-runs.png": "/runs",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("chromium not found: apt-get install -y chromium")


def shoot(browser: str, url: str, target: Path, profile: Path) -> None:
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                    "--hide-scrollbars", "--virtual-time-budget=20000", f"--screenshot={target}", "--window-size=1400,900",
                    url], check=True, capture_output=True, timeout=180)
    print(f"  {target.relative_to(ROOT)}  ←  {url}", flush=True)


def latest_artifact(base: str, key: str) -> str:
    found = httpx.post(f"{base}/api/artifacts/latest/filter", json={"artifacts": {"key": {"any_": [key]}}}, timeout=30)
    found.raise_for_status()
    return str(found.json()[0]["latest_id"])


def main() -> None:
    browser = chromium()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = prefect_env(f"{base}/api", {k: v for k, v in os.environ.items() if not k.startswith(("PLANCAL_", "PREFECT_"))})
        env.update(PREFECT_HOME=str(folder / "prefect"), PLANCAL_HOME=str(folder / "var"),
                   PLANCAL_CALENDAR_DIR=str(folder / "calendar"))
        server = start_server(env, port, folder / "server.log")
        try:
            wait_healthy(f"{base}/api", server, folder / "server.log")
            ensure_pool(env, folder / "deploy.log")
            deploy_all(env, folder / "deploy.log")
            print("Simulating plan 003 from its issue to 15/07/2021 …", flush=True)
            subprocess.run([str(Path(sys.executable).with_name("plancal")), "simulate", "--plan", PLAN,
                            "--from", "01/03/2021", "--to", "15/07/2021"], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            # a worker makes the pool, and so the deployments, "Ready"
            worker = start_worker({**env, "PREFECT_WORKER_QUERY_SECONDS": "2"}, "coordinator-demo", folder / "worker.log")
            try:
                time.sleep(8)
                for name, page in SHOTS.items():
                    if page.startswith("{"):
                        page = f"/artifacts/artifact/{latest_artifact(base, page.strip('{}'))}"
                    shoot(browser, base + page, ROOT / "docs" / name, folder / "chromium")
            finally:
                stop(worker)
        finally:
            stop(server)


if __name__ == "__main__":
    main()
