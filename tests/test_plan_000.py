"""Plan 000 (Thủy Nguyên, 227/KH-UBND of 31/10/2024): dates taken from the text of the plan."""

from __future__ import annotations

from datetime import date

from tests.helpers import SourcePlan

SOURCE = SourcePlan("000-thuy-nguyen-2025.yaml")
PLAN = SOURCE.path
loaded, occurrences, of = SOURCE.loaded, SOURCE.occurrences, SOURCE.of


def test_period_runs_from_issue_to_the_end_of_2025() -> None:
    plan = loaded().plan
    assert plan.number == "227/KH-UBND"
    assert plan.issued == date(2024, 10, 31)
    # III.1 "Từ khi ban hành Kế hoạch đến hết năm 2025."
    assert (plan.start, plan.end) == (date(2024, 10, 31), date(2025, 12, 31))
    assert plan.standing_agency == "tn-phong-noi-vu"


def test_70th_anniversary_of_the_liberation_of_hai_phong_is_a_peak() -> None:
    [occ] = of("anniversary", "giai-phong-hai-phong")
    assert occ.due_stated == date(2025, 5, 13)
    assert occ.title.startswith("70 năm Ngày Giải phóng Hải Phòng")
    assert loaded().registry["giai-phong-hai-phong"].count(2025) == 70
    assert occ.peak


def test_11_june_2025_is_a_peak() -> None:
    on_the_day = [o for o in occurrences() if o.due_stated == date(2025, 6, 11)]
    assert [o.source_id for o in on_the_day] == ["loi-keu-goi-thi-dua"]
    assert on_the_day[0].peak
    assert "Lời kêu gọi thi đua ái quốc" in on_the_day[0].title


def test_only_the_two_dates_of_the_plan_are_peaks() -> None:
    assert sorted(o.due_stated for o in occurrences() if o.peak) == [date(2025, 5, 13), date(2025, 6, 11)]


def test_every_commune_and_district_office_makes_its_own_plan() -> None:
    subs = of("sub_plan")
    directory = loaded().directory
    expected = set(directory.of_kind("commune", "tn-ubnd-huyen")) | set(directory.of_kind("department", "tn-ubnd-huyen"))
    expected.discard("tn-phong-noi-vu")  # the standing agency receives the plans; it does not owe itself one
    assert {o.unit_id for o in subs} == expected
    assert "tn-xa-thuy-son" in expected and "tn-phong-vhtt" in expected
    assert all(o.to_unit_id == "tn-phong-noi-vu" for o in subs)


def test_sub_plan_deadline_on_a_saturday_aims_at_friday() -> None:
    # 30 days after 31/10/2024 (a deployment setting) is Saturday 30/11/2024. (It used to move to Monday
    # 2/12, past the limit: issue 9.)
    for occ in of("sub_plan"):
        assert occ.due_stated == occ.due_limit == date(2024, 11, 30)
        assert occ.due_effective == date(2024, 11, 29)
        assert occ.shifted and occ.date_source == "agency"


def test_section_iv_duties_reach_their_units() -> None:
    units = {(o.source_id, o.unit_id) for o in [*of("duty"), *of("ongoing")]}
    assert ("noi-vu-chi-dao-trien-khai", "tn-phong-noi-vu") in units
    assert ("vhtt-chuyen-muc", "tn-phong-vhtt") in units and ("vhtt-chuyen-muc", "tn-ttvhttt") in units
    assert ("tckh-kinh-phi", "tn-phong-tckh") in units
    assert ("ban-tuyen-giao-dinh-huong", "tn-ban-tuyen-giao") in units
    assert ("mttq-giam-sat", "tn-ubmttq") in units and ("mttq-giam-sat", "tn-huyen-doan") in units
    assert ("xa-dai-phat-thanh", "tn-tt-nui-deo") in units


def test_congresses_city_x_and_national_xi_in_2025() -> None:
    # milestones the plan leads up to, not conferences of the city and the central council (issue 9)
    assert not of("conference")
    titles = {o.source_id: o.title for o in of("milestone")}
    assert "lần thứ X -" in titles["dai-hoi-thi-dua-thanh-pho-x"]
    assert "toàn quốc lần thứ XI" in titles["dai-hoi-thi-dua-toan-quoc-xi"]
    assert all(date(2025, 1, 1) <= o.window_start and o.due_stated == date(2025, 12, 31) for o in of("milestone"))


def test_standing_duties_are_ongoing_never_due() -> None:
    # "thường xuyên" duties with no time in the text: shown for the whole period, never reminded, never late
    ongoing = of("ongoing", "mttq-giam-sat")
    assert ongoing and all(not o.actionable for o in ongoing)
    # the district Fatherland Front and organisations end on 30/06/2025 (units/thuy-nguyen.yaml), no successor
    assert all((o.window_start, o.due_stated) == (date(2024, 10, 31), date(2025, 6, 30)) for o in ongoing)


def test_nothing_falls_outside_the_plan() -> None:
    plan = loaded().plan
    assert all(plan.start <= o.due_stated <= plan.end for o in occurrences())



def test_unit_ids_carry_the_plan_prefix() -> None:
    for u in loaded().directory:
        assert u.id.startswith("tn-") or u.kind == "central", u.id
        assert u.emails, u.id

