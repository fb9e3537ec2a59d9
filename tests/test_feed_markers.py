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
