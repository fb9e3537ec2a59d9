"""Real clients read a served unit feed: ``plancal feeds serve`` under uvicorn on loopback, vdirsyncer's
http storage synced into a filesystem folder (one .ics per event: a UID on the VCALENDAR would collapse
them into one), then khal lists every event of the plan's period from that folder. The tools are
required under CI=true (the test fails, never skips, there)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from plancal.feeds.export import export_feeds
from plancal.lifecycle.issuance import issue_file
from plancal.settings import Settings
from plancal.store import Store
from tests.feedfixtures import PLAN_003, TODAY, free_port

UNIT = "ag-bao-an-giang"


def tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        message = f"{name} is not installed in the virtualenv (pip install -c constraints.txt '.[test]')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(path)


def run(args: list[str], cwd: Path) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(cwd), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    assert done.returncode == 0, f"{args[1:]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


def test_vdirsyncer_syncs_every_event_of_a_served_feed_and_khal_lists_them(
        store: Store, settings: Settings, tmp_path: Path) -> None:
    vdirsyncer, khal = tool("vdirsyncer"), tool("khal")
    issue_file(store, PLAN_003)
    export_feeds(store, settings, TODAY)
    unit = store.unit_row(UNIT)
    assert unit is not None
    port = free_port()
    env = {**os.environ, "PLANCAL_HOME": str(settings.home), "PLANCAL_DATABASE_URL": settings.db_url,
           "PLANCAL_CALENDAR_DIR": str(settings.calendar_dir), "PLANCAL_FEED_BASE_URL": f"http://127.0.0.1:{port}"}
    url = f"http://127.0.0.1:{port}/u/{unit.feed_token}.ics"
    folder = tmp_path / "calendar-copy"
    folder.mkdir()
    (tmp_path / "vdirsyncer.conf").write_text(f"""\
[general]
status_path = "{tmp_path / 'status'}/"

[pair feed]
a = "feed_remote"
b = "feed_local"
collections = null
conflict_resolution = "a wins"

[storage feed_remote]
type = "http"
url = "{url}"

[storage feed_local]
type = "filesystem"
path = "{folder}/"
fileext = ".ics"
""")
    (tmp_path / "khal.conf").write_text(f"""\
[calendars]
[[feed]]
path = {folder}
type = calendar

[locale]
timeformat = %H:%M
dateformat = %d/%m/%Y
longdateformat = %d/%m/%Y
datetimeformat = %d/%m/%Y %H:%M
longdatetimeformat = %d/%m/%Y %H:%M
local_timezone = Asia/Ho_Chi_Minh
default_timezone = Asia/Ho_Chi_Minh

[sqlite]
path = {tmp_path / 'khal.db'}
""")
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-c", "from plancal.cli import main; main()", "feeds", "serve",
                             "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text(errors="replace")
            try:
                feed = httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "feed server did not start within 30 s"
                time.sleep(0.1)
        assert feed.status_code == 200
        uids = set(re.findall(r"\r\nUID:([^\r]+)\r\n", feed.text))
        n_events = feed.text.count("BEGIN:VEVENT")
        assert n_events > 30 and len(uids) == n_events
        config = ["-c", str(tmp_path / "vdirsyncer.conf")]
        run([vdirsyncer, *config, "discover"], tmp_path)
        run([vdirsyncer, *config, "sync"], tmp_path)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    items = sorted(folder.glob("*.ics"))
    print(f"feed: {n_events} events; vdirsyncer: {len(items)} items")
    assert len(items) == n_events
    # vdirsyncer gives a UID with characters it deems unsafe in a file name ("@") a hash of its own: one
    # item per event all the same, distinct
    synced = {re.search(r"\r?\nUID:([^\r\n]+)", p.read_text()).group(1) for p in items}  # type: ignore[union-attr]
    assert len(synced) == n_events
    listed = run([khal, "-c", str(tmp_path / "khal.conf"), "list", "--format", "{uid}", "--day-format", "",
                  "01/01/2021", "365d"], tmp_path)
    shown = {line.strip() for line in listed.splitlines() if line.strip()}
    print(f"khal: {len(shown)} events listed")
    assert shown == synced
