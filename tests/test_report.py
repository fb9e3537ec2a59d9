"""The coordinator's view, the cascade of sub-unit plans, reporting windows and the simulated clock:
the core the flows call, tested without Prefect, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from plancal import views
from plancal.lifecycle import simulation
from plancal.lifecycle.issuance import issue_file
from plancal.lifecycle.stages import Stage, stages_for
from plancal.settings import Settings
from plancal.store import Store, Submission
from plancal.tracking import cascade
from plancal.tracking.windows import open_windows, windows
from tests.conftest import PLANS
from tests.helpers import write_plan

BODY = """\
sub_plans: {who: [{kind: district}], days: 20}
duties:
  - {id: gui-bai, what: Gửi bài viết tuyên truyền, who: [bao], to: snv, quota: {min: 2, unit: bài},
     when: {every: month, day: 25, before: true}}
reports:
  - id: bao-cao
    what: Báo cáo kết quả thực hiện Kế hoạch
    to: snv
    deadlines: [{who: [{kind: district}], day: 18}]
    consolidate: {who: ["@standing-agency"], day: 20}
"""


@pytest.fixture
def plan(store: Store, tmp_path: Path) -> str:
    issue_file(store, write_plan(tmp_path, BODY))
    return "thu-nghiem"


def submit(store: Store, plan_id: str, source: str, unit: str, period: str | None, received: date) -> None:
    row = store.find_occurrence(plan_id, source, unit, period)
    store.record_submission(Submission(row.uid, unit, received, ""))


def test_artifact_keys_are_lowercase_digits_and_dashes() -> None:
    assert views.artifact_key("ag-2021", "2021-H1", "Tình hình") == "ag-2021-2021-h1-tinh-hinh"
    assert views.artifact_key("Đài PT-TH", "đợt 1") == "dai-pt-th-dot-1"
    assert views.status_key("tn-2025-tuyen-truyen-thi-dua") == "tn-2025-tuyen-truyen-thi-dua-status"
    with pytest.raises(ValueError):
        views.artifact_key("—", "…")


def test_plan_file_label_names_a_run_even_for_a_broken_file(tmp_path: Path) -> None:
    assert views.plan_file_label(PLANS / "000-thuy-nguyen-2025.yaml") == "227/KH-UBND"
    assert views.plan_file_label(PLANS / "003-an-giang-2021.yaml") == "ag-2021-tuyen-truyen-dhtt"  # no number
    broken = tmp_path / "hong.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    assert views.plan_file_label(broken) == "hong.yaml"
    assert views.plan_file_label(tmp_path / "missing.yaml") == "missing.yaml"


def test_status_rows_count_on_time_late_missing_and_upcoming(store: Store, plan: str) -> None:
    submit(store, plan, "gui-bai", "bao", "2021-02", date(2021, 2, 20))  # on time (due 24/02)
    submit(store, plan, "gui-bai", "bao", "2021-03", date(2021, 3, 30))  # late (due 24/03)
    today = date(2021, 5, 1)  # January and April past due, not sent
    rows = views.status_rows(store, plan, today)
    bao = next(r for r in rows if r["Đơn vị"] == "Báo Thử Nghiệm")
    assert (bao["Đúng hạn"], bao["Muộn"], bao["Chưa nộp (quá hạn)"], bao["Chưa đến hạn"]) == (1, 1, 2, 8)
    assert str(bao["Nhiệm vụ"]).startswith("Gửi bài viết tuyên truyền (ít nhất 2 bài/tháng)")
    districts = [r for r in rows if r["Đơn vị"].startswith("UBND huyện")]  # type: ignore[union-attr]
    assert {str(r["Nhiệm vụ"]) for r in districts} >= {"Kế hoạch cấp dưới: Xây dựng và ban hành kế hoạch triển khai thực hiện"}

    capped = views.status_rows(store, plan, today, limit=3)
    assert len(capped) == 3 and str(capped[-1]["Đơn vị"]).startswith(f"… và {len(rows) - 2} dòng khác")
    assert capped[0]["Đơn vị"] == "Báo Thử Nghiệm"  # the most behind stay


def test_due_soon_and_late_lists(store: Store, plan: str) -> None:
    plan_row = store.plan(plan)
    assert plan_row is not None
    soon = views.due_soon_markdown(store, plan_row, date(2021, 3, 15))
    assert "Từ Thứ Hai, 15/03/2021 đến Chủ nhật, 28/03/2021" in soon and "24/03/2021" in soon
    late = views.late_markdown(store, plan_row, date(2021, 3, 1))
    lines = [line for line in late.splitlines() if line.startswith("| Báo")]
    assert [line.split("|")[5].strip() for line in lines] == ["36 ngày", "5 ngày"]  # longest delay first, counted from the limit
    assert "Không có việc nào đến hạn." in views.due_soon_markdown(store, plan_row, date(2022, 6, 1))


def test_sub_plan_status_and_inbox(store: Store, plan: str, tmp_path: Path) -> None:
    statuses = cascade.status(store, plan, date(2021, 2, 10))
    assert {s.unit_id for s in statuses} == {"huyen-a", "huyen-b"} and {s.state for s in statuses} == {"late"}
    inbox = tmp_path / "inbox"
    child = write_plan(inbox, header=f"""\
