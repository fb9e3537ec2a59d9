"""The fast paths of writing feeds give icalendar's bytes: the calendar header assembled from lines
serialized once, rows read as plain columns instead of ORM objects, and the export that finds nothing
changed from the change number alone. SQLite and PostgreSQL (the store fixtures)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from icalendar import vText

from plancal.feeds.export import builder, export_feeds
from plancal.feeds.rendering import EventRenderer, FeedBuilder, escape_text, ical_text
from plancal.settings import Settings
from plancal.store import OccurrenceRow, Store, Submission
from plancal.units.directory import Unit
from tests.feedfixtures import PLAN_003_ID, TODAY, issue_all

AWKWARD = ["Báo An Giang — lịch thực hiện", "a,b;c\\d:e\"f^g", "x" * 200, "Ủy ban nhân dân xã " * 9, "tab\there",
           "ctl\x01\x7f\x9fend", "^caret^" * 20, "", "ạ" * 100, "a\\" * 60, "mot\ntwo"]


def _a_duty(store: Store) -> OccurrenceRow:
    return next(r for r in store.occurrences(plan_id=PLAN_003_ID)
                if r.unit_id and r.kind not in ("theme", "anniversary", "conference"))


def test_header_lines_equal_icalendar_on_awkward_names(settings: Settings) -> None:
    b = FeedBuilder([], [], [], settings, TODAY)
    for name in AWKWARD:
        for description in AWKWARD:
            if "\n" in name + description:
                continue  # icalendar refuses a raw line break in X-WR-CALNAME and X-WR-CALDESC, as before
            assert b.header(key="k", name=name, description=description) == \
                b.calendar_header(ical_text(name), ical_text(description)), (name, description)


def test_plain_rows_render_the_bytes_of_orm_rows(store: Store, settings: Settings) -> None:
    issue_all(store)
    row = _a_duty(store)
    store.record_submission(Submission(row.uid, row.unit_id or "", date(2021, 3, 30), "qua email"))
    orm = FeedBuilder(store.unit_rows(), store.plans(), store.occurrences(include_cancelled=True), settings, TODAY)
    by_orm = {f.name: f.data for f in orm.feeds()}
    by_columns = {f.name: f.data for f in builder(store, settings, TODAY).feeds()}
    assert by_columns == by_orm and len(by_orm) > 3
    assert {r.uid: r.state(TODAY) for r in store.occurrence_facts()} == \
        {r.uid: r.state(TODAY) for r in store.occurrences(include_cancelled=True)}


def test_unchanged_export_reads_no_rows_and_any_change_ends_it(store: Store, settings: Settings,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    issue_all(store)
    first = export_feeds(store, settings, TODAY)
    assert store.feed_export() is not None

    def no_read(*args: object, **kwargs: object) -> object:
        raise AssertionError("rows were read for an export with nothing to do")

    with monkeypatch.context() as m:
        m.setattr(type(store), "occurrence_versions", no_read)
        m.setattr(type(store), "occurrence_facts", no_read)
        m.setattr(EventRenderer, "render", no_read)
        assert export_feeds(store, settings, TODAY).unchanged == first.written
    row = _a_duty(store)
    store.record_submission(Submission(row.uid, row.unit_id or "", date(2021, 3, 30)))
    assert export_feeds(store, settings, TODAY).written == 2
    assert {f.name: f.data for f in builder(store, settings, TODAY).feeds()} == {
        str(p.relative_to(settings.calendar_dir)): p.read_bytes() for p in settings.calendar_dir.rglob("*.ics")}


def test_text_escaping_equals_icalendar() -> None:
    for value in [*AWKWARD, "a\\Nb", "x\r\ny\rz\nw", "\\;\\,", ";;,,\\\\", "Hạn: 25/03; gửi, nhận\\N"]:
        assert escape_text(value).encode() == vText(value).to_ical(), value


def _folder(settings: Settings) -> dict[str, bytes]:
    """Every file of the calendar folder (hidden ones too: a temporary file left behind counts)."""
    root = settings.calendar_dir
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and p.name != ".plancal-export.lock"}


@pytest.mark.parametrize("where", ["rendering", "writing"])
def test_a_failure_midway_leaves_the_files_and_digests_as_they_were(store: Store, settings: Settings,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    where: str) -> None:
    """The renderer fails three quarters of the way, or the writer cannot create the temporary
    file of the middle feed: the export raises that error, every feed file is the one of the export before, byte for byte,
    no temporary file stays behind and the digests are those of the files."""
    from plancal.feeds import export as export_module
    issue_all(store)
    total = export_feeds(store, settings, TODAY).written
    renders = 0
    real_render, real_temp = EventRenderer.render, export_module._temp_path

    def count(self: EventRenderer, row: object, variant: str) -> bytes:
        nonlocal renders
        renders += 1
        return real_render(self, row, variant)  # type: ignore[arg-type]

    with monkeypatch.context() as m:
        m.setattr(EventRenderer, "render", count)
        list(builder(store, settings, TODAY).feeds())
    # a renamed unit: every feed is rendered again; every file differs from its new bytes (changed by hand)
    unit = store.unit_row(_a_duty(store).unit_id or "")
    assert unit is not None
    store.import_units([Unit(unit.id, unit.name + " (mới)", unit.kind, unit.parent_id, tuple(unit.emails))])
    for p in settings.calendar_dir.rglob("*.ics"):
        p.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    before, digests = _folder(settings), store.feed_digests()
    calls = 0

    def render(self: EventRenderer, row: object, variant: str) -> bytes:
        nonlocal calls
        calls += 1
        if calls == renders * 3 // 4:  # in the unit feeds, with many files written
            raise RuntimeError("renderer failed")
        return real_render(self, row, variant)  # type: ignore[arg-type]

    def temp_path(path: Path) -> Path:
        nonlocal calls
        calls += 1
        return path.parent / "missing-folder" / path.name if calls == total // 2 else real_temp(path)

    if where == "rendering":
        monkeypatch.setattr(EventRenderer, "render", render)
    else:
        monkeypatch.setattr(export_module, "_temp_path", temp_path)
    with pytest.raises((RuntimeError, FileNotFoundError)):
        export_feeds(store, settings, TODAY)
    assert _folder(settings) == before
    assert store.feed_digests() == digests
    monkeypatch.undo()
    assert export_feeds(store, settings, TODAY).written == total  # and the next export writes them
    assert {f.name: f.data for f in builder(store, settings, TODAY).feeds()} == {
        str(p.relative_to(settings.calendar_dir)): p.read_bytes() for p in settings.calendar_dir.rglob("*.ics")}


def test_the_export_renders_with_the_cyclic_collector_paused_and_resumes_it(store: Store, settings: Settings,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Full collections over a national export's rows took a tenth of its time: the renderer runs with the
    collector off, and it is on again after the export, also after one that failed."""
    import gc
    issue_all(store)
    seen: list[bool] = []
    real = EventRenderer.render

    def render(self: EventRenderer, row: object, variant: str) -> bytes:
        seen.append(gc.isenabled())
        return real(self, row, variant)  # type: ignore[arg-type]

    monkeypatch.setattr(EventRenderer, "render", render)
    assert gc.isenabled()
    export_feeds(store, settings, TODAY)
    assert seen and not any(seen) and gc.isenabled()

    def fail(self: EventRenderer, row: object, variant: str) -> bytes:
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(EventRenderer, "render", fail)
    store.save_feed_export(None, datetime(2021, 4, 1))
    store.forget_feeds(store.feed_digests())
    with pytest.raises(RuntimeError):
        export_feeds(store, settings, TODAY)
    assert gc.isenabled()


