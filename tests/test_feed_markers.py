"""Change markers: an export renders only the feeds whose rows, plans, unit names or settings changed,
and what it writes is byte for byte what a full render writes. SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from plancal.feeds import export as export_module
from plancal.feeds.export import builder, export_feeds
from plancal.feeds.names import PUBLIC, feed_path, plan_feed_name, unit_feed_name
from plancal.feeds.rendering import EventRenderer, FeedBuilder
from plancal.settings import Settings
from plancal.store import Store, Submission
from plancal.units.directory import Unit
from tests.conftest import PLANS as PLANS_DIR
from tests.feedfixtures import PLAN_003, PLAN_003_ID, TODAY, issue_all
from tests.helpers import write_plan

DUTIES = """\
duties:
  - {id: send, what: Gửi bài viết, who: [bao], to: snv, when: {every: month, day: 25, before: true}}
  - {id: page, what: Xây dựng chuyên trang, who: [snv], when: {within: Q2/2021}}
"""


def _full_render(store: Store, settings: Settings, today: date = TODAY) -> dict[str, bytes]:
    """Every feed as a fresh full render writes it (no markers, no reuse)."""
    return {f.name: f.data for f in builder(store, settings, today).feeds()}


def _on_disk(settings: Settings) -> dict[str, bytes]:
    root = settings.calendar_dir
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*.ics")}


def test_nothing_changed_renders_nothing(store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    issue_all(store)
    first = export_feeds(store, settings, TODAY)
    assert first.written == len(_on_disk(settings)) > 3

    def no_render(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("an unchanged feed was rendered")

    monkeypatch.setattr(EventRenderer, "render", no_render)
    monkeypatch.setattr(FeedBuilder, "header", no_render)
    again = export_feeds(store, settings, TODAY)
    assert (again.written, again.unchanged, again.removed) == (0, first.written, 0)


def test_one_submission_renders_two_feeds_equal_to_a_full_render(store: Store, settings: Settings,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from plancal.lifecycle.issuance import issue_file
    issue_file(store, PLAN_003)
    export_feeds(store, settings, TODAY)
    row = next(r for r in store.occurrences(plan_id=PLAN_003_ID)
               if r.unit_id and r.kind not in ("theme", "anniversary", "conference"))
    store.record_submission(Submission(row.uid, row.unit_id or "", date(2021, 3, 30), "qua email"))
    unit = store.unit_row(row.unit_id or "")
    assert unit is not None
    rendered: list[str] = []
    real = FeedBuilder.feeds

    def spy(self: FeedBuilder, only: object = None) -> object:
        for feed in real(self, only):  # type: ignore[arg-type]
            rendered.append(feed.name)
            yield feed

    monkeypatch.setattr(FeedBuilder, "feeds", spy)
    result = export_feeds(store, settings, TODAY)
    assert result.written == 2
    # the plan feed was spliced from its file (not rendered whole), the unit's feed rendered alone
    assert rendered == [unit_feed_name(unit.feed_token)]
    assert _on_disk(settings) == _full_render(store, settings)
    assert b"[\xc4\x90\xc3\xa3 xong] " in feed_path(settings, plan_feed_name(PLAN_003_ID)).read_bytes()


def test_every_kind_of_change_reaches_the_files(store: Store, settings: Settings, tmp_path: Path) -> None:
    """After each change the files are exactly a full render's: a submission, a corrected submission,
    an amendment, a renamed unit, a new unit, a cancellation expiring with time, a deleted file."""
    from plancal.lifecycle.issuance import issue_file
    path = write_plan(tmp_path / "plan", DUTIES)
    issue_file(store, path)
    export_feeds(store, settings, TODAY)
    assert _on_disk(settings) == _full_render(store, settings)
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-02")
    store.record_submission(Submission(row.uid, "bao", date(2021, 2, 23)))
    export_feeds(store, settings, TODAY)
    assert _on_disk(settings) == _full_render(store, settings)
    store.record_submission(Submission(row.uid, "bao", date(2021, 2, 24), "bản sửa"))
    assert export_feeds(store, settings, TODAY).written == 2
    assert _on_disk(settings) == _full_render(store, settings)
    # an amendment drops a duty: its row is cancelled, kept for a while, then gone
    amended = path.read_text(encoding="utf-8").replace("issued: 15/01/2021", "issued: 15/01/2021\namended: 10/04/2021")
    amended = "\n".join(line for line in amended.splitlines() if "id: page" not in line) + "\n"
    path.write_text(amended, encoding="utf-8")
    assert issue_file(store, path).result.cancelled == 1
    export_feeds(store, settings, TODAY)
    assert _on_disk(settings) == _full_render(store, settings)
    later = date(2021, 12, 31)
    export_feeds(store, settings, later)
    assert _on_disk(settings) == _full_render(store, settings, later)
    # a renamed unit changes every feed that names it
    unit = store.unit_row("bao")
    assert unit is not None
    store.import_units([Unit("bao", "Báo Tỉnh (tên mới)", unit.kind, unit.parent_id, tuple(unit.emails))])
    export_feeds(store, settings, later)
    assert _on_disk(settings) == _full_render(store, settings, later)
    # a deleted file is written again; a file changed by hand is put right when its feed changes
    (settings.calendar_dir / PUBLIC).unlink()
    assert export_feeds(store, settings, later).written == 1
    assert _on_disk(settings) == _full_render(store, settings, later)


def test_a_plan_feed_file_not_written_by_this_code_is_rendered_whole(store: Store, settings: Settings,
                                                                     tmp_path: Path) -> None:
    """Events are reused only from a file written in the same context (same code, plans, names)."""
    from plancal.lifecycle.issuance import issue_file
    issue_file(store, write_plan(tmp_path / "plan", DUTIES))
    export_feeds(store, settings, TODAY)
    plan_file = feed_path(settings, plan_feed_name("thu-nghiem"))
    store.save_feed_digests({plan_feed_name("thu-nghiem"): "0" * 64}, export_module._now())
    plan_file.write_bytes(plan_file.read_bytes().replace(b"SUMMARY:", b"SUMMARY:x"))
    export_feeds(store, settings, TODAY)
    assert _on_disk(settings) == _full_render(store, settings)


def test_markers_survive_a_copy_of_the_folder(store: Store, settings: Settings, tmp_path: Path) -> None:
    """A missing folder is written whole again even though every marker is known."""
    from plancal.lifecycle.issuance import issue_file
    issue_file(store, write_plan(tmp_path / "plan", DUTIES))
    first = export_feeds(store, settings, TODAY)
    shutil.rmtree(settings.calendar_dir)
    assert export_feeds(store, settings, TODAY).written == first.written
    assert _on_disk(settings) == _full_render(store, settings)


def _no_versions(*args: object, **kwargs: object) -> object:
    raise AssertionError("an export after a few changes of deadlines read every row's version or a whole plan")


@pytest.mark.parametrize("copy", ["kernel", "fallback"])
def test_each_change_of_a_deadline_renders_its_two_feeds_alone(store: Store, settings: Settings, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch, copy: str) -> None:
    """A submission, a corrected one, a withdrawal, a waiver, two submissions at once: the export reads
    the changed rows alone (no version of every row, no plan rendered whole) and its files are a full
    render's; the plan feed's unchanged spans are copied by the kernel, or read and written where the
    file system cannot (``copy_file_range`` refused)."""
    import errno
    import os

    from plancal.lifecycle.issuance import issue_file
    copied: list[int] = []
    real_copy = os.copy_file_range

    def copy_file_range(src: int, dst: int, count: int, offset_src: int | None = None) -> int:
        if copy == "fallback":
            raise OSError(errno.EXDEV, "cross-device")
        copied.append(count)
        return real_copy(src, dst, count, offset_src)

    monkeypatch.setattr(export_module.os, "copy_file_range", copy_file_range)
    issue_file(store, write_plan(tmp_path / "plan", DUTIES))
    export_feeds(store, settings, TODAY)
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-02")
    other = store.find_occurrence("thu-nghiem", "page", "snv")
    steps = [
        lambda: store.record_submission(Submission(row.uid, "bao", date(2021, 2, 23))),
        lambda: store.record_submission(Submission(row.uid, "bao", date(2021, 2, 24), "bản sửa")),
        lambda: store.reopen(row.uid, "ghi nhận nhầm", today=TODAY),
        lambda: store.waive(row.uid, "đơn vị sáp nhập", today=TODAY),
        lambda: store.record_submissions([Submission(other.uid, "snv", date(2021, 3, 31)),
                                          Submission(store.find_occurrence("thu-nghiem", "send", "bao", "2021-03").uid,
                                                     "bao", date(2021, 3, 20))], today=TODAY),
    ]
    for expected_written, step in zip([2, 2, 2, 2, 3], steps, strict=True):
        step()
        with monkeypatch.context() as m:
            m.setattr(type(store), "occurrence_versions", _no_versions)
            m.setattr(FeedBuilder, "plan_stream", _no_versions)
            assert export_feeds(store, settings, TODAY).written == expected_written
        assert _on_disk(settings) == _full_render(store, settings)
    assert bool(copied) == (copy == "kernel")


def _move(store: Store, uid: str, day: date) -> None:
    """Move a row to another day (as a change of its date would, keeping the context)."""
    from plancal.store import OccurrenceRow
    from plancal.store.occurrences import next_change_number
    with store.session() as s:
        row = s.get(OccurrenceRow, uid)
        assert row is not None
        row.change_number = next_change_number(s)
        row.due_stated = row.due_effective = row.due_limit = day
        row.sequence += 1


def test_a_row_moved_to_another_day_is_spliced_at_its_place(store: Store, settings: Settings, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan feed keeps the order of a full render when a changed row moves: before every event,
    after every event, among others, next to another changed row."""
    from plancal.lifecycle.issuance import issue_file
    issue_file(store, write_plan(tmp_path / "plan", DUTIES))
    export_feeds(store, settings, TODAY)
    a = store.find_occurrence("thu-nghiem", "send", "bao", "2021-02").uid
    b = store.find_occurrence("thu-nghiem", "send", "bao", "2021-07").uid
    for moves in ([(a, date(2020, 1, 1))], [(a, date(2022, 12, 31))], [(a, date(2021, 6, 25))],
                  [(a, date(2021, 9, 24)), (b, date(2021, 9, 24))], [(b, date(2021, 1, 1)), (a, date(2021, 1, 1))]):
        for uid, day in moves:
            _move(store, uid, day)
        with monkeypatch.context() as m:
            m.setattr(FeedBuilder, "plan_stream", _no_versions)
            assert export_feeds(store, settings, TODAY).written == 2
        assert _on_disk(settings) == _full_render(store, settings)


