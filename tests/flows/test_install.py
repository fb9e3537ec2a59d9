"""plancal from an installed wheel, outside the repository: the templates, the flows (through the
``plancal.runners`` entry point) and the feed server all come from the installed package.

Slow (about a minute): it builds a wheel from a copy of the repository, installs it into a fresh venv
whose dependencies are those of the test venv (a .pth file, no network for the install), and runs
``plancal simulate`` on Prefect's temporary server.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PLANS, ROOT

PLAN = "003-an-giang-2021.yaml"
UNIT = "ag-bao-an-giang"


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{cmd}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bin/ folder of a fresh venv holding the plancal wheel built from this repository."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "var", "build", "*.egg-info", "__pycache__", ".*_cache", "node_modules", "calendar"))
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(tmp / "dist")], tmp)
    [wheel] = sorted((tmp / "dist").glob("plancal-*.whl"))
    _run([sys.executable, "-m", "venv", str(tmp / "venv")], tmp)
    python = tmp / "venv" / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)], tmp)
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp).stdout.strip()
    # the dependencies: the test venv's packages, after the venv's own (so its plancal is the wheel's)
    (Path(purelib) / "shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    yield python.parent


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder outside the repository with a copy of plan 003 and its unit directories."""
    folder = tmp_path / "work"
    (folder / "plans").mkdir(parents=True)
    shutil.copy(PLANS / PLAN, folder / "plans" / PLAN)
    shutil.copytree(PLANS / "units", folder / "plans" / "units")
    return folder


def _env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PLANCAL_", "PREFECT_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PLANCAL_HOME=str(work / "var"), PLANCAL_CALENDAR_DIR=str(work / "calendar"), COLUMNS="200",
               PREFECT_HOME=str(work / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_installed_package_finds_its_templates_and_flows(installed: Path, work: Path) -> None:
    env = _env(work)
    where = _run([str(installed / "python"), "-c", "import flows, plancal; from plancal.settings import Settings; "
                  "print(plancal.__file__); print(flows.__file__); print(Settings.from_env().templates_dir)"], work, env)
    venv = str(installed.parent)
    assert all(line.startswith(venv) for line in where.stdout.splitlines()), where.stdout
    assert not any(str(ROOT) in line for line in where.stdout.splitlines())
    templates = Path(where.stdout.splitlines()[2])
    assert (templates / "mail" / "plan_issued.txt").is_file() and (templates / "subscribe.html.j2").is_file()
    assert not templates.is_symlink()  # a copy in the wheel, not the repository's link


def test_check_simulate_and_serve_from_the_wheel(installed: Path, work: Path) -> None:
    env, plancal = _env(work), str(installed / "plancal")
    checked = _run([plancal, "check", f"plans/{PLAN}"], work, env)
    assert "✓" in checked.stdout
    # three days from the issue day: the plan is issued, its notices are written from the packaged templates
    simulated = _run([plancal, "simulate", "--plan", f"plans/{PLAN}", "--from", "01/03/2021", "--to", "03/03/2021"],
                     work, env, timeout=300)
    assert "Mô phỏng ag-2021-tuyen-truyen-dhtt" in simulated.stdout and "issue 1" in simulated.stdout
    notices = sorted((work / "var" / "outbox").rglob("notice-*.eml"))
    assert notices and "Content-Type: multipart/alternative" in notices[0].read_text(encoding="utf-8")
    assert sorted((work / "calendar").rglob("*.ics"))
    token = re.search(r"/u/([^/\s]+)\.ics", _run([plancal, "feeds", "url", UNIT], work, env).stdout)
    assert token is not None

    port = _free_port()
    log = (work / "feeds.log").open("w", encoding="utf-8")
    server = subprocess.Popen([plancal, "feeds", "serve", "--port", str(port)], cwd=work, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
        while True:
            try:
                feed = httpx.get(f"{base}/u/{token.group(1)}.ics", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, (work / "feeds.log").read_text()
                time.sleep(0.2)
        assert feed.status_code == 200 and feed.content.startswith(b"BEGIN:VCALENDAR\r\n")
        page = httpx.get(f"{base}/u/{token.group(1)}", timeout=5)  # the subscribe page, from the packaged template
        assert page.status_code == 200 and f"webcal://127.0.0.1:8765/u/{token.group(1)}.ics" in page.text
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
