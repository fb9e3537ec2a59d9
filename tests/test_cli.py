"""The CLI prints clear Vietnamese errors and exits non-zero; nothing is stored for a bad plan."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PLANS, ROOT
from tests.helpers import write_plan


def run(args: list[str], home: Path, db_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLANCAL_HOME": str(home), "PLANCAL_DATABASE_URL": db_url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "plancal.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_check_source_plans_pass(home: Path, db_url: str) -> None:
    files = [str(p) for p in sorted(PLANS.glob("*.yaml"))]
    result = run(["check", *files], home, db_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("✓") == len(files)


def test_check_bad_plan_fails_with_location(tmp_path: Path, home: Path, db_url: str) -> None:
    path = write_plan(tmp_path / "p", "duties:\n  - {id: a, what: A, who: [khong-co], wehn: {on: 31/02/2021}}\n")
    result = run(["check", str(path)], home, db_url)
    assert result.returncode == 1
    assert f"{path}:12" in result.stderr and "'wehn' không được phép" in result.stderr
    assert "Traceback" not in result.stderr


def test_issue_bad_plan_stores_nothing_then_agenda(tmp_path: Path, home: Path, db_url: str) -> None:
    bad = write_plan(tmp_path / "bad", "duties:\n  - {id: a, what: A, who: [khong-co], when: {on: 01/03/2021}}\n")
    result = run(["issue", str(bad)], home, db_url)
    assert result.returncode == 1 and "khong-co" in result.stderr and "Traceback" not in result.stderr
    good = PLANS / "003-an-giang-2021.yaml"
    assert run(["issue", str(good)], home, db_url).returncode == 0
    agenda = run(["agenda", "--unit", "ag-bao-an-giang", "--from", "1/4/2021", "--to", "30/4/2021",
                  "--today", "1/4/2021"], home, db_url)
    assert agenda.returncode == 0, agenda.stderr
    assert "23/04/2021" in agenda.stdout and "24/04/2021" in agenda.stdout  # aim and stated limit
    unknown = run(["agenda", "--unit", "khong-co"], home, db_url)
    assert unknown.returncode == 1 and "không có đơn vị 'khong-co'" in unknown.stderr


def test_submit_marks_done(home: Path, db_url: str) -> None:
    assert run(["issue", str(PLANS / "003-an-giang-2021.yaml")], home, db_url).returncode == 0
    result = run(["submit", "--plan", "ag-2021-tuyen-truyen-dhtt", "--duty", "bao-an-giang-bai-viet", "--unit",
                  "ag-bao-an-giang", "--period", "2021-04", "--received", "23/04/2021"], home, db_url)
    assert result.returncode == 0 and "Đã ghi nhận" in result.stdout
    bad = run(["submit", "--plan", "ag-2021-tuyen-truyen-dhtt", "--duty", "bao-an-giang-bai-viet", "--unit",
               "ag-bao-an-giang", "--received", "31/02/2021"], home, db_url)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_feeds_lint_passes_exported_feeds_and_names_a_broken_one(tmp_path: Path, home: Path, db_url: str) -> None:
    calendar = tmp_path / "calendar"

    def lint(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PLANCAL_HOME": str(home), "PLANCAL_DATABASE_URL": db_url, "PLANCAL_CALENDAR_DIR": str(calendar),
               "COLUMNS": "200"}
        return subprocess.run([sys.executable, "-m", "plancal.cli", "feeds", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120, check=False)

    empty = lint("lint")
    assert empty.returncode == 1 and "không có tệp lịch" in empty.stderr and "Traceback" not in empty.stderr
    assert run(["issue", str(PLANS / "003-an-giang-2021.yaml")], home, db_url).returncode == 0
    assert lint("export", "--today", "01/04/2021").returncode == 0
    feeds = sorted(calendar.rglob("*.ics"))
    clean = lint("lint")
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.count("✓") == len(feeds) > 1 and f"{len(feeds)} tệp lịch đúng quy cách" in clean.stdout
    broken = feeds[0]
    broken.write_bytes(broken.read_bytes().replace(b"\r\n", b"\n"))
    result = lint("lint", str(broken), str(feeds[1]), str(tmp_path / "khong-co.ics"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"✗ {broken}" in result.stderr and "CRLF" in result.stderr and f"✓ {feeds[1]}" in result.stdout
    assert "không đọc được tệp" in result.stderr and "2/3 tệp lịch có lỗi" in result.stderr


def test_a_missing_runner_is_a_clear_error() -> None:
    from plancal.cli.simulate import runner
    from plancal.errors import PlancalError

    with pytest.raises(PlancalError) as info:
        runner("khong-co")
    assert "chưa cài phần chạy 'khong-co'" in str(info.value) and "pip install -e ." in str(info.value)


def test_plan_text_is_printed_literally_never_as_markup(tmp_path: Path, home: Path, db_url: str) -> None:
    from tests.helpers import HEADER

    header = HEADER.replace("number: 1/KH-UBND", 'number: "[/]"').replace(
        "title: Kế hoạch thử nghiệm", 'title: "[blink red]x[/blink red]"')
    body = ('duties:\n  - {id: a, what: "[bold]Gửi[/bold] bài [/]", who: [bao], to: snv, when: {on: 26/04/2021}}\n')
    path = write_plan(tmp_path / "p", body, header=header)
    checked = run(["check", str(path)], home, db_url)
    assert checked.returncode == 0, checked.stderr
    assert "[/]" in checked.stdout and "Traceback" not in checked.stderr + checked.stdout
    issued = run(["issue", str(path)], home, db_url)
    assert issued.returncode == 0, issued.stderr
    assert "[/]" in issued.stdout and "MarkupError" not in issued.stderr
    agenda = run(["agenda", "--from", "1/4/2021", "--to", "30/4/2021", "--today", "1/4/2021"], home, db_url)
    assert agenda.returncode == 0, agenda.stderr
    assert "[bold]Gửi[/bold] bài [/]" in agenda.stdout and "[/]" in agenda.stdout
    assert "\x1b[" not in agenda.stdout  # nothing restyled
    submitted = run(["submit", "--plan", "thu-nghiem", "--duty", "a", "--unit", "bao", "--received", "20/04/2021"],
                    home, db_url)
    assert submitted.returncode == 0, submitted.stderr
    assert "[bold]Gửi[/bold] bài [/]" in submitted.stdout
