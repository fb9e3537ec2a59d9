"""Builders shared by the feed tests: issue plans, export, read feeds back as events."""

from __future__ import annotations

import re
import socket
from datetime import date
from pathlib import Path

from icalendar import Calendar, Event

from plancal.errors import PlanError
from plancal.feeds.export import export_feeds
from plancal.feeds.names import feed_path, plan_feed_name, unit_feed_name
from plancal.lifecycle.issuance import issue_file
from plancal.settings import Settings
from plancal.store import OccurrenceRow, Store
from tests.conftest import PLANS

PLAN_003 = PLANS / "003-an-giang-2021.yaml"
PLAN_003_ID = "ag-2021-tuyen-truyen-dhtt"
TODAY = date(2021, 4, 1)
_VEVENT = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.S)
_UID = re.compile(rb"\r\nUID:([^\r]+)\r\n")


def issue_all(store: Store, folder: Path = PLANS) -> list[str]:
    """Issue every plan file of ``folder``, parents before children. Returns the plan ids."""
    pending = sorted(folder.glob("*.yaml"))
    issued: list[str] = []
    while pending:
        failed: list[tuple[Path, PlanError]] = []
        for path in pending:
            try:
                issued.append(issue_file(store, path).loaded.plan.id)
            except PlanError as exc:
                if not any(p.field == "parent" for p in exc.problems):
                    raise
                failed.append((path, exc))
        if len(failed) == len(pending):
            raise failed[0][1]
        pending = [path for path, _ in failed]
    return issued


def export(store: Store, settings: Settings, today: date = TODAY) -> None:
    export_feeds(store, settings, today)


def unit_feed_bytes(store: Store, settings: Settings, unit_id: str) -> bytes:
    row = store.unit_row(unit_id)
    assert row is not None
    return feed_path(settings, unit_feed_name(row.feed_token)).read_bytes()


def plan_feed_bytes(settings: Settings, plan_id: str) -> bytes:
    return feed_path(settings, plan_feed_name(plan_id)).read_bytes()


def event_blocks(data: bytes) -> dict[str, bytes]:
    """UID → the raw bytes of its VEVENT (to compare events byte for byte)."""
    out: dict[str, bytes] = {}
    for block in _VEVENT.findall(data):
        m = _UID.search(block)
        assert m is not None
        out[m.group(1).decode()] = block
    return out


def events(data: bytes) -> dict[str, Event]:
    cal = Calendar.from_ical(data)
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def rows_by_uid(store: Store, **filters: object) -> dict[str, OccurrenceRow]:
    return {f"{r.uid}@plancal": r for r in store.occurrences(include_cancelled=True, **filters)}  # type: ignore[arg-type]


def expected_unit_uids(store: Store, unit_id: str, today: date, keep_days: int) -> set[str]:
    """What a unit's feed should hold, worked out from the store independently of plancal.feed."""
    plans = {p.id: p for p in store.plans()}
    out: set[str] = set()
    chosen: dict[tuple[str, date], tuple[int, str]] = {}
    order = {p.id: i for i, p in enumerate(store.plans())}
    for r in store.occurrences(include_cancelled=True):
        if r.status == "cancelled" and (r.cancelled_on is None or (today - r.cancelled_on).days > keep_days):
            continue
        uid = f"{r.uid}@plancal"
        if r.kind in ("theme", "anniversary"):
            if unit_id not in plans[r.plan_id].recipients and unit_id not in (r.audience or []):
                continue
            if r.kind == "anniversary":
                key = (r.source_id, r.due_effective)
                rank = (order[r.plan_id], uid)
                if key not in chosen or rank < chosen[key]:
                    chosen[key] = rank
                continue
            out.add(uid)
        elif r.unit_id == unit_id or (r.kind == "conference" and unit_id in (r.audience or [])):
            out.add(uid)
    return out | {uid for _, uid in chosen.values()}


def free_port() -> int:
    """A TCP port free on loopback right now (for servers started inside a test)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
