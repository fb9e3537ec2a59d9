"""Plan 002 (Nam Đông, 12/KH-UBND of 10/01/2020): conferences and their preparation."""

from __future__ import annotations

from datetime import date

from plancal.schedule.occurrence import Occurrence
from tests.helpers import SourcePlan

SOURCE = SourcePlan("002-nam-dong-2020.yaml")
PLAN = SOURCE.path
loaded, occurrences, of = SOURCE.loaded, SOURCE.occurrences, SOURCE.of


def prep(name: str, unit_id: str) -> Occurrence:
    [occ] = [o for o in of("preparation", f"hoi-nghi-cap-huyen.{name}") if o.unit_id == unit_id]
    return occ


def test_plan_identity() -> None:
    plan = loaded().plan
    assert (plan.number, plan.issued) == ("12/KH-UBND", date(2020, 1, 10))
    assert plan.standing_agency == "nd-phong-noi-vu"


def test_each_commune_holds_one_conference_within_the_first_quarter() -> None:
    communes = of("conference", "hoi-nghi-cap-xa")
    assert sorted(o.unit_id for o in communes) == sorted(loaded().directory.of_kind("commune", "nd-ubnd-huyen"))
    assert len(communes) == len({o.unit_id for o in communes}) == 8
    for o in communes:
        assert o.due_stated <= date(2020, 3, 31) and o.due_effective <= date(2020, 3, 31)
        assert "1/2 ngày" in o.detail and "70%" in o.detail and "30%" in o.detail


def test_huong_loc_pilot_comes_first() -> None:
    communes = of("conference", "hoi-nghi-cap-xa")
    pilot = communes[0]
    assert (pilot.unit_id, pilot.pilot) == ("nd-xa-huong-loc", True)
    assert pilot.title == "Hội nghị tuyên dương điển hình tiên tiến xã Hương Lộc (2020 - 2025)"
    others = communes[1:]
    assert not any(o.pilot for o in others)
    assert all(pilot.due_effective < o.window_start and pilot.due_effective < o.due_stated for o in others)
    assert all(o.due_stated == date(2020, 3, 31) for o in others)


def test_pilot_on_a_saturday_aims_at_friday() -> None:
    # (it used to move to Monday, into the other communes' window: issue 9)
    pilot = of("conference", "hoi-nghi-cap-xa")[0]
    assert pilot.due_stated.weekday() == 5
    assert pilot.due_effective.weekday() == 4 and pilot.due_effective < pilot.due_stated
    assert pilot.shifted and pilot.date_source == "agency"  # the pilot's half of the quarter is the engine's


def test_district_conference_in_the_second_quarter() -> None:
    [conf] = of("conference", "hoi-nghi-cap-huyen")
    assert conf.unit_id == "nd-ubnd-huyen"
    assert conf.window_start == date(2020, 4, 1) and conf.due_stated == date(2020, 6, 30)
    assert conf.title == "Hội nghị tuyên dương điển hình tiên tiến huyện Nam Đông lần thứ IV (2020 - 2025)"
    assert "tối đa 300 đại biểu" in conf.detail
    assert "khoảng 70%" in conf.detail and "khoảng 30%" in conf.detail
    assert "không quá 11 người, 1/3" in conf.detail
    assert "10. Tổng kết và bế mạc" in conf.detail and "1. Chào cờ" in conf.detail
    assert "nd-xa-huong-loc" in conf.audience and "nd-tinh-ban-tdkt" in conf.audience


def test_district_conference_follows_every_commune_conference() -> None:
    [conf] = of("conference", "hoi-nghi-cap-huyen")
    assert all(o.due_effective < conf.window_start for o in of("conference", "hoi-nghi-cap-xa"))


def test_preparation_of_the_district_conference() -> None:
    [conf] = of("conference", "hoi-nghi-cap-huyen")
    hall = [prep("hoi-truong-thiet-bi", u) for u in ("nd-phong-vhtt", "nd-ttvhttt")]
    estimate = prep("du-tru-kinh-phi", "nd-phong-vhtt")
    proposal = prep("de-nghi-kinh-phi", "nd-phong-noi-vu")
    approval = prep("phe-duyet-kinh-phi", "nd-phong-tckh")
    media = prep("tuyen-truyen-hoi-nghi", "nd-ttvhttt")
    assert estimate.to_unit_id == "nd-phong-noi-vu"
    assert proposal.to_unit_id == "nd-phong-tckh"
    assert approval.to_unit_id == "nd-ubnd-huyen"
    assert estimate.due_effective <= proposal.due_effective <= approval.due_effective < conf.due_effective
    assert all(h.due_effective < conf.due_effective for h in hall)
    assert media.due_effective < conf.due_effective
    assert "Hội trường" in hall[0].title and "kinh phí" in estimate.title


def test_sub_plans_for_offices_and_communes() -> None:
    units = {o.unit_id for o in of("sub_plan")}
    assert {"nd-xa-huong-loc", "nd-tt-khe-tre", "nd-phong-vhtt", "nd-ttvhttt"} <= units
    assert all(o.due_stated == date(2020, 2, 9) for o in of("sub_plan"))  # 30 days after issue



def test_unit_ids_carry_the_plan_prefix_and_communes_are_communes() -> None:
    directory = loaded().directory
    assert all(u.id.startswith("nd-") and u.emails for u in directory)
    assert directory["nd-xa-huong-loc"].kind == "commune"