def test_a_cancellation_that_expires_and_comes_back_with_the_day(store: Store, settings: Settings, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from plancal.lifecycle.issuance import issue_file
    path = write_plan(tmp_path / "plan", DUTIES)
    issue_file(store, path)
    amended = path.read_text(encoding="utf-8").replace("issued: 15/01/2021", "issued: 15/01/2021\namended: 10/04/2021")
    path.write_text("\n".join(line for line in amended.splitlines() if "id: page" not in line) + "\n", encoding="utf-8")
    assert issue_file(store, path).result.cancelled == 1
    export_feeds(store, settings, TODAY)
    for day in (date(2021, 12, 31), TODAY, date(2021, 12, 31)):
        with monkeypatch.context() as m:
            m.setattr(type(store), "occurrence_versions", _no_versions)
            m.setattr(FeedBuilder, "plan_stream", _no_versions)
            assert export_feeds(store, settings, day).written == 2  # the plan feed and snv's
        assert _on_disk(settings) == _full_render(store, settings, day)


def test_rotations_new_plans_and_conferences_reach_the_files(store: Store, settings: Settings, tmp_path: Path) -> None:
    """What the changed rows alone cannot tell (a rotated token, a new plan, a conference whose audience
    may have changed) still ends in a full render's files."""
    from plancal.feeds.export import rotate_token
    from plancal.lifecycle.issuance import issue_file
    issue_file(store, PLANS_DIR / "002-nam-dong-2020.yaml")
    export_feeds(store, settings, TODAY)
    conference = next(r for r in store.occurrences() if r.kind == "conference" and r.unit_id and r.audience)
    store.record_submission(Submission(conference.uid, conference.unit_id or "", date(2020, 6, 20)))
    assert export_feeds(store, settings, TODAY).written >= 2
    assert _on_disk(settings) == _full_render(store, settings)
    old = store.unit_row(conference.unit_id or "")
    assert old is not None
    rotate_token(store, settings, old.id, TODAY)
    row = next(r for r in store.occurrences(unit_id=old.id) if r.kind not in ("theme", "anniversary", "conference"))
    store.record_submission(Submission(row.uid, old.id, date(2020, 3, 1)))
    export_feeds(store, settings, TODAY)
    assert _on_disk(settings) == _full_render(store, settings)
    assert unit_feed_name(old.feed_token) not in _on_disk(settings)
    issue_file(store, PLAN_003)
    export_feeds(store, settings, TODAY)
    assert _on_disk(settings) == _full_render(store, settings)


def test_change_numbers_grow_with_every_write_of_a_row(store: Store, tmp_path: Path) -> None:
    from plancal.lifecycle.issuance import issue_file
    from plancal.store import OccurrenceRow
    path = write_plan(tmp_path / "plan", DUTIES)
    issue_file(store, path)
    first = store.last_change_number()
    assert first > 0
    assert {r.change_number for r in store.occurrences(plan_id="thu-nghiem")} == {first}
    issue_file(store, path)  # the same plan again: nothing written, no number taken
    assert store.last_change_number() == first
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-02")
    store.record_submission(Submission(row.uid, "bao", date(2021, 2, 23)))
    store.reopen(row.uid, "nhầm", today=TODAY)
    assert store.last_change_number() == first + 2
    with store.session() as s:
        changed = s.get(OccurrenceRow, row.uid)
        assert changed is not None and changed.change_number == first + 2
    assert [r.uid for r in store.occurrence_facts(changed_after=first)] == [row.uid]


@pytest.mark.parametrize("moved", [(1, 4), (9, 20)])  # changed rows found one by one, or by one pattern
def test_random_moves_and_submissions_keep_the_order_of_a_full_render(store: Store, settings: Settings,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       moved: tuple[int, int]) -> None:
    import random

    from plancal.lifecycle.issuance import issue_file
    issue_file(store, PLAN_003)
    export_feeds(store, settings, TODAY)
    pick = random.Random(14)
    rows = [r for r in store.occurrences(plan_id=PLAN_003_ID) if r.unit_id and r.kind in ("duty", "report")]
    days = sorted({r.due_effective for r in rows})
    for _ in range(8):
        for r in pick.sample(rows, pick.randint(*moved)):
            _move(store, r.uid, pick.choice(days))
        with monkeypatch.context() as m:
            m.setattr(FeedBuilder, "plan_stream", _no_versions)
            export_feeds(store, settings, TODAY)
        assert _on_disk(settings) == _full_render(store, settings)


def test_a_unit_feed_written_after_its_web_form_keeps_the_export_light(store: Store, settings: Settings,
                                                                        tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The web form writes the unit's feed at once (its digest is then not an export's marker): the next
    export still reads the changed rows alone, and renders that feed again with the plan feed."""
    from plancal.feeds.export import write_unit_feed
    from plancal.lifecycle.issuance import issue_file
    issue_file(store, write_plan(tmp_path / "plan", DUTIES))
    export_feeds(store, settings, TODAY)
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-02")
    store.record_submission(Submission(row.uid, "bao", date(2021, 2, 23)))
    write_unit_feed(store, settings, "bao", TODAY)
    with monkeypatch.context() as m:
        m.setattr(type(store), "occurrence_versions", _no_versions)
        m.setattr(FeedBuilder, "plan_stream", _no_versions)
        result = export_feeds(store, settings, TODAY)
    assert (result.written, result.removed) == (1, 0)  # the plan feed; the unit's was written already
    assert _on_disk(settings) == _full_render(store, settings)
    with monkeypatch.context() as m:
        m.setattr(EventRenderer, "render", _no_versions)
        assert export_feeds(store, settings, TODAY).written == 0


def test_a_first_exports_markers_are_those_every_later_comparison_computes(store: Store, settings: Settings,
                                                                           tmp_path: Path) -> None:
    """A first export takes its markers from the rows it renders (typed values); a later export that
    compares markers takes them from the row versions (what the driver gives: ISO text on SQLite). Both
    must be the same text, or the first change of a conference would render every feed again: rows done,
    cancelled and of every kind, on SQLite and PostgreSQL."""
    from plancal.feeds.export import FeedIndex
    from plancal.lifecycle.issuance import issue_file
    issue_all(store)
    path = write_plan(tmp_path / "plan", DUTIES)
    issue_file(store, path)
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-02")
    store.record_submission(Submission(row.uid, "bao", date(2021, 2, 23)))
    amended = path.read_text(encoding="utf-8").replace("issued: 15/01/2021", "issued: 15/01/2021\namended: 10/04/2021")
    path.write_text("\n".join(line for line in amended.splitlines() if "id: page" not in line) + "\n", encoding="utf-8")
    assert issue_file(store, path).result.cancelled == 1
    kinds = {r.kind for r in store.occurrence_facts()}
    assert {"theme", "anniversary", "conference", "report"} <= kinds
    assert store.feed_export() is None
    export_feeds(store, settings, TODAY)
    stored = store.feed_digests()
    by_versions = FeedIndex(store.unit_tokens(), store.plans(), store.occurrence_versions(), settings, TODAY).markers
    assert stored == by_versions and len(stored) > 3
