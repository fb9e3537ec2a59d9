"""Listings at 80 and 60 columns keep dates and ids whole; CSV opens in LibreOffice with the same rows; JSON is stable;
user data is never read as rich markup."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import PLANS, ROOT

DATE = re.compile(r"\d{2}/\d{2}/\d{4}")
MARKUP_NAME = "[bold]Báo[/bold] An Giang"
AGENDA = ["agenda", "--from", "1/4/2021", "--to", "30/4/2021", "--today", "1/4/2021"]


@pytest.fixture
def world(tmp_path: Path, db_url: str) -> dict[str, str]:
    """Plan 003 issued, its newspaper named with rich markup."""
    (tmp_path / "plans" / "units").mkdir(parents=True)
    for name in ("an-giang.yaml", "central.yaml"):
        text = (PLANS / "units" / name).read_text(encoding="utf-8")
        (tmp_path / "plans" / "units" / name).write_text(text.replace('"Báo An Giang"', f'"{MARKUP_NAME}"'), "utf-8")
    shutil.copy(PLANS / "003-an-giang-2021.yaml", tmp_path / "plans")
    env = {**os.environ, "PLANCAL_HOME": str(tmp_path / "home"), "PLANCAL_DATABASE_URL": db_url}
    issued = run(["issue", str(tmp_path / "plans" / "003-an-giang-2021.yaml")], env)
    assert issued.returncode == 0, issued.stderr
    return env


def run(args: list[str], env: dict[str, str], columns: int = 200) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess whose output is a pipe (not a terminal), COLUMNS set."""
    return subprocess.run([sys.executable, "-m", "plancal.cli", *args], cwd=ROOT, env={**env, "COLUMNS": str(columns)},
                          capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)


def records(args: list[str], env: dict[str, str]) -> list[dict[str, object]]:
    result = run([*args, "--format", "json"], env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def test_json_has_stable_english_keys_and_iso_dates(world: dict[str, str]) -> None:
    agenda = records(AGENDA, world)
    assert len(agenda) > 3
    assert list(agenda[0]) == ["due", "due_stated", "kind_label", "unit", "title", "period", "plan", "state_label",
                               "unit_id", "plan_id", "kind", "state"]
    newspaper = [r for r in agenda if r["unit_id"] == "ag-bao-an-giang"]
    assert newspaper and all(date.fromisoformat(str(r["due"])) for r in agenda)
    assert (newspaper[0]["due"], newspaper[0]["due_stated"], newspaper[0]["unit"]) == ("2021-04-23", "2021-04-24", MARKUP_NAME)
    units = records(["units", "list"], world)
    assert list(units[0]) == ["id", "name", "kind", "parent_id", "emails"] and isinstance(units[0]["emails"], list)


@pytest.mark.parametrize("columns", [80, 60])
def test_agenda_table_keeps_dates_and_ids_whole(world: dict[str, str], columns: int) -> None:
    agenda = records(AGENDA, world)
    result = run(AGENDA, world, columns)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    # every date of every item is on one line: the dates in the table are exactly those of the JSON, in full
    expected = [date.fromisoformat(str(r[k])).strftime("%d/%m/%Y") for r in agenda for k in ("due", "due_stated") if r[k]]
    shown = DATE.findall(result.stdout)
    for day in expected:
        assert day in shown
    broken = re.compile(r"(^|[\s│])\d{2}/(\d{2}/?)?\d{0,3}[\s│]*$")  # "24/03/2" at the end of a line: a date cut in two
    assert [line for line in lines if broken.search(DATE.sub("", line))] == []
    assert MARKUP_NAME in result.stdout  # the name as written, not read as markup
    assert f"{len(agenda)} mục." in result.stdout


@pytest.mark.parametrize("columns", [80, 60])
def test_units_table_keeps_ids_and_addresses_whole(world: dict[str, str], columns: int) -> None:
    units = records(["units", "list"], world)
    result = run(["units", "list"], world, columns)
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= columns
    for unit in units:
        assert str(unit["id"]) in result.stdout
        for address in unit["emails"]:  # type: ignore[attr-defined]
            assert address in result.stdout
    assert MARKUP_NAME in result.stdout


def test_mail_status_table_at_60_columns(world: dict[str, str]) -> None:
    result = run(["mail", "status", "--day", "01/04/2021"], world, 60)
    assert result.returncode == 0, result.stderr
    assert "Nhật ký gửi thư" in result.stdout and "Chưa có thư nào" in result.stdout


def test_csv_is_excel_friendly(world: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "plancal.cli", *AGENDA, "--format", "csv"], cwd=ROOT, env=world,
                            capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"\xef\xbb\xbf") and b"\r\n" in result.stdout
    rows = list(csv.reader(io.StringIO(result.stdout.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["Hạn", "Hạn ghi", "Loại"] and len(rows) == len(records(AGENDA, world)) + 1
    assert all(DATE.fullmatch(r[0]) for r in rows[1:])
    assert ["23/04/2021", "24/04/2021"] in [r[:2] for r in rows] and any(MARKUP_NAME in r for r in rows)


def test_csv_converts_in_libreoffice_with_the_same_rows(world: dict[str, str], tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is needed in CI to check the CSV opens in a spreadsheet")
        pytest.skip("LibreOffice (soffice) is not installed")
    openpyxl = pytest.importorskip("openpyxl") if os.environ.get("CI") != "true" else __import__("openpyxl")
    data = subprocess.run([sys.executable, "-m", "plancal.cli", *AGENDA, "--format", "csv"], cwd=ROOT, env=world,
                          capture_output=True, timeout=120, check=True).stdout
    source = tmp_path / "lich-viec.csv"
    source.write_bytes(data)
    out = tmp_path / "xlsx"
    # the office's LibreOffice reads dd/mm/yyyy with Vietnamese settings (language 1066): so does this conversion
    profile = tmp_path / "lo-profile"
    converted = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                                "--infilter=CSV:44,34,76,1,,1066", "--convert-to", "xlsx", "--outdir", str(out),
                                str(source)], capture_output=True, text=True, timeout=180, check=False)
    target = out / "lich-viec.xlsx"
    assert converted.returncode == 0 and target.exists(), converted.stdout + converted.stderr
    book = openpyxl.load_workbook(target, read_only=True)  # read-only holds the file open until closed
    sheet = book.active

    def shown(value: object) -> str:
        if value is None:
            return ""
        if hasattr(value, "strftime"):
            return value.strftime("%d/%m/%Y")
        return str(value)

    try:
        read_back = [[shown(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    expected = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    width = len(expected[0])
    assert [(r + [""] * width)[:width] for r in read_back] == expected
