"""Every status change is kept: pending → on time / late / missing / waived / cancelled, corrections kept,
impossible received dates refused in Vietnamese, nothing half-stored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from plancal.errors import StoreError
from plancal.lifecycle.issuance import issue_file
from plancal.store import Store, Submission, Transition
from tests.helpers import write_plan

BODY = """\
duties:
  - {id: gui-bai, what: Gửi bài viết tuyên truyền, who: [bao], to: snv, when: {every: month, day: 25, before: true}}
reports:
  - id: bao-cao
    what: Báo cáo kết quả thực hiện Kế hoạch
    to: snv
    deadlines: [{who: [{kind: district}], day: 18}]
"""
PLAN = "thu-nghiem"


@pytest.fixture
def plan_file(store: Store, tmp_path: Path) -> Path:
    path = write_plan(tmp_path / "plan", BODY)
    issue_file(store, path)
    return path


def march(store: Store) -> str:
    return store.find_occurrence(PLAN, "gui-bai", "bao", "2021-03").uid


def statuses(store: Store, uid: str) -> list[tuple[str | None, str]]:
    return [(h.previous, h.status) for h in store.history(uid)]


def test_on_time_then_a_correction_late_keeps_both(store: Store, plan_file: Path) -> None:
    uid = march(store)
    assert store.record_submission(Submission(uid, "bao", date(2021, 3, 20), "2 bài", "15/BC-BTN"), today=date(2021, 3, 22))
    assert not store.record_submission(Submission(uid, "bao", date(2021, 3, 20), "2 bài", "15/BC-BTN"),
                                       today=date(2021, 3, 22))
    assert store.record_submission(Submission(uid, "bao", date(2021, 3, 26), "2 bài", "16/BC-BTN"), today=date(2021, 3, 27))
    history = store.history(uid)
    assert [(h.previous, h.status) for h in history] == [("pending", "on_time"), ("on_time", "late")]
    assert history[0].document_number == "15/BC-BTN" and history[1].document_number == "16/BC-BTN"
    assert history[1].corrects == history[0].id
    row = store.find_occurrence(PLAN, "gui-bai", "bao", "2021-03")
    assert row.done_on == date(2021, 3, 26) and row.state(date(2021, 4, 1)) == "done_late"
    sub = store.submission(uid)
    assert sub is not None and sub.document_number == "16/BC-BTN"


def test_missing_is_recorded_once_then_a_late_submission(store: Store, plan_file: Path) -> None:
    uid = march(store)
    assert store.mark_missing(date(2021, 3, 30), plan_id=PLAN) >= 1
    first = statuses(store, uid)
    assert first == [("pending", "missing")]
    store.mark_missing(date(2021, 3, 31), plan_id=PLAN)
    assert statuses(store, uid) == first  # not twice
    store.record_submission(Submission(uid, "bao", date(2021, 4, 2)), today=date(2021, 4, 2))
    assert statuses(store, uid)[-1] == ("missing", "late")


def test_waive_needs_a_reason_and_stops_lateness(store: Store, plan_file: Path) -> None:
    uid = march(store)
    with pytest.raises(StoreError) as exc:
        store.waive(uid, "  ", today=date(2021, 3, 30))
    assert "lý do" in str(exc.value) and "[reason]" in str(exc.value)
    assert store.history(uid) == []
    assert store.waive(uid, "Báo tạm dừng xuất bản tháng 3", today=date(2021, 3, 30))
    assert not store.waive(uid, "lần nữa", today=date(2021, 3, 31))
    row = store.find_occurrence(PLAN, "gui-bai", "bao", "2021-03")
    assert row.state(date(2021, 5, 1)) == "waived"
    assert store.history(uid)[-1].status == Transition.WAIVED
    assert store.history(uid)[-1].reason == "Báo tạm dừng xuất bản tháng 3"
    assert uid not in {r.uid for r in store.occurrences(statuses=["open"])}


def test_reopen_returns_to_pending_and_keeps_the_submission_in_history(store: Store, plan_file: Path) -> None:
    uid = march(store)
    store.record_submission(Submission(uid, "bao", date(2021, 3, 20)), today=date(2021, 3, 20))
    assert store.reopen(uid, "ghi nhầm đơn vị", today=date(2021, 3, 21))
    assert statuses(store, uid) == [("pending", "on_time"), ("on_time", "pending")]
    assert store.submission(uid) is None
    assert store.find_occurrence(PLAN, "gui-bai", "bao", "2021-03").status == "open"


def test_an_amendment_that_drops_a_duty_records_cancelled(store: Store, plan_file: Path, tmp_path: Path) -> None:
    uid = store.find_occurrence(PLAN, "bao-cao", "huyen-a", "2021-H1").uid
    amended = write_plan(tmp_path / "plan", BODY.split("reports:")[0])
    issue_file(store, amended)
    assert statuses(store, uid) == [("pending", "cancelled")]
    with pytest.raises(StoreError, match="đã bị hủy"):
        store.record_submission(Submission(uid, "huyen-a", date(2021, 6, 10)), today=date(2021, 6, 10))
    issue_file(store, write_plan(tmp_path / "plan", BODY))  # reinstated
    assert statuses(store, uid)[-1] == ("cancelled", "pending")


def test_received_in_the_future_or_before_the_plan_is_refused(store: Store, plan_file: Path) -> None:
    uid = march(store)
    with pytest.raises(StoreError) as future:
        store.record_submission(Submission(uid, "bao", date(2021, 3, 25)), today=date(2021, 3, 24))
    assert "[received]" in str(future.value) and "sau hôm nay (24/03/2021)" in str(future.value)
    with pytest.raises(StoreError) as early:
        store.record_submission(Submission(uid, "bao", date(2021, 1, 10)), today=date(2021, 3, 24))
    assert "trước ngày ban hành kế hoạch" in str(early.value) and "15/01/2021" in str(early.value)
    assert store.history(uid) == [] and store.submission(uid) is None


def test_a_batch_with_one_bad_item_stores_nothing(store: Store, plan_file: Path) -> None:
    good = march(store)
    april = store.find_occurrence(PLAN, "gui-bai", "bao", "2021-04").uid
    with pytest.raises(StoreError) as exc:
        store.record_submissions([Submission(good, "bao", date(2021, 3, 20)), Submission(april, "bao", date(2022, 1, 1))],
                                 today=date(2021, 5, 1), file="so-den.csv", lines=[2, 3])
    assert "so-den.csv:3 [received]" in str(exc.value)
    assert store.history(good) == [] and store.find_occurrence(PLAN, "gui-bai", "bao", "2021-03").status == "open"
