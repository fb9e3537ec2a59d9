"""The coordinator's daily view: key columns first, links instead of keys, the week's and the late items
with the unit's contact, the status table as .xlsx."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from plancal import views
from plancal.lifecycle.issuance import issue_file
from plancal.settings import Settings
from plancal.store import Store
from tests.helpers import write_plan
from tests.test_submission_history import BODY, PLAN

TODAY = date(2021, 4, 21)  # a Wednesday


def test_dashboard_links_and_lists(store: Store, tmp_path: Path) -> None:
    issue_file(store, write_plan(tmp_path / "plan", BODY))
    md = views.dashboard_markdown(store, TODAY, ui_url="http://ui.test", feed_base_url="http://feeds.test")
    assert f"(http://ui.test/artifacts/key/{views.status_key(PLAN)})" in md
    assert "(http://ui.test/artifacts/key/due-this-week)" in md and "(http://ui.test/artifacts/key/late-all-plans)" in md
    assert f"(http://feeds.test/plans/{PLAN}/2021)" in md and "`" not in md
    late = views.late_all_markdown(store, TODAY)
    assert "[bao@tinh.gov.vn](mailto:bao@tinh.gov.vn)" in late and "| Đơn vị | Liên hệ | Quá hạn | Hạn | Kỳ |" in late
    week = views.week_markdown(store, TODAY)
    assert "25/04/2021" in week and "đến 25/04/2021" in week and "26/04/2021" not in week.split("\n", 1)[1]
    rows = views.status_rows(store, PLAN, TODAY)
    assert list(rows[0])[:2] == ["Đơn vị", "Nhiệm vụ"]


def test_a_plan_over_long_ago_is_a_record_not_a_list_of_late_units(store: Store, tmp_path: Path) -> None:
    """Issuing an ended plan today (the bring-up issues the 2017-2025 plans) must not fill the dashboard
    with "quá hạn": while the plan is watched its late items show; two months after its end, not."""
    issue_file(store, write_plan(tmp_path / "plan", BODY))
    plan = store.plan(PLAN)
    assert plan is not None
    watched = views.dashboard_markdown(store, plan.period_end)
    assert "## Đơn vị chậm nhiều nhất" in watched and "Kế hoạch đã kết thúc" not in watched
    later = views.dashboard_markdown(store, plan.period_end + timedelta(days=views.ENDED_AFTER_DAYS + 1))
    assert "Đơn vị chậm nhiều nhất" not in later and "Không có kế hoạch nào đang thực hiện." in later
    archived = later.split("## Kế hoạch đã kết thúc", 1)[1]
    assert plan.display_number in archived
    assert "0 việc quá hạn." in views.late_all_markdown(store, plan.period_end + timedelta(days=views.ENDED_AFTER_DAYS + 1))


def test_status_table_as_xlsx(store: Store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    issue_file(store, write_plan(tmp_path / "plan", BODY))
    settings = replace(Settings.from_env({}), home=tmp_path / "home")
    plan = store.plan(PLAN)
    assert plan is not None
    path = views.status_xlsx(store, settings, plan, TODAY)
    assert path.parent == settings.exports_dir
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    rows = views.status_rows(store, PLAN, TODAY)
    assert cells[1] == list(rows[0]) and len(cells) == len(rows) + 2
    assert cells[2][0] == rows[0]["Đơn vị"]
