"""``plancal when`` and ``plancal draft`` as a clerk runs them: how a phrase is read, a draft written and
checked, errors in Vietnamese with exit status 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from plancal.draft.core import first_due_dates
from plancal.draft.timephrase import Context, read
from plancal.vn.dates import parse_date
from tests.helpers import SEEDS

ROOT = Path(__file__).resolve().parents[2]


def plancal(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "COLUMNS": "120"}
    return subprocess.run([sys.executable, "-m", "plancal.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_when_prints_the_reading_and_its_first_dates() -> None:
    phrase, issued = "trước ngày 25 hàng tháng", "01/03/2021"
    reading = read(phrase, Context(parse_date(issued)))
    assert reading is not None and reading.when is not None
    expected = first_due_dates(reading.when, parse_date(issued), parse_date("31/12/2023"))
    done = plancal("when", phrase, "--issued", issued)
    assert done.returncode == 0, done.stderr
    assert f"when: {reading.when}" in done.stdout
    assert expected[0].strftime("%d/%m/%Y") in done.stdout and "Traceback" not in done.stderr


def test_when_without_a_time_phrase_and_a_bad_date_exit_1_in_vietnamese() -> None:
    none = plancal("when", "tăng cường công tác tuyên truyền", "--issued", "01/03/2021")
    assert none.returncode == 1 and "Không nhận ra cụm từ thời gian" in none.stderr
    bad = plancal("when", "trước ngày 25 hàng tháng", "--issued", "31/02/2021")
    assert bad.returncode == 1 and "Lỗi:" in bad.stderr and "Traceback" not in bad.stderr


def test_draft_writes_a_plan_that_plancal_check_accepts(tmp_path: Path) -> None:
    seed = next(SEEDS.glob("004_*.txt"))
    out = tmp_path / "004.yaml"
    done = plancal("draft", str(seed), "--units", str(ROOT / "plans" / "units"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.is_file() and f"Đã ghi {out}" in done.stderr and "cần xem lại" in done.stderr
    checked = plancal("check", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
