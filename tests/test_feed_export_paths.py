"""The fast paths of writing feeds give icalendar's bytes: the calendar header assembled from lines
serialized once, rows read as plain columns instead of ORM objects, and the export that finds nothing
changed from the change number alone. SQLite and PostgreSQL (the store fixtures)."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import vText

from plancal.feeds.export import builder, export_feeds
from plancal.feeds.rendering import EventRenderer, FeedBuilder, escape_text, ical_text
from plancal.settings import Settings
from plancal.store import OccurrenceRow, Store, Submission
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