@pytest.mark.parametrize("files", [2, 40])
def test_a_batch_flushes_a_few_files_each_and_many_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           files: int) -> None:
    """Every file's data reaches the disk before it is renamed over its target: a few by ``fdatasync`` of
    each (not every dirty page of the system), many by one ``os.sync``; the targets then hold the bytes."""
    import os

    from plancal.feeds import export as export_module
    calls: list[str] = []
    real_fdatasync = os.fdatasync

    def fdatasync(fd: int) -> None:
        calls.append("fdatasync")
        real_fdatasync(fd)

    monkeypatch.setattr(export_module.os, "sync", lambda: calls.append("sync"))
    monkeypatch.setattr(export_module.os, "fdatasync", fdatasync)
    real_replace = os.replace
    monkeypatch.setattr(export_module.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b)))
    batch = export_module._Batch()
    targets = [tmp_path / "u" / f"{i}.ics" for i in range(files)]
    for i, target in enumerate(targets):
        assert batch.add_stream(target, iter([b"BEGIN:VCALENDAR\r\n", str(i).encode()]))
    batch.commit()
    flushes = ["fdatasync"] * files if files <= export_module._SYNCED_ONE_BY_ONE else ["sync"]
    assert calls == flushes + ["replace"] * files
    assert [t.read_bytes() for t in targets] == [b"BEGIN:VCALENDAR\r\n" + str(i).encode() for i in range(files)]
    assert sorted(p.name for p in (tmp_path / "u").iterdir()) == sorted(t.name for t in targets)
