"""Feeds built from the store: contents, all-day and timed events, done and cancelled, only changed
files rewritten, token rotation, golden files and amendments. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import re
import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from icalendar.parser import Contentline

from plancal.feeds.export import export_feeds, rotate_token
from plancal.feeds.lint import lint
from plancal.feeds.names import PUBLIC, feed_path, unit_feed_name
from plancal.feeds.rendering import fold
from plancal.lifecycle.issuance import issue_file
from plancal.settings import Settings
from plancal.store import Store, Submission
from plancal.tracking.status import agenda
from tests.feedfixtures import (
    PLAN_003,
    PLAN_003_ID,
    TODAY,
    event_blocks,
    events,
    expected_unit_uids,
    issue_all,
    plan_feed_bytes,
    rows_by_uid,
    unit_feed_bytes,
)
from tests.helpers import write_plan

GOLDEN = Path(__file__).with_name("golden")
PLANS_DIR = Path(__file__).resolve().parents[1] / "plans"
UPDATE_GOLDEN = os.environ.get("PLANCAL_UPDATE_GOLDEN") == "1"


def _text(value: object) -> str:
    return str(value)


def test_unit_feed_holds_its_deadlines_and_the_plan_themes(store: Store, settings: Settings) -> None:
    issue_file(store, PLAN_003)
    export_feeds(store, settings, TODAY)
    data = unit_feed_bytes(store, settings, "ag-bao-an-giang")
    assert lint(data) == []
    evs = events(data)
    assert set(evs) == expected_unit_uids(store, "ag-bao-an-giang", TODAY, settings.cancelled_keep_days)
    rows = rows_by_uid(store)
    names = {u.id: u.name for u in store.unit_rows()}
    shifted = 0
    for uid, ev in evs.items():
        row = rows[uid]
        assert ev["SEQUENCE"] == row.sequence
        stamp = ev.decoded("DTSTAMP")
        assert stamp.utcoffset() == timedelta(0) and stamp.replace(tzinfo=None) == row.modified_at
        assert ev.decoded("LAST-MODIFIED") == stamp
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        assert type(start) is date and type(end) is date  # all-day: VALUE=DATE
        assert str(ev["TRANSP"]) == "TRANSPARENT"
        assert end == start + timedelta(days=1)  # one day (exclusive end); themes on their first day
        if row.kind != "duty":
            assert not ev.walk("VALARM")
            continue
        assert start == row.due_effective
        description = _text(ev["DESCRIPTION"])
        assert f"Gửi đến: {names[row.to_unit_id or '']}" in description
        assert "Theo Kế hoạch ngày 01/03/2021: Tuyên truyền và nhân rộng điển hình tiên tiến" in description
        source = "theo kế hoạch" if row.date_source == "plan" else "do cơ quan thường trực ấn định"
        if row.due_stated != row.due_effective:
            shifted += 1
            assert (f"Hạn: {row.due_effective:%d/%m/%Y} (hạn cuối {row.due_stated:%d/%m/%Y} là ngày nghỉ; "
                    f"{source})" in description)
        else:
            assert f"Hạn: {row.due_effective:%d/%m/%Y} ({source})\n" in description
        alarms = ev.walk("VALARM")
        assert len(alarms) == 1 and str(alarms[0]["ACTION"]) == "DISPLAY"
    assert shifted >= 1  # 24/04/2021 is a Saturday
    gio_to = [ev for ev in evs.values() if str(ev["SUMMARY"]) == "Giỗ Tổ Hùng Vương"]
    assert len(gio_to) == 1 and gio_to[0].decoded("DTSTART") == date(2021, 4, 21)
    # calendar properties clients rely on
    head = data.split(b"BEGIN:VTIMEZONE", 1)[0]
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in head
    assert b"\r\nX-PUBLISHED-TTL:PT6H\r\n" in head
    assert b"\r\nX-WR-TIMEZONE:Asia/Ho_Chi_Minh\r\n" in head
    assert "\r\nNAME:Báo An Giang".encode() in head and "\r\nX-WR-CALNAME:Báo An Giang".encode() in head
    assert b"\r\nUID:" not in head  # vdirsyncer would make every event one item
    # a unit that is not a recipient of the plan sees none of it
    other = expected_unit_uids(store, "ag-so-tttt", TODAY, 30)
    assert other and not other & {uid for uid in evs if rows[uid].unit_id == "ag-bao-an-giang"}


CONFERENCE = """\
conferences:
  - id: hoi-nghi
    title: Hội nghị điển hình tiên tiến
    level: huyện
    held_by: [huyen-a]
    attendees: [xa-a1]
    within: Q2/2021
    on: 15/04/2021
    start: "08:00"
    duration: half_day
