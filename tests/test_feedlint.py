"""The feed lint finds what clients let through: bad line endings and folding, missing properties,
DTEND not after DTSTART; and `plancal feeds` commands end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from plancal.errors import FeedError
from plancal.feeds.lint import check, lint
from plancal.settings import Settings
from plancal.store import Store
from tests.conftest import ROOT
from tests.helpers import write_plan

GOOD = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//plancal//VI\r\n"
    "BEGIN:VEVENT\r\nUID:a@plancal\r\nDTSTAMP:20210228T170000Z\r\n"
    "DTSTART;VALUE=DATE:20210421\r\nDTEND;VALUE=DATE:20210422\r\nSUMMARY:Giỗ Tổ Hùng Vương\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def messages(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return "\n".join(str(p) for p in lint(data, "feed.ics"))


def test_clean_feed_has_no_problems() -> None:
    assert lint(GOOD.encode()) == []
    check(GOOD.encode())


@pytest.mark.parametrize(("broken", "expected"), [
    (GOOD.replace("\r\n", "\n"), "CRLF"),
    (GOOD.replace("SUMMARY:Giỗ Tổ Hùng Vương", "SUMMARY:" + "Giỗ Tổ Hùng Vương " * 6), "quá 75"),
    (GOOD.replace("DTSTAMP:20210228T170000Z\r\n", ""), "thiếu thuộc tính bắt buộc DTSTAMP"),
    (GOOD.replace("UID:a@plancal\r\n", ""), "thiếu thuộc tính bắt buộc UID"),
    (GOOD.replace("DTSTART;VALUE=DATE:20210421\r\n", ""), "thiếu thuộc tính bắt buộc DTSTART"),
    (GOOD.replace("VERSION:2.0\r\n", ""), "thiếu thuộc tính bắt buộc VERSION"),
    (GOOD.replace("PRODID:-//plancal//VI\r\n", ""), "thiếu thuộc tính bắt buộc PRODID"),
    (GOOD.replace("DTEND;VALUE=DATE:20210422", "DTEND;VALUE=DATE:20210421"), "DTEND (2021-04-21) không sau DTSTART"),
    (GOOD.replace("DTEND;VALUE=DATE:20210422", "DTEND:20210422T080000"), "khác kiểu"),
    (GOOD.replace("DTEND;VALUE=DATE:20210422", "DTEND;VALUE=DATE:20210231"), "không phải ngày/giờ hợp lệ"),
    (GOOD.replace("DTSTART;VALUE=DATE:20210421", "DTSTART;TZID=Asia/Ho_Chi_Minh:20210421T080000")
     .replace("DTEND;VALUE=DATE:20210422", "DTEND;TZID=Asia/Ho_Chi_Minh:20210421T120000"), "không có VTIMEZONE"),
    (GOOD.replace("END:VEVENT\r\n", ""), "không khớp"),
    (GOOD.replace("END:VEVENT\r\n", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT1H\r\nDESCRIPTION:x\r\nEND:VALARM\r\n"
                  "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT2H\r\nDESCRIPTION:y\r\nEND:VALARM\r\nEND:VEVENT\r\n"),
     "2 báo nhắc"),
    (GOOD.replace("END:VEVENT\r\nEND:VCALENDAR", "END:VEVENT\r\n" + GOOD.split("BEGIN:VEVENT\r\n")[1].join(
        ["BEGIN:VEVENT\r\n", ""]) + "END:VCALENDAR").replace("END:VCALENDAR\r\nEND:VCALENDAR", "END:VCALENDAR"),
     "trùng"),
])
def test_lint_finds(broken: str, expected: str) -> None:
    assert expected in messages(broken)
    with pytest.raises(FeedError):
        check(broken.encode())


def test_folding_inside_a_utf8_sequence_is_found() -> None:
    line = "SUMMARY:Giỗ Tổ Hùng Vương".encode()
    cut = line.index("ỗ".encode()) + 1  # one byte into a three-byte character
    broken = GOOD.encode().replace(line, line[:cut] + b"\r\n " + line[cut:])
    assert "UTF-8" in messages(broken)


def test_plancal_feeds_commands(store: Store, settings: Settings, tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan", """\
        duties:
          - {id: send, what: Gửi bài viết, who: [bao], to: snv, when: {every: month, day: 25, before: true}}
        """)
    env = {**os.environ, "PLANCAL_HOME": str(settings.home), "PLANCAL_DATABASE_URL": settings.db_url,
           "PLANCAL_CALENDAR_DIR": str(settings.calendar_dir), "PLANCAL_FEED_BASE_URL": "https://lich.example.gov.vn",
           "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "plancal.cli", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120, check=False)

    assert run("issue", str(path)).returncode == 0
    first = run("feeds", "export", "--today", "01/04/2021")
    assert first.returncode == 0 and "ghi 10 lịch" in first.stdout, first.stderr
    again = run("feeds", "export", "--today", "01/04/2021")
    assert "ghi 0 lịch, giữ nguyên 10" in again.stdout
    old = store.unit_row("bao")
    assert old is not None
    url = run("feeds", "url", "bao")
    assert f"https://lich.example.gov.vn/u/{old.feed_token}.ics" in url.stdout
    assert f"webcal://lich.example.gov.vn/u/{old.feed_token}.ics" in url.stdout
    rotated = run("feeds", "rotate", "bao", "--today", "01/04/2021")
    new = store.unit_row("bao")
    assert rotated.returncode == 0 and new is not None and new.feed_token != old.feed_token
    assert f"https://lich.example.gov.vn/u/{new.feed_token}.ics" in rotated.stdout
    assert not (settings.calendar_dir / "u" / f"{old.feed_token}.ics").exists()
    assert (settings.calendar_dir / "u" / f"{new.feed_token}.ics").is_file()
    unknown = run("feeds", "rotate", "khong-co")
    assert unknown.returncode == 1 and "không có đơn vị 'khong-co'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
