"""Plan 004 (Kiên Giang, 40/KH-UBND of 17/3/2017): media quotas and the contest chain."""

from __future__ import annotations

from datetime import date, timedelta

from tests.helpers import SourcePlan

SOURCE = SourcePlan("004-kien-giang-2017.yaml")
PLAN = SOURCE.path
loaded, occurrences, of = SOURCE.loaded, SOURCE.occurrences, SOURCE.of


def test_plan_identity() -> None:
    plan = loaded().plan
    assert (plan.number, plan.issued, plan.end) == ("40/KH-UBND", date(2017, 3, 17), date(2017, 12, 31))


def test_quarterly_15_minute_tv_programme() -> None:
    found = of("duty", "dai-chuong-trinh-hoa-dep-cuoc-song")
    assert [o.due_stated for o in found] == [date(2017, 3, 31), date(2017, 6, 30), date(2017, 9, 30),
                                             date(2017, 12, 31)]
    assert [o.period_key for o in found] == ["2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"]
    assert all(o.unit_id == "kg-dai-ptth" and o.quota == "1 chương trình 15 phút" for o in found)
    assert "Hoa đẹp cuộc sống" in found[0].title


def test_quarter_ends_on_a_weekend_aim_at_the_friday_before() -> None:
    # (they used to move to the next quarter, 02/10/2017 and 02/01/2018: issue 9)
    found = {o.due_stated: o.due_effective for o in of("duty", "dai-chuong-trinh-hoa-dep-cuoc-song")}
    assert found[date(2017, 9, 30)] == date(2017, 9, 29)  # Saturday → Friday
    assert found[date(2017, 12, 31)] == date(2017, 12, 29)  # Sunday → Friday, still in 2017
    assert found[date(2017, 3, 31)] == date(2017, 3, 31)


def test_newspaper_page_twice_a_month_from_the_month_of_issue() -> None:
    found = of("duty", "bao-kg-chuyen-trang")
    assert [o.period_key for o in found] == [f"2017-{m:02d}" for m in range(3, 13)]
    assert all(o.unit_id == "kg-bao-kien-giang" and o.quota == "2 kỳ" for o in found)


def test_tv_segment_once_a_month() -> None:
    found = of("duty", "dai-chuyen-muc-tdkt")
    assert len(found) == 10 and all(o.quota == "1 kỳ" for o in found)


def test_contest_district_round_then_province_round() -> None:
    district = of("duty", "hoi-thi-cap-huyen")
    province = of("duty", "hoi-thi-cap-tinh")
    assert {o.unit_id for o in district} == set(loaded().directory.of_kind("district"))
    [organiser] = province
    assert organiser.unit_id == "kg-so-noi-vu"
    assert all(organiser.due_stated == o.due_stated + timedelta(days=45) for o in district)
    assert all(o.due_stated == organiser.due_stated for o in of("duty", "hoi-thi-cap-tinh-du-thi"))
    assert "Cán bộ thi đua giỏi" in organiser.title


def test_standing_agency_sums_up_at_year_end() -> None:
    [summary] = of("duty", "snv-tong-hop-cuoi-nam")
    assert (summary.unit_id, summary.to_unit_id) == ("kg-so-noi-vu", "kg-ubnd-tinh")
    assert summary.due_stated == date(2017, 12, 31)


def test_nothing_is_due_before_the_plan_is_issued() -> None:
    assert min(o.due_stated for o in occurrences() if o.kind != "theme") >= loaded().plan.issued



def test_unit_ids_carry_the_plan_prefix() -> None:
    for u in loaded().directory:
        assert u.id.startswith("kg-") or u.kind == "central", u.id
        assert u.emails, u.id