"""


def test_timed_conference_in_holder_and_attendee_feeds(store: Store, settings: Settings, tmp_path: Path) -> None:
    issue_file(store, write_plan(tmp_path / "plan", CONFERENCE))
    export_feeds(store, settings, TODAY)
    conf = [r for r in store.occurrences() if r.kind == "conference"]
    assert len(conf) == 1
    uid = f"{conf[0].uid}@plancal"
    for unit in ("huyen-a", "xa-a1"):
        data = unit_feed_bytes(store, settings, unit)
        assert lint(data) == []
        block = event_blocks(data)[uid]
        assert b"\r\nDTSTART;TZID=Asia/Ho_Chi_Minh:20210415T080000\r\n" in block
        assert b"\r\nDTEND;TZID=Asia/Ho_Chi_Minh:20210415T120000\r\n" in block
        assert b"\r\nTRANSP:OPAQUE\r\n" in block
        assert b"BEGIN:VTIMEZONE\r\nTZID:Asia/Ho_Chi_Minh\r\n" in data
        start = events(data)[uid].decoded("DTSTART")
        assert start.utcoffset() == timedelta(hours=7) and start.hour == 8
    assert uid not in event_blocks(unit_feed_bytes(store, settings, "xa-b1"))


DUTIES = """\
duties:
  - {id: send, what: Gửi bài viết, who: [bao], to: snv, when: {every: month, day: 25, before: true}}
  - {id: page, what: Xây dựng chuyên trang, who: [snv], when: {within: Q2/2021}}