id: huyen-a-thu-nghiem
number: 3/KH-UBND
issuer: huyen-a
place: Huyện A
issued: 01/02/2021
title: Kế hoạch của huyện A
parent: {plan}
period: {{from: issue, to: 31/12/2021}}
standing_agency: huyen-a
units: []
recipients: ["@issuer", {{kind: commune, under: huyen-a}}]
""")
    assert cascade.pending_files(store, inbox) == [child]
    issued = issue_file(store, child)
    assert cascade.pending_files(store, inbox) == []
    place = cascade.attachment(store, issued.loaded)
    assert place is not None and place.expected and place.done_on == date(2021, 2, 1)
    first = cascade.status(store, plan, date(2021, 2, 10))
    assert [(s.unit_id, s.state, s.plan_number) for s in first] == [("huyen-b", "late", None),
                                                                   ("huyen-a", "done", "Kế hoạch số 3/KH-UBND ngày 01/02/2021")]
    assert "đã ban hành 1 (muộn 0), quá hạn 1" in views.sub_plan_summary(first)
    child.write_text(child.read_text(encoding="utf-8").replace("Kế hoạch của huyện A", "Kế hoạch sửa đổi"), encoding="utf-8")
    assert cascade.pending_files(store, inbox) == [child]  # amended: to be issued again
    (inbox / "hong.yaml").write_text("id: [\n", encoding="utf-8")
    assert (inbox / "hong.yaml") in cascade.pending_files(store, inbox)  # broken files are reported, not skipped


def test_reporting_windows_and_the_consolidated_report(store: Store, plan: str) -> None:
    found = windows(store, plan_id=plan)
    assert [w.period_key for w in found] == ["2021-H1", "2021"]
    h1 = found[0]
    assert h1.data_range == (date(2020, 12, 15), date(2021, 6, 14)) and h1.decree_09
    assert h1.deadline == date(2021, 6, 18) and h1.consolidation_due == date(2021, 6, 18)  # 20/6 is a Sunday: aim Friday
    assert h1.opens == date(2021, 6, 4) and h1.closes == date(2021, 6, 25)
    assert [w.period_key for w in open_windows(store, date(2021, 6, 3))] == []
    assert [w.period_key for w in open_windows(store, date(2021, 6, 4))] == ["2021-H1"]
    assert not h1.consolidating(date(2021, 6, 17)) and h1.consolidating(date(2021, 6, 18))

    submit(store, plan, "bao-cao", "huyen-a", "2021-H1", date(2021, 6, 17))
    submit(store, plan, "gui-bai", "bao", "2021-05", date(2021, 5, 20))
    text = views.consolidated_report(store, h1, date(2021, 6, 21))
    assert "# Báo cáo tổng hợp: Báo cáo kết quả thực hiện Kế hoạch 6 tháng đầu năm 2021" in text
    assert "Số liệu tính từ ngày 15/12/2020 đến ngày 14/06/2021 (Nghị định 09/2019/NĐ-CP)" in text
    assert "Đã nhận 1/2 báo cáo (đúng hạn 1, muộn 0); chưa nhận 1, trong đó quá hạn 1." in text
    assert "UBND huyện B." in text.split("## 3.")[1]
    duties = next(line for line in text.splitlines() if line.startswith("| Gửi bài viết"))
    # 15/12/2020-14/06/2021: the monthly articles of January to May; May's sent on time
    assert [c.strip() for c in duties.split("|")[2:7]] == ["5", "1", "0", "4", "0"]


def test_collection_rows_list_late_senders_first(store: Store, plan: str) -> None:
    h1 = windows(store, plan_id=plan)[0]
    submit(store, plan, "bao-cao", "huyen-b", "2021-H1", date(2021, 6, 20))
    rows = views.collection_rows(store, windows(store, plan_id=plan)[0], date(2021, 6, 21))
    assert [(r["Đơn vị"], r["Tình trạng"]) for r in rows] == [("UBND huyện A", "chưa nhận, quá hạn 3 ngày"),
                                                              ("UBND huyện B", "muộn 2 ngày")]
    assert h1.what == "Báo cáo kết quả thực hiện Kế hoạch"


def test_themes_and_dashboard(store: Store) -> None:
    issue_file(store, PLANS / "003-an-giang-2021.yaml")
    page = views.themes_markdown(store, date(2021, 4, 1))
    assert "Chào mừng ngày Giỗ Tổ Hùng Vương (mùng 10 tháng 3 âm lịch)" in page
    assert "Thứ Tư, 21/04/2021" in page  # Giỗ Tổ 2021 falls on 21 April
    assert views.has_themes(store, date(2021, 4, 1)) and not views.has_themes(store, date(2022, 4, 1))
    board = views.dashboard_markdown(store, date(2021, 6, 10), run_label="reminders 2021-06-10")
    assert board.startswith("# Tổng quan thực hiện kế hoạch — ngày 10 tháng 6 năm 2021")
    row = next(line for line in board.splitlines() if line.startswith("| Kế hoạch ngày 01/03/2021"))
    late = sum(1 for r in store.occurrences(plan_id="ag-2021-tuyen-truyen-dhtt") if r.state(date(2021, 6, 10)) == "late")
    assert row.split("|")[3].strip() == str(late) and "đang thực hiện" in row
    assert [p.id for p in views.current_plans(store, date(2021, 6, 10))] == ["ag-2021-tuyen-truyen-dhtt"]
    assert views.current_plans(store, date(2022, 3, 2)) == []  # two months after its end


def test_simulated_responses_are_deterministic_and_mixed(store: Store, plan: str, tmp_path: Path) -> None:
    rows = store.occurrences(plan_id=plan, kinds=["duty", "report", "sub_plan", "consolidation"])
    first = date(2021, 1, 15)
    days = [simulation.response_day(r, first) for r in rows]
    assert days == [simulation.response_day(r, first) for r in rows]
    assert all(d is None or d >= first for d in days)
    on_time = sum(1 for r, d in zip(rows, days, strict=True) if d is not None and d <= max(r.due_effective, first))
    assert 0 < on_time < len(rows) and any(d is None for d in days)
    day = next(d for d in days if d is not None)
    answers = simulation.responses(store, day, first, [plan])
    assert answers and all(a.day == day for a in answers)

    settings = Settings.from_env({"PLANCAL_HOME": str(tmp_path)})
    first_due = min(r.due_effective for r in rows if r.source_id == "gui-bai")
    assert Stage.REMINDERS in stages_for(store, settings, first_due - timedelta(days=7))
    assert Stage.SEMIANNUAL_REPORTS in stages_for(store, settings, date(2021, 6, 10))
    assert stages_for(store, settings, date(2021, 6, 2)) == []  # nothing that day
