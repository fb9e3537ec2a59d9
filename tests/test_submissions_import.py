"""`plancal submissions import`: a document-management export (CSV or .xlsx, Vietnamese headers) matched
to open occurrences by unit and period; bad rows named by row number; nothing half-imported."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plancal.errors import PlancalError
from plancal.intake.matching import UnitMatcher, period_words
from plancal.intake.submissions import import_records
from plancal.lifecycle.issuance import issue_file
from plancal.store import Store
from tests.helpers import write_plan
from tests.test_submission_history import BODY, PLAN

HEADER = ["STT", "Số, ký hiệu", "Ngày văn bản", "Ngày đến", "Cơ quan gửi", "Trích yếu"]
TODAY = date(2021, 7, 1)


@pytest.fixture
def plan(store: Store, tmp_path: Path) -> str:
    issue_file(store, write_plan(tmp_path / "plan", BODY))
    return PLAN


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


GOOD = [
    ["1", "12/BC-UBND", "15/06/2021", "16/06/2021", "UBND huyện A", "Báo cáo kết quả thực hiện Kế hoạch 6 tháng đầu năm 2021"],
    ["2", "30/BTN", "20/03/2021", "22/03/2021", "Báo Thử Nghiệm", "V/v gửi bài viết tuyên truyền tháng 3/2021"],
    ["3", "7/BC-UBND", "20/06/2021", "21/06/2021", "Uy ban nhan dan huyen B",
     "Báo cáo kết quả thực hiện kế hoạch 6 tháng đầu năm"],
    ["4", "99/SNV", "01/06/2021", "02/06/2021", "UBND huyện A", "Về việc tổ chức hội nghị cán bộ chủ chốt"],
]


def done(store: Store) -> dict[str, str]:
    return {f"{r.unit_id}/{r.period_key}": r.uid for r in store.occurrences(plan_id=PLAN, statuses=["done"])}


def test_unit_names_match_exactly_formally_and_without_diacritics(store: Store, plan: str) -> None:
    m = UnitMatcher(store.directory())
    assert m.match("UBND huyện A")[0].id == "huyen-a"  # type: ignore[union-attr]
    assert m.match("Ủy ban nhân dân huyện A")[0].id == "huyen-a"  # type: ignore[union-attr]
    assert m.match("uy ban nhan dan HUYEN  b")[0].id == "huyen-b"  # type: ignore[union-attr]
    unit, why = m.match("UBND huyện Z")
    assert unit is None and "UBND huyện Z" in why
    assert period_words("Báo cáo 6 tháng đầu năm 2023") == {"y2023", "h1"}
    assert period_words("Báo cáo quý II năm 2023") == {"y2023", "q2"}


def test_dry_run_previews_and_writes_nothing_then_import_records(store: Store, plan: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "so-den.csv", GOOD)
    preview = import_records(store, path, today=TODAY, dry_run=True)
    assert preview.dry_run and preview.recorded == 3
    by_line = {m.record.line: m for m in preview.matches}
    assert by_line[2].occurrence is not None and by_line[2].occurrence.period_key == "2021-H1"
    assert by_line[3].occurrence is not None and by_line[3].occurrence.period_key == "2021-03"
    assert by_line[4].occurrence is not None and by_line[4].occurrence.unit_id == "huyen-b"
    assert by_line[5].occurrence is None and by_line[5].unit is not None  # a known unit, another matter
    assert done(store) == {} and all(store.history(m.occurrence.uid) == [] for m in preview.matched if m.occurrence)
    result = import_records(store, path, today=TODAY)
    assert result.recorded == 3
    assert set(done(store)) == {"huyen-a/2021-H1", "bao/2021-03", "huyen-b/2021-H1"}
    sub = store.submission(done(store)["huyen-a/2021-H1"])
    assert sub is not None and sub.document_number == "12/BC-UBND" and sub.received == date(2021, 6, 16)
    assert sub.source == "import"
    assert import_records(store, path, today=TODAY).recorded == 0  # again: nothing new


def test_xlsx_with_dates_as_cells(store: Store, plan: str, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Số, ký hiệu", "Ngày đến", "Cơ quan gửi", "Trích yếu nội dung"])
    sheet.append(["12/BC-UBND", datetime(2021, 6, 16), "UBND huyện A", "Báo cáo kết quả 6 tháng đầu năm 2021"])
    path = tmp_path / "so-den.xlsx"
    book.save(path)
    assert import_records(store, path, today=TODAY).recorded == 1
    assert set(done(store)) == {"huyen-a/2021-H1"}


@pytest.mark.parametrize(("rows", "expected"), [
    ([GOOD[0], ["5", "1/X", "01/06/2021", "02/06/2021", "UBND huyện Z", "Báo cáo 6 tháng đầu năm 2021"]],
     ["so-den.csv:3 [Cơ quan gửi]", "UBND huyện Z"]),
    ([GOOD[0], GOOD[1], GOOD[0]], ["so-den.csv:4 [Số, ký hiệu]", "trùng với dòng 2"]),
    ([GOOD[1], ["2", "31/BTN", "20/05/2022", "22/05/2022", "Báo Thử Nghiệm", "Gửi bài viết tuyên truyền tháng 4/2021"]],
     ["so-den.csv:3 [received]", "sau hôm nay"]),
    ([GOOD[1], ["2", "31/BTN", "10/01/2021", "10/01/2021", "Báo Thử Nghiệm", "Gửi bài viết tuyên truyền tháng 1/2021"]],
     ["so-den.csv:3 [received]", "trước ngày ban hành kế hoạch"]),
    ([GOOD[1], ["2", "31/BTN", "31/02/2021", "31/02/2021", "Báo Thử Nghiệm", "Gửi bài viết"]],
     ["so-den.csv:3 [Ngày đến]", "không tồn tại"]),
])
def test_bad_rows_are_named_and_nothing_is_imported(store: Store, plan: str, tmp_path: Path, rows: list[list[str]],
                                                    expected: list[str]) -> None:
    path = write_csv(tmp_path / "so-den.csv", rows)
    with pytest.raises(PlancalError) as exc:
        import_records(store, path, today=TODAY)
    for text in expected:
        assert text in str(exc.value)
    assert done(store) == {}


def test_missing_columns_are_named(store: Store, plan: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "so-den.csv", [["x"]], header=["Số, ký hiệu", "Ngày đến"])
    with pytest.raises(PlancalError, match="Cơ quan gửi.*Trích yếu"):
        import_records(store, path, today=TODAY)


def test_the_command_prints_the_preview_in_vietnamese(plan: str, store: Store, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from plancal.cli import app

    monkeypatch.setenv("PLANCAL_DATABASE_URL", store.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COLUMNS", "200")
    path = write_csv(tmp_path / "so-den.csv", GOOD)
    result = CliRunner().invoke(app, ["submissions", "import", str(path), "--dry-run", "--today", "01/07/2021"])
    assert result.exit_code == 0, result.output
    assert "3 văn bản khớp, 1 không khớp" in result.output and "chưa ghi gì" in result.output
    assert done(store) == {}
    result = CliRunner().invoke(app, ["submissions", "import", str(path), "--today", "01/07/2021"])
    assert result.exit_code == 0 and "Đã ghi nhận 3 văn bản" in result.output