"""


def test_done_then_cancelled_then_dropped(store: Store, settings: Settings, tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan", DUTIES)
    issue_file(store, path)
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-03")
    store.record_submission(Submission(row.uid, "bao", date(2021, 3, 20)))
    export_feeds(store, settings, TODAY)
    ev = events(unit_feed_bytes(store, settings, "bao"))[f"{row.uid}@plancal"]
    assert str(ev["SUMMARY"]).startswith("[Đã xong] Gửi bài viết")
    assert "Đã xong" in [str(c) for c in ev["CATEGORIES"].cats]
    assert ev["SEQUENCE"] == 1 and str(ev["STATUS"]) == "CONFIRMED" and not ev.walk("VALARM")
    assert "đã hoàn thành, nhận ngày 20/03/2021" in str(ev["DESCRIPTION"])

    amended = path.read_text(encoding="utf-8").replace("issued: 15/01/2021", "issued: 15/01/2021\namended: 10/04/2021")
    amended = "\n".join(line for line in amended.splitlines() if "id: page" not in line) + "\n"
    path.write_text(amended, encoding="utf-8")
    assert issue_file(store, path).result.cancelled == 1
    page = store.occurrences(plan_id="thu-nghiem", statuses=["cancelled"])[0]
    uid = f"{page.uid}@plancal"
    keep = settings.cancelled_keep_days
    for today, present in ((date(2021, 4, 10), True), (date(2021, 4, 10) + timedelta(days=keep), True),
                           (date(2021, 4, 11) + timedelta(days=keep), False)):
        export_feeds(store, settings, today)
        for data in (unit_feed_bytes(store, settings, "snv"), plan_feed_bytes(settings, "thu-nghiem")):
            evs = events(data)
            assert (uid in evs) is present
            if present:
                assert str(evs[uid]["STATUS"]) == "CANCELLED" and str(evs[uid]["SUMMARY"]).startswith("[Đã hủy] ")
                assert evs[uid]["SEQUENCE"] == 1


def test_only_changed_feeds_are_rewritten(store: Store, settings: Settings, tmp_path: Path) -> None:
    issue_file(store, write_plan(tmp_path / "plan", DUTIES))
    first = export_feeds(store, settings, TODAY)
    n_units = len(store.unit_rows())
    assert (first.written, first.unchanged, first.removed) == (n_units + 2, 0, 0)  # + plan + public
    files = {p: p.stat().st_ino for p in settings.calendar_dir.rglob("*.ics")}
    again = export_feeds(store, settings, TODAY)
    assert (again.written, again.unchanged) == (0, n_units + 2)
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-02")
    store.record_submission(Submission(row.uid, "bao", date(2021, 2, 23)))
    third = export_feeds(store, settings, TODAY)
    changed = {p for p in settings.calendar_dir.rglob("*.ics") if p.stat().st_ino != files[p]}
    bao = feed_path(settings, unit_feed_name(store.unit_row("bao").feed_token))  # type: ignore[union-attr]
    assert changed == {bao, settings.calendar_dir / "plans" / "thu-nghiem.ics"}
    assert third.written == 2
    # a deleted file is written again even though its digest is known
    (settings.calendar_dir / PUBLIC).unlink()
    assert export_feeds(store, settings, TODAY).written == 1
    assert not [p for p in settings.calendar_dir.rglob("*") if p.name.endswith(".tmp")]


def test_rotation_moves_the_file_and_export_prunes_strays(store: Store, settings: Settings, tmp_path: Path) -> None:
    issue_file(store, write_plan(tmp_path / "plan", DUTIES))
    export_feeds(store, settings, TODAY)
    old = store.unit_row("bao")
    assert old is not None and len(old.feed_token) >= 22  # >= 128 bits
    old_path = feed_path(settings, unit_feed_name(old.feed_token))
    content = old_path.read_bytes()
    token = rotate_token(store, settings, "bao", TODAY)
    assert token != old.feed_token and not old_path.exists()
    assert feed_path(settings, unit_feed_name(token)).read_bytes() == content
    assert export_feeds(store, settings, TODAY).removed == 0
    stray = settings.calendar_dir / "u" / "stale-token-from-an-old-rotation.ics"
    stray.write_bytes(content)
    result = export_feeds(store, settings, TODAY)
    assert result.removed == 1 and result.written == 0 and not stray.exists()


def test_same_input_gives_byte_identical_golden_feeds(store: Store, settings: Settings, tmp_path: Path) -> None:
    """The input is a frozen copy of plan 003 (tests/golden/input), so edits to plans/ do not move it.
    Regenerate with PLANCAL_UPDATE_GOLDEN=1 after a deliberate change of the output."""
    issue_file(store, GOLDEN / "input" / "003-an-giang-2021.yaml")
    # (was February, a period before the issue date that nobody owes: issue 9) received after the limit
    row = store.find_occurrence(PLAN_003_ID, "bao-an-giang-bai-viet", "ag-bao-an-giang", "2021-04")
    store.record_submission(Submission(row.uid, "ag-bao-an-giang", date(2021, 4, 26)))
    export_feeds(store, settings, TODAY)
    outputs = {"003-bao-an-giang.ics": unit_feed_bytes(store, settings, "ag-bao-an-giang"),
               "003-public.ics": (settings.calendar_dir / PUBLIC).read_bytes()}
    # a second export into a fresh folder gives the same bytes
    again = replace(settings, calendar_dir=tmp_path / "again")
    export_feeds(store, again, TODAY)
    assert (again.calendar_dir / PUBLIC).read_bytes() == outputs["003-public.ics"]
    for name, data in outputs.items():
        assert lint(data) == []
        golden = GOLDEN / name
        if UPDATE_GOLDEN:
            golden.write_bytes(data)
        assert data == golden.read_bytes(), f"{name} differs from {golden}; if intended: PLANCAL_UPDATE_GOLDEN=1"


def _amend(text: str) -> str:
    """Plan 003 amended on 15/03/2021: the newspaper's day moves 25 → 20, the portal duty goes, one duty is added."""
    out = text.replace("issued: 01/03/2021", "issued: 01/03/2021\namended: 15/03/2021", 1)
    before = "    who: [ag-bao-an-giang]\n    quota: {min: 2, max: 2, unit: bài}\n    to: ag-so-noi-vu\n" \
             "    when: {every: month, day: 25, before: true}"
    assert out.count(before) == 1
    out = out.replace(before, before.replace("day: 25", "day: 20"))
    portal = re.search(r"  - id: so-tttt-chuyen-trang\n(    .*\n)+", out)
    assert portal is not None
    out = out.replace(portal.group(0), "")
    added = ("  - id: ubmttq-bao-cao-them\n    what: Gửi danh sách gương điển hình tiêu biểu của Mặt trận về Sở Nội vụ\n"
             "    who: [ag-ubmttq]\n    to: ag-so-noi-vu\n    when: {on: 30/06/2021}\n")
    return out.replace("\nthemes:\n", "\n" + added + "\nthemes:\n", 1)


