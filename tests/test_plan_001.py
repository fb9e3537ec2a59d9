"""Plan 001 (Quảng Ngãi 2022-2025): dates and quotas taken from the text of the plan."""

from __future__ import annotations

from collections import Counter
from datetime import date

from tests.helpers import SourcePlan

SOURCE = SourcePlan("001-quang-ngai-2022-2025.yaml")
PLAN = SOURCE.path
loaded, occurrences, of = SOURCE.loaded, SOURCE.occurrences, SOURCE.of
REPORTING_PERIODS = ["2023-H1", "2023", "2024-H1", "2024", "2025-H1", "2025"]


def test_issue_date_is_after_decision_1526_and_the_plan_runs_to_2025() -> None:
    plan = loaded().plan
    assert plan.number is None
    assert plan.issued > date(2022, 12, 9)  # Quyết định 1526/QĐ-TTg ngày 09/12/2022
    assert plan.end == date(2025, 12, 31)
    assert any("1526/QĐ-TTg" in b for b in plan.basis)


def test_semiannual_and_annual_reports_for_2023_to_2025() -> None:
    reports = of("report")
    assert sorted({o.period_key for o in reports}) == sorted(REPORTING_PERIODS)
    for year in (2023, 2024, 2025):
        half = [o for o in reports if o.period_key == f"{year}-H1"]
        full = [o for o in reports if o.period_key == f"{year}"]
        assert half and full
        assert all(f"15/12/{year - 1}" in o.detail and f"14/06/{year}" in o.detail for o in half)
        assert all(f"15/12/{year - 1}" in o.detail and f"14/12/{year}" in o.detail for o in full)
        assert all(o.due_stated.month == 6 for o in half) and all(o.due_stated.month == 12 for o in full)
    assert all(o.to_unit_id == "qng-so-noi-vu" for o in reports)


def test_every_district_department_and_organisation_reports_each_period() -> None:
    directory = loaded().directory
    reporters = (set(directory.of_kind("district")) | set(directory.of_kind("department"))
                 | set(directory.of_kind("mass-organisation")) | {"qng-ubmttq"}) - {"qng-so-noi-vu"}  # not to itself
    counts = Counter(o.unit_id for o in of("report"))
    assert set(counts) == reporters
    assert set(counts.values()) == {len(REPORTING_PERIODS)}
    # Deployment deadlines: provincial agencies on the 17th, districts on the 18th.
    assert {o.due_stated.day for o in of("report") if o.unit_id == "qng-h-binh-son"} == {18}
    assert {o.due_stated.day for o in of("report") if o.unit_id == "qng-so-y-te"} == {17}


def test_standing_agency_consolidates_for_the_provincial_committee_after_the_units() -> None:
    consolidations = of("consolidation")
    assert [o.period_key for o in consolidations] == REPORTING_PERIODS
    for c in consolidations:
        assert (c.unit_id, c.to_unit_id) == ("qng-so-noi-vu", "qng-ubnd-tinh")
        assert c.due_stated.day == 20
        assert all(o.due_effective <= c.due_effective for o in of("report") if o.period_key == c.period_key)


def test_a_report_deadline_on_a_sunday_aims_at_friday() -> None:
    # (it used to move to Monday 19/6, past the limit: issue 9)
    [occ] = [o for o in of("report") if o.unit_id == "qng-h-binh-son" and o.period_key == "2023-H1"]
    assert occ.due_stated == occ.due_limit == date(2023, 6, 18)  # Sunday
    assert occ.due_effective == date(2023, 6, 16)


def test_at_least_15_exemplars_a_year_to_the_central_board() -> None:
    found = of("duty", "gui-ban-tdkt-tw-hang-nam")
    assert [o.due_stated for o in found] == [date(2023, 12, 31), date(2024, 12, 31), date(2025, 12, 31)]
    for o in found:
        assert o.unit_id == "qng-so-noi-vu" and o.to_unit_id == "ban-tdkt-tw"
        assert o.quota is not None and o.quota.startswith("ít nhất 15")
        assert "ít nhất 15" in o.title


