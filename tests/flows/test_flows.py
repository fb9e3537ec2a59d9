"""The lifecycle flows under the session's Prefect test harness: what each run sends, writes and
publishes, that a rerun for the same day sends and creates nothing twice, and how runs are named
and tagged. Expectations come from the core planners (plancal.reminder) and the store, never from
hard-coded counts."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from flows.conferences import conferences
from flows.export_calendars import export_calendars
from flows.issue_plan import issue_plan
from flows.monthly_themes import monthly_themes
from flows.record_submission import SubmissionForm, record_submission
from flows.reminders import reminders
from flows.runtime import open_context
from flows.semiannual_reports import semiannual_reports
from flows.sub_unit_plans import sub_unit_plans
from plancal import mail, views
from plancal.draft.drafter import draft_document
from plancal.errors import PlanError
from plancal.feeds.names import unit_feed_name
from plancal.lifecycle.issuance import check_file
from plancal.settings import Settings
from plancal.store import Store, Submission
from plancal.tracking.windows import windows
from tests.conftest import PLANS
from tests.flows.conftest import artifacts_of, flow_run_of, outbox, plan_path
from tests.helpers import SEEDS

AG = "ag-2021-tuyen-truyen-dhtt"
ND = "nd-2020-hoi-nghi-dhtt"
QNG = "qng-2022-2025-tuyen-truyen-dhtt"


def the_store(settings: Settings) -> Store:
    """The store the flows of this test use (closed when the test ends, see the ``home`` fixture)."""
    return open_context(settings).store


def test_issue_plan_stores_notifies_exports_and_publishes(home: Settings) -> None:
    day = date(2021, 3, 1)
    state = issue_plan(plan_path("003"), today=day, return_state=True)
    assert state.is_completed(), state.message
    store = the_store(home)

    expected = mail.plan_notices(store, home, day, AG)
    assert expected and len(outbox(home, "notice")) == len({letter.recipient for letter in expected})
    units = store.unit_rows()
    for name in ["public.ics", f"plans/{AG}.ics", *(unit_feed_name(u.feed_token) for u in units)]:
        assert (home.calendar_dir / name).is_file(), name

    run = flow_run_of(state)
    assert run.name == f"issue {AG}"  # plan 003 has no number: its id names the run
    assert f"plan:{AG}" in run.tags
    found = artifacts_of(state)
    assert {views.status_key(AG), views.due_soon_key(AG), views.late_key(AG), views.DASHBOARD_KEY} <= set(found)
    rows = json.loads(found[views.status_key(AG)].data)
    assert {r["Đơn vị"] for r in rows} >= {"Báo An Giang", "Đài Phát thanh - Truyền hình An Giang"}
    # issued 1 March for the whole year: nothing is owed for January and February (issue 9), ten months to come
    bao = [r for r in rows if r["Đơn vị"] == "Báo An Giang"]
    assert sum(r["Chưa nộp (quá hạn)"] for r in bao) == 0 and sum(r["Chưa đến hạn"] for r in bao) == 10

    files = {p: p.read_bytes() for p in home.calendar_dir.rglob("*.ics")}
    again = issue_plan(plan_path("003"), today=day, return_state=True)
    assert again.is_completed()
    assert again.result() == {"plan": AG, "occurrences": len(store.occurrences(plan_id=AG)), "added": 0, "changed": 0,
                              "cancelled": 0, "mail_sent": 0, "feeds_written": 0}
    assert len(outbox(home, "notice")) == len({letter.recipient for letter in expected})
    assert {p: p.read_bytes() for p in home.calendar_dir.rglob("*.ics")} == files


def test_invalid_plan_fails_the_run_with_the_cli_message_and_stores_nothing(home: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    shutil.copytree(PLANS / "units", folder / "units")
    text = Path(plan_path("003")).read_text(encoding="utf-8").replace("who: [ag-bao-an-giang]", "who: [ag-bao-angiang]")
    bad = folder / "003-typo.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as raised:
        check_file(bad)  # what `plancal check` and `plancal issue` print

    state = issue_plan(str(bad), today=date(2021, 3, 1), return_state=True)
    assert state.is_failed()
    assert str(raised.value) in state.message
    assert "ag-bao-angiang" in state.message and "ag-bao-an-giang" in state.message  # names the fix
    assert flow_run_of(state).name == f"issue {AG}"
    assert the_store(home).plans() == []
    assert outbox(home) == []


def test_a_document_is_drafted_for_review_and_never_issued(home: Settings, tmp_path: Path) -> None:
    seed = next(SEEDS.glob("004_*.txt"))
    document = tmp_path / "ke-hoach-40.txt"
    shutil.copy(seed, document)
    drafted = draft_document(document)

    state = issue_plan(str(document), today=date(2017, 3, 20), return_state=True)
    assert state.is_failed()
    assert "bản nháp" in state.message and "cần xem lại" in state.message
    written = home.home / "drafts" / "ke-hoach-40.yaml"
    assert written.read_text(encoding="utf-8") == drafted.yaml_text
    found = artifacts_of(state)
    review = found[views.artifact_key("draft", document.stem)].data
    assert f"Cần xem lại ({len(drafted.review)} câu)" in review and drafted.yaml_text.splitlines()[0] in review
    assert the_store(home).plans() == [] and outbox(home) == []


def test_a_sub_unit_plan_in_the_inbox_is_attached_to_its_parent(home: Settings) -> None:
    assert issue_plan(plan_path("002"), today=date(2020, 1, 10), return_state=True).is_completed()
    inbox = PLANS / "sub"
    child = check_file(next(inbox.glob("*.yaml")), the_store(home)).plan
    assert child.parent == ND

    state = sub_unit_plans(today=date(2020, 2, 12), inbox=str(inbox), return_state=True)
    assert state.is_completed(), state.message
    assert [Path(p).name for p in state.result()["issued"]] == [f.name for f in sorted(inbox.glob("*.yaml"))]
    store = the_store(home)
    row = next(r for r in store.occurrences(plan_id=ND, kinds=["sub_plan"]) if r.unit_id == child.issuer)
    assert (row.status, row.done_on) == ("done", child.issued)

    table = json.loads(artifacts_of(state)[views.sub_plans_key(ND)].data)
    names = {u.id: u.name for u in store.unit_rows()}
    mine = next(r for r in table if r["Đơn vị"] == names[child.issuer])
    assert mine["Kế hoạch cấp dưới"] == child.display_number and mine["Tình trạng"] == "đã hoàn thành"
    late = [r for r in table if r["Tình trạng"].startswith("quá hạn")]
    assert len(late) == len(table) - 1  # on 12/02/2020 everyone else is past the deadline
    assert f"plan:{ND}" in flow_run_of(state).tags

    again = sub_unit_plans(today=date(2020, 2, 12), inbox=str(inbox), return_state=True)
    assert again.result()["issued"] == []  # unchanged files are not issued again


def test_monthly_themes_go_out_once_on_the_first(home: Settings) -> None:
    issue_plan(plan_path("003"), today=date(2021, 3, 1))
    day = date(2021, 4, 1)
    expected = mail.monthly_themes(the_store(home), home, day)
    state = monthly_themes(today=day, return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["sent"] == len(expected) > 0
    assert len(outbox(home, "themes")) == len(expected)
    assert flow_run_of(state).name == "monthly themes 2021-04"
    page = artifacts_of(state)[views.THEMES_KEY].data
    assert "Chủ đề tuyên truyền tháng 4/2021" in page
    assert "21/04/2021" in page and "Giỗ Tổ Hùng Vương" in page  # 10/3 lunar, 2021

    assert monthly_themes(today=date(2021, 4, 2)).get("sent") == 0  # the catch-up day finds it sent
    assert len(outbox(home, "themes")) == len(expected)


def test_conferences_send_preparation_steps_once_pilot_first(home: Settings) -> None:
    issue_plan(plan_path("002"), today=date(2020, 1, 10))
    day = date(2020, 1, 10)
    expected = mail.conference_steps(the_store(home), home, day)
    state = conferences(today=day, return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["sent"] == len(expected) > 0
    page = artifacts_of(state)[views.conferences_key(ND)].data
    first = page.split("\n## ")[1]
    assert first.startswith("1. ") and "hội nghị điểm" in first and "Hương Lộc" in first
    assert "Tổ chức sau hội nghị điểm" in page.split("\n## ")[2]
    assert conferences(today=day)["sent"] == 0


def test_semiannual_reports_call_collect_and_consolidate(home: Settings) -> None:
    issue_plan(plan_path("001"), today=date(2022, 12, 30))
    store = the_store(home)
    window = next(w for w in windows(store) if w.period_key == "2023-H1")

    quiet = semiannual_reports(today=date(2023, 3, 1), return_state=True)  # no reporting window is open
    assert quiet.is_completed() and quiet.result() == {"day": "2023-03-01", "windows": [], "sent": 0}
    assert artifacts_of(quiet) == {}

    calls = mail.report_calls(store, home, window.opens)
    state = semiannual_reports(today=window.opens, return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["sent"] == len(calls) > 0
    found = artifacts_of(state)
    assert views.collection_key(window) in found and views.consolidated_key(window) not in found

    first = window.reports[0]
    store.record_submission(Submission(first.uid, first.unit_id or "", first.due_effective, ""))
    state = semiannual_reports(today=window.deadline, return_state=True)
    found = artifacts_of(state)
    draft = found[views.consolidated_key(window)].data
    assert f"Đã nhận 1/{len(window.reports)} báo cáo (đúng hạn 1, muộn 0)" in draft
    assert "15/12/2022" in draft and "14/06/2023" in draft  # Decree 09/2019 cut-offs
    assert semiannual_reports(today=window.opens)["sent"] == 0


def test_reminders_send_each_digest_once_and_name_the_run(home: Settings) -> None:
    issue_plan(plan_path("003"), today=date(2021, 3, 1))
    store = the_store(home)
    day = next(date(2021, 4, d) for d in range(1, 31) if mail.digests(store, home, date(2021, 4, d)))
    expected = (mail.digests(store, home, day) + mail.escalations(store, home, day)
                + mail.weekly_summaries(store, home, day) + mail.catch_up_letters(store, home, day))
    state = reminders(today=day, return_state=True)
    assert state.is_completed(), state.message
    assert sum(state.result()["sent"].values()) == len(expected) > 0
    assert len(outbox(home, "digest", day)) == len(mail.digests(store, home, day))
    run = flow_run_of(state)
    assert run.name == f"reminders {day.isoformat()}" and f"plan:{AG}" in run.tags
    assert views.DASHBOARD_KEY in artifacts_of(state)

    again = reminders(today=day)
    assert sum(again["sent"].values()) == 0
    assert len(outbox(home, day=day)) == len(expected)


def test_record_submission_marks_the_duty_done_and_updates_the_feed(home: Settings) -> None:
    issue_plan(plan_path("003"), today=date(2021, 3, 1))
    store = the_store(home)
    unit = next(u for u in store.unit_rows() if u.id == "ag-bao-an-giang")
    feed = home.calendar_dir / unit_feed_name(unit.feed_token)
    before = feed.read_bytes()
    form = SubmissionForm(plan=AG, unit=unit.id, duty="bao-an-giang-bai-viet", period="2021-04",
                          received=date(2021, 4, 28), note="2 bài")
    state = record_submission(form=form, today=date(2021, 4, 28), return_state=True)
    assert state.is_completed(), state.message
    assert flow_run_of(state).name == "submission ag-bao-an-giang bao-an-giang-bai-viet 2021-04"
    row = store.find_occurrence(AG, "bao-an-giang-bai-viet", unit.id, "2021-04")
    assert (row.status, row.done_on) == ("done", date(2021, 4, 28))
    assert state.result()["late_days"] == (date(2021, 4, 28) - row.due_effective).days > 0
    assert feed.read_bytes() != before and "[Đã xong]" in feed.read_text(encoding="utf-8")
    rows = json.loads(artifacts_of(state)[views.status_key(AG)].data)
    assert next(r for r in rows if r["Đơn vị"] == unit.name and "bài viết" in r["Nhiệm vụ"])["Muộn"] == 1

    assert record_submission(form=form, today=date(2021, 4, 28))["changed"] is False
    wrong = record_submission(form=form.model_copy(update={"plan": "khong-co"}), return_state=True)
    assert wrong.is_failed() and "không có kế hoạch 'khong-co'" in (wrong.message or "")
    typo = record_submission(form=form.model_copy(update={"duty": "bao-an-giang-bai-vet"}), today=date(2021, 4, 28),
                             return_state=True)
    assert typo.is_failed() and "[duty]" in (typo.message or "") and "bao-an-giang-bai-viet" in (typo.message or "")


def test_export_calendars_rewrites_only_what_changed(home: Settings) -> None:
    issue_plan(plan_path("003"), today=date(2021, 3, 1))
    assert export_calendars(today=date(2021, 3, 2))["written"] == 0
    store = the_store(home)
    row = store.find_occurrence(AG, "bao-an-giang-bai-viet", "ag-bao-an-giang", "2021-03")
    store.record_submission(Submission(row.uid, "ag-bao-an-giang", date(2021, 3, 20), ""))
    result = export_calendars(today=date(2021, 3, 20))
    # the unit's own feed and the plan's feed carry the duty; nobody else's
    assert result["written"] == 2 and result["removed"] == 0