def test_amendment_raises_sequence_only_on_changed_events(store: Store, settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    shutil.copytree(PLAN_003.parent / "units", folder / "units")
    path = folder / PLAN_003.name
    text = PLAN_003.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    issue_file(store, path)
    export_feeds(store, settings, TODAY)
    before = event_blocks(plan_feed_bytes(settings, PLAN_003_ID))
    rows_before = rows_by_uid(store, plan_id=PLAN_003_ID)
    path.write_text(_amend(text), encoding="utf-8")
    result = issue_file(store, path).result
    export_feeds(store, settings, TODAY)
    data = plan_feed_bytes(settings, PLAN_003_ID)
    assert lint(data) == []
    after, evs = event_blocks(data), events(data)
    rows_after = rows_by_uid(store, plan_id=PLAN_003_ID)
    moved = {u for u, r in rows_after.items() if r.source_id in ("bao-an-giang-bai-viet", "snv-tong-hop-gui-tw")
             and r.status != "cancelled"}
    # the portal duty goes; so does February's "5 days after" (01/03 → 24/02, before the issue date: issue 9)
    removed = {u for u, r in rows_before.items() if r.source_id == "so-tttt-chuyen-trang"
               or rows_after[u].status == "cancelled"}
    added = {u for u, r in rows_after.items() if r.source_id == "ubmttq-bao-cao-them"}
    assert moved and removed and added and set(after) == set(before) | added
    assert result.changed == len(moved) and result.cancelled == len(removed) and result.added == len(added)
    stamp = datetime(2021, 3, 14, 17, 0)  # 00:00 on 15/03/2021 in Vietnam, in UTC
    for uid, block in after.items():
        ev = evs[uid]
        if uid in moved:
            assert ev["SEQUENCE"] == rows_before[uid].sequence + 1
            assert ev.decoded("LAST-MODIFIED").replace(tzinfo=None) == stamp
            assert ev.decoded("DTSTART") == rows_after[uid].due_effective != rows_before[uid].due_effective
        elif uid in removed:
            assert ev["SEQUENCE"] == 1 and str(ev["STATUS"]) == "CANCELLED"
            assert str(ev["SUMMARY"]).startswith("[Đã hủy] ")
        elif uid in added:
            assert ev["SEQUENCE"] == 0
        else:
            assert block == before[uid], f"{uid} changed although the amendment did not touch it"


@pytest.mark.parametrize("keep", [0, 5])
def test_cancelled_keep_days_setting(store: Store, settings: Settings, tmp_path: Path, keep: int) -> None:
    s = replace(settings, cancelled_keep_days=keep)
    path = write_plan(tmp_path / "plan", DUTIES)
    issue_file(store, path)
    path.write_text(path.read_text(encoding="utf-8").replace("issued: 15/01/2021", "issued: 15/01/2021\namended: 01/04/2021")
                    .replace("  - {id: page", "  # removed: page"), encoding="utf-8")
    issue_file(store, path)
    cancelled = {f"{r.uid}@plancal" for r in store.occurrences(statuses=["cancelled"])}
    assert len(cancelled) == 1
    export_feeds(store, s, date(2021, 4, 1) + timedelta(days=keep))
    assert cancelled <= set(events(unit_feed_bytes(store, s, "snv")))
    export_feeds(store, s, date(2021, 4, 2) + timedelta(days=keep))
    assert not cancelled & set(events(unit_feed_bytes(store, s, "snv")))


def test_fold_matches_icalendar_and_never_splits_a_character() -> None:
    rnd = random.Random(20210421)
    alphabet = "aăâbcdđeêghiíìỉĩịoôơuưyỳếềểễệ\\^;,:\"AB 0123456789🎉"
    for _ in range(5000):
        line = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 500)))
        folded = fold(line.encode())
        assert folded == Contentline(line).to_ical()
        for physical in folded.split(b"\r\n"):
            assert len(physical) <= 75
            physical.decode("utf-8")  # no split UTF-8 sequence
        assert folded.replace(b"\r\n ", b"") == line.encode()


