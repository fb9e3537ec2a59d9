"""Control characters from the data never reach a feed raw: a NUL in a duty's note made a strict parser
reject the whole calendar."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from icalendar import Calendar

from plancal.feeds.rendering import FeedBuilder, ical_text
from plancal.lifecycle.issuance import issue_file
from plancal.settings import Settings
from plancal.store import Store
from tests.feedfixtures import TODAY
from tests.helpers import write_plan

BODY = """\
duties:
  - {id: send, what: Gửi bài viết, who: [bao], to: snv, when: {every: month, day: 25, before: true}}
"""
#: anything below a space but TAB, CR and LF, DEL and the C1 controls
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")


@pytest.mark.parametrize("dirt", ["\x00", "\x1b[31m", "\x7f", "\x85", "\x0b\x0c", "a\rb", "\x01\x02\x03"])
def test_control_characters_in_notes_and_titles_are_not_written_raw(store: Store, settings: Settings,
                                                                     tmp_path: Path, dirt: str) -> None:
    issue_file(store, write_plan(tmp_path / "plan", BODY))
    rows = store.occurrences(include_cancelled=True)
    for row in rows:  # as a row written before the plan checks existed could hold them
        row.detail = f"Ghi chú{dirt}có ký tự lạ"
        row.title = f"Gửi bài{dirt} viết"
    units, plans = store.unit_rows(), store.plans()
    plans[0].title = f"Kế hoạch{dirt} thử nghiệm"
    feeds = list(FeedBuilder(units, plans, rows, settings, TODAY).feeds())
    assert feeds
    for feed in feeds:
        assert not RAW_CONTROL.search(feed.data), feed.name
        assert b"\r\n" in feed.data and b"\r" not in feed.data.replace(b"\r\n", b"")
        Calendar.from_ical(feed.data)  # parses
    unit_feed = next(f for f in feeds if f.name.startswith("u/"))
    text = unit_feed.data.decode().replace("\r\n ", "")
    assert "Ghi chú" in text and "có ký tự lạ" in text


def test_ical_text_keeps_line_breaks_tabs_and_vietnamese() -> None:
    assert ical_text("Gửi bài\tviết\nngày 25") == "Gửi bài\tviết\nngày 25"
    assert ical_text("a\r\nb\rc\x00d\x1fe\x9ff") == "a\nb\ncdef"
