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