def test_every_feed_of_every_plan_is_readable_in_a_month_view(store: Store, settings: Settings) -> None:
    """No event longer than a day except timed sessions; a standing duty once, at the start of its plan,
    saying "thường xuyên" and no deadline; a theme on its first day inside the plan's period."""
    issue_all(store)
    export_feeds(store, settings, date(2021, 4, 1))
    plans = {p.id: p for p in store.plans()}
    rows = rows_by_uid(store)
    standing = 0
    for path in sorted(settings.calendar_dir.rglob("*.ics")):
        data = path.read_bytes()
        assert b"\r\nUID:" not in data.split(b"BEGIN:VEVENT", 1)[0], path
        for uid, ev in events(data).items():
            row = rows[uid]
            start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
            if type(start) is date:
                assert end == start + timedelta(days=1), (path, str(ev["SUMMARY"]))
            else:
                assert row.kind == "conference" and end - start < timedelta(days=1)
            plan = plans[row.plan_id]
            if row.kind == "ongoing":
                standing += 1
                assert start == max(row.window_start, plan.period_start)
                assert "Thường xuyên: " in str(ev["SUMMARY"]) and "Hạn:" not in str(ev["DESCRIPTION"])
                assert not ev.walk("VALARM")
            elif row.kind == "theme":
                assert start == max(row.window_start, plan.period_start)
    assert standing >= 36 + 135  # plans 004 and 001 alone


def test_agenda_lists_a_standing_duty_where_its_period_starts(store: Store, settings: Settings) -> None:
    issue_file(store, PLANS_DIR / "004-kien-giang-2017.yaml")
    ongoing = [r for r in store.occurrences(kinds=["ongoing"])]
    assert ongoing and {r.window_start for r in ongoing} == {date(2017, 3, 17)}
    march = agenda(store, start=date(2017, 3, 1), end=date(2017, 3, 31))
    december = agenda(store, start=date(2017, 12, 1), end=date(2017, 12, 31))
    assert {r.uid for r in ongoing} <= {r.uid for r in march}
    assert not {r.uid for r in ongoing} & {r.uid for r in december}
    assert [r for r in march if r.kind == "duty"]  # the month's deadlines are there too
