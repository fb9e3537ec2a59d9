"""A unit's feed loaded into a real CalDAV server (Radicale on loopback); a time-range REPORT for
April 2021 returns exactly the events that fall in April (Giỗ Tổ on 21/4/2021 among them)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from caldav import DAVClient

from plancal.feeds.export import export_feeds
from plancal.lifecycle.issuance import issue_file
from plancal.settings import Settings
from plancal.store import Store
from tests.feedfixtures import PLAN_003, TODAY, events, free_port, rows_by_uid, unit_feed_bytes

USER = "plancal"
APRIL = (date(2021, 4, 1), date(2021, 5, 1))


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    config = tmp_path / "radicale.ini"
    config.write_text(f"""\
[server]
hosts = 127.0.0.1:{port}
[auth]
type = none
[rights]
type = authenticated
[storage]
filesystem_folder = {tmp_path / "collections"}
[logging]
level = warning
""", encoding="utf-8")
    log = (tmp_path / "radicale.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)], stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Radicale exited: {(tmp_path / 'radicale.log').read_text(errors='replace')}")
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("Radicale did not start within 30 s")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _overlaps_april(start: date | datetime, end: date | datetime) -> bool:
    lo, hi = (datetime.combine(d, datetime.min.time()) for d in APRIL)
    s = start if isinstance(start, datetime) else datetime.combine(start, datetime.min.time())
    e = end if isinstance(end, datetime) else datetime.combine(end, datetime.min.time())
    return s.replace(tzinfo=None) < hi and e.replace(tzinfo=None) > lo


def test_april_2021_report_on_radicale(store: Store, settings: Settings, radicale: str) -> None:
    issue_file(store, PLAN_003)
    export_feeds(store, settings, TODAY)
    data = unit_feed_bytes(store, settings, "ag-bao-an-giang")
    collection = f"{radicale}/{USER}/bao-an-giang/"
    auth = (USER, "any")
    assert httpx.request("MKCOL", f"{radicale}/{USER}/", auth=auth).status_code in (201, 405)
    put = httpx.put(collection, content=data, auth=auth, headers={"Content-Type": "text/calendar; charset=utf-8"})
    assert put.status_code in (200, 201), put.text

    # what April should hold, from the store rows (not from the feed)
    rows = rows_by_uid(store)
    expected = set()
    for uid in events(data):
        r = rows[uid]
        # a theme is one day where its span starts (inside the plan's period: 2021); the rest on their due day
        first = max(r.window_start, date(2021, 1, 1)) if r.kind == "theme" else r.due_effective
        if _overlaps_april(first, first + timedelta(days=1)):
            expected.add(uid)
    assert len(expected) < len(events(data))  # the range really filters

    with DAVClient(url=radicale, username=USER, password="any") as client:
        calendar = client.calendar(url=collection)
        found = calendar.search(start=datetime(2021, 4, 1), end=datetime(2021, 5, 1), event=True)
    got: dict[str, object] = {}
    for item in found:
        comp = item.icalendar_component
        got[str(comp["UID"])] = comp
    assert set(got) == expected
    gio_to = [c for c in got.values() if str(c["SUMMARY"]) == "Giỗ Tổ Hùng Vương"]  # type: ignore[index]
    assert len(gio_to) == 1 and gio_to[0].decoded("DTSTART") == date(2021, 4, 21)  # type: ignore[attr-defined]
