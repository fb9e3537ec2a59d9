"""Plan 003 (An Giang 2021): dates taken from the text of the plan."""

from __future__ import annotations

from datetime import date

from plancal.schedule.occurrence import Occurrence
from tests.helpers import SourcePlan

SOURCE = SourcePlan("003-an-giang-2021.yaml")
PLAN = SOURCE.path
loaded, occurrences, of = SOURCE.loaded, SOURCE.occurrences, SOURCE.of


def anniversary(key: str) -> Occurrence:
    found = [o for o in occurrences() if o.kind == "anniversary" and o.source_id == key]
    assert len(found) == 1, f"{key}: {len(found)} occurrences"
    return found[0]


def test_plan_covers_2021() -> None:
    plan = loaded().plan
    assert (plan.start, plan.end) == (date(2021, 1, 1), date(2021, 12, 31))
    assert plan.standing_agency == "ag-so-noi-vu"


def test_party_anniversary_is_the_91st_on_3_february_and_passed_before_the_plan() -> None:
    ann = loaded().registry["thanh-lap-dang"]
    assert ann.date_in(2021) == date(2021, 2, 3)
    assert ann.title(2021).startswith("91 năm Ngày thành lập Đảng")
    # issued 01/03/2021: the anniversary had passed and is not shown (issue 9)
    assert not [o for o in occurrences() if o.kind == "anniversary" and o.source_id == "thanh-lap-dang"]


def test_gio_to_hung_vuong_falls_on_21_april_2021() -> None:
    occ = anniversary("gio-to-hung-vuong")
    assert occ.due_stated == date(2021, 4, 21)
    assert "10 tháng 3 âm lịch" in occ.detail


def test_bao_an_giang_sends_articles_before_the_25th_every_month() -> None:
    found = [o for o in occurrences() if o.unit_id == "ag-bao-an-giang" and o.kind == "duty"]
    assert len(found) == 10  # issued 01/03/2021: nothing for January and February
    assert [o.due_stated for o in found] == [date(2021, m, 24) for m in range(3, 13)]
    assert all(o.to_unit_id == "ag-so-noi-vu" and o.quota == "2 bài" for o in found)


def test_a_deadline_on_a_saturday_aims_at_friday() -> None:
    # (it used to move to Monday 26/04, past the limit: issue 9)
    april = next(o for o in occurrences() if o.unit_id == "ag-bao-an-giang" and o.period_key == "2021-04")
    assert april.due_stated == april.due_limit == date(2021, 4, 24)  # Saturday
    assert april.due_effective == date(2021, 4, 23)