def test_yearly_quotas_per_level() -> None:
    found = of("duty", "nhan-rong-dien-hinh-hang-nam")
    quota = {o.unit_id: o.quota for o in found}
    assert quota["qng-h-binh-son"] == "ít nhất 5-7 điển hình tập thể, cá nhân"  # the plan's own words
    assert quota["qng-xa-binh-chau"] == "ít nhất 2 điển hình tập thể, cá nhân"
    assert quota["qng-so-y-te"] == "ít nhất 1-2 điển hình tập thể, cá nhân"
    assert quota["qng-ubmttq"] == "ít nhất 1-2 điển hình tập thể, cá nhân"
    assert {o.period_key for o in found} == {"2023", "2024", "2025"}


def test_two_to_three_exemplars_every_month_province_wide() -> None:
    found = of("duty", "tuyen-truyen-2-3-dien-hinh-thang")
    assert len(found) == 36
    assert found[0].due_stated == date(2023, 1, 31) and found[-1].due_stated == date(2025, 12, 31)
    assert all(o.unit_id == "qng-so-noi-vu" and o.quota is not None and o.quota.startswith("từ 2-3") for o in found)


def test_monthly_introductions_to_the_provincial_board() -> None:
    found = [o for o in of("duty", "gioi-thieu-dien-hinh-hang-thang") if o.unit_id == "qng-tx-duc-pho"]
    assert len(found) == 36
    assert all(o.to_unit_id == "qng-so-noi-vu" for o in found)


def test_at_least_one_exchange_event_a_year_per_unit() -> None:
    counts = Counter(o.unit_id for o in of("duty", "giao-luu-ton-vinh-hang-nam"))
    assert counts["qng-h-ly-son"] == 3 and counts["qng-so-tttt"] == 3 and counts["qng-hoi-lhpn"] == 3
    assert all(o.quota == "ít nhất 1 lần" for o in of("duty", "giao-luu-ton-vinh-hang-nam"))


def test_yearly_inspection_by_the_council_and_the_board() -> None:
    found = of("duty", "doan-kiem-tra-hang-nam")
    assert Counter(o.unit_id for o in found) == {"qng-hd-tdkt": 3, "qng-so-noi-vu": 3}


def test_75th_anniversary_of_the_call_to_emulation_on_11_june_2023() -> None:
    [ann] = of("anniversary", "loi-keu-goi-thi-dua")
    assert ann.due_stated == date(2023, 6, 11) and ann.peak
    assert ann.title.startswith("75 năm")
    [duty] = of("duty", "ton-vinh-75-nam-loi-keu-goi")
    assert duty.due_stated == date(2023, 6, 11)  # Sunday: due the working day before
    assert duty.due_effective == date(2023, 6, 9)


def test_eighth_provincial_emulation_congress_in_2025() -> None:
    [congress] = of("conference", "dai-hoi-thi-dua-tinh-viii")
    assert congress.unit_id == "qng-ubnd-tinh"
    assert "lần thứ VIII" in congress.title
    assert date(2025, 1, 1) <= congress.window_start and congress.due_stated == date(2025, 12, 31)
    [prep] = of("preparation")
    assert prep.unit_id == "qng-so-noi-vu" and prep.due_effective < congress.due_effective


def test_nothing_is_due_before_the_plan_is_issued() -> None:
    plan = loaded().plan
    assert min(o.due_stated for o in occurrences() if o.kind != "theme") > plan.issued



def test_unit_ids_carry_the_plan_prefix() -> None:
    directory = loaded().directory
    for u in directory:
        assert u.id.startswith("qng-") or u.kind == "central", u.id
        assert u.emails, u.id
    assert directory.of_kind("commune", "qng-h-ly-son") == []  # huyện Lý Sơn has no commune level

