"""Every feed of every plan in plans/ parses in icalendar, in the strict `ical` parser and in ical.js
(Thunderbird's parser, under node), and passes our own lint. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from plancal.feeds.export import builder, export_feeds
from plancal.feeds.lint import lint
from plancal.settings import Settings
from plancal.store import Store
from tests.feedfixtures import TODAY, event_blocks, issue_all, rows_by_uid

JS = Path(__file__).with_name("js")


@pytest.fixture(scope="session")
def node() -> str:
    """node with ical.js installed (``npm ci`` from the lock file when node_modules is missing)."""
    exe = shutil.which("node")
    npm = shutil.which("npm")
    if exe is None or npm is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node and npm are required under CI for the ical.js feed test")
        pytest.skip("node/npm not installed")
    if not (JS / "node_modules" / "ical.js").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=JS, check=True, timeout=300)
    return exe


@pytest.fixture
def exported(store: Store, settings: Settings) -> list[Path]:
    plan_ids = issue_all(store)
    assert len(plan_ids) >= 1
    export_feeds(store, settings, TODAY)
    files = sorted(settings.calendar_dir.rglob("*.ics"))
    assert len(files) == len(store.unit_rows()) + len(plan_ids) + 1
    return files


def test_every_feed_parses_in_icalendar_and_ical_and_passes_lint(exported: list[Path], store: Store) -> None:
    rows = rows_by_uid(store)
    for path in exported:
        data = path.read_bytes()
        assert lint(data, path.name) == [], path
        blocks = event_blocks(data)
        assert set(blocks) <= set(rows)
        cal = Calendar.from_ical(data)
        assert not cal.errors
        parsed = cal.walk("VEVENT")
        assert sorted(str(e["UID"]) for e in parsed) == sorted(blocks)
        for ev in parsed:
            assert not ev.errors, (path, ev.errors)
        strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
        assert sorted(e.uid or "" for e in strict.events) == sorted(blocks), path
        for ev in strict.events:
            row = rows[ev.uid or ""]
            assert ev.sequence == row.sequence
            if isinstance(ev.dtstart, datetime):
                assert row.starts_at is not None
                assert ev.dtstart.astimezone(UTC).replace(tzinfo=None) == row.starts_at
            else:
                assert ev.dtstart <= row.due_effective and ev.dtstart >= row.window_start
                assert ev.dtend is not None and (ev.dtend - ev.dtstart).days == 1  # no all-day event over a day


def test_event_bytes_are_what_icalendar_writes(store: Store, settings: Settings) -> None:
    """The renderer assembles events from cached pieces; the result must equal icalendar's own output."""
    issue_all(store)
    b = builder(store, settings, TODAY)
    rows = store.occurrences(include_cancelled=True)
    assert rows
    for row in rows:
        for variant in ("unit", "plan"):
            assert b.renderer.render(row, variant) == b.renderer.event(row, variant).to_ical(), (row.uid, variant)


def test_every_feed_parses_in_icaljs(exported: list[Path], store: Store, node: str) -> None:
    proc = subprocess.run([node, str(JS / "parse.mjs"), *map(str, exported)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    rows = rows_by_uid(store)
    assert set(result) == {str(p) for p in exported}
    for path in exported:
        feed = result[str(path)]
        assert feed["name"] and feed["refresh"] == "PT6H"
        assert sorted(e["uid"] for e in feed["events"]) == sorted(event_blocks(path.read_bytes()))
        for ev in feed["events"]:
            row = rows[ev["uid"]]
            assert ev["sequence"] == row.sequence and ev["summary"]
            assert ev["alarms"] <= 1
            if ev["all_day"]:
                assert ev["end"] == (date.fromisoformat(ev["start"]) + timedelta(days=1)).isoformat()  # one day
                assert row.window_start.isoformat() <= ev["start"] <= row.due_effective.isoformat()
            else:
                assert row.starts_at is not None and ev["tzid"] == "Asia/Ho_Chi_Minh"
                assert ev["start_utc"] == int(row.starts_at.replace(tzinfo=UTC).timestamp())
