"""Obligations a clerk would sign (issue 9): nothing owed before the plan, the aim never past the stated
limit, no shift out of the period, nothing owed upward, nobody owing itself, and who set each date."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from plancal.feeds.rendering import deadline_text
from plancal.lifecycle.issuance import issue_file
from plancal.plans.loading import load_plan
from plancal.schedule.expansion import expand
from plancal.schedule.occurrence import ACTIONABLE, DateSource, Kind, Occurrence, Relation, State
from plancal.store import Store, Submission
from plancal.tracking.status import late, matrix
from plancal.vn.workdays import WorkCalendar
from tests.helpers import SourcePlan, write_plan

ROOT = Path(__file__).resolve().parents[1]
P000, P001, P002, P003, P004 = (SourcePlan(n) for n in (
    "000-thuy-nguyen-2025.yaml", "001-quang-ngai-2022-2025.yaml", "002-nam-dong-2020.yaml",
    "003-an-giang-2021.yaml", "004-kien-giang-2017.yaml"))
WORK = WorkCalendar()


def _of(plan: SourcePlan, source_id: str, unit_id: str | None = None) -> list[Occurrence]:
    return [o for o in plan.occurrences() if o.source_id == source_id and (unit_id is None or o.unit_id == unit_id)]


# -- rule 1: nothing owed before the plan existed -----------------------------------------------------
def test_003_owes_nothing_for_january_and_february() -> None:
    issued = P003.loaded().plan.issued
    assert issued == date(2021, 3, 1)
    bao = _of(P003, "bao-an-giang-bai-viet", "ag-bao-an-giang")
    assert [o.period_key for o in bao][:1] == ["2021-03"] and len(bao) == 10
    assert not [o for o in P003.occurrences() if o.due_stated < issued]
    # the passed themes and anniversaries are not shown either (3/2 Party anniversary, Tết)
    assert not [o for o in P003.occurrences() if o.kind in (Kind.THEME, Kind.ANNIVERSARY) and o.due_effective < issued]


def test_amendment_adds_no_period_that_ended_before_the_amendment(store: Store, tmp_path: Path) -> None:
    body = "duties:\n  - {id: a, what: Việc A, who: [bao], to: snv, when: {every: month}}\n"
    first = write_plan(tmp_path, body)
    issue_file(store, first)
    added = body + "  - {id: b, what: Việc B, who: [bao], to: snv, when: {every: month}}\n"
    amended = write_plan(tmp_path, added.replace("duties:", "amended: 10/05/2021\nduties:"))
    issue_file(store, amended)
    b = [r for r in store.occurrences(plan_id="thu-nghiem") if r.source_id == "b"]
    a = [r for r in store.occurrences(plan_id="thu-nghiem") if r.source_id == "a"]
    assert min(r.due_stated for r in b) == date(2021, 5, 31)  # not January..April
    assert min(r.due_stated for r in a) == date(2021, 1, 31)  # the original duty keeps its periods


# -- rule 2: aim and legal limit ----------------------------------------------------------------------
def test_003_before_the_25th_aims_at_the_last_working_day_before_a_weekend() -> None:
    bao = {o.period_key: o for o in _of(P003, "bao-an-giang-bai-viet", "ag-bao-an-giang")}
    for key, aim in (("2021-04", date(2021, 4, 23)), ("2021-07", date(2021, 7, 23)), ("2021-10", date(2021, 10, 22))):
        occ = bao[key]
        assert occ.due_stated == date(aim.year, aim.month, 24)
        assert occ.due_effective == aim and occ.due_limit == occ.due_stated


def test_submission_on_the_stated_last_day_is_on_time(store: Store) -> None:
    issue_file(store, P003.path)
    row = store.find_occurrence(P003.loaded().plan.id, "bao-an-giang-bai-viet",
                                "ag-bao-an-giang", "2021-04")
    assert row.state(date(2021, 4, 24)) == State.OPEN  # after the aim, on the limit: not late yet
    assert row.state(date(2021, 4, 25)) == State.LATE
    store.record_submission(Submission(row.uid, "ag-bao-an-giang", date(2021, 4, 24)))
    done = store.find_occurrence(P003.loaded().plan.id, "bao-an-giang-bai-viet", "ag-bao-an-giang", "2021-04")
    assert done.state(date(2021, 5, 1)) == State.DONE


def test_civil_code_grace_extends_the_limit_only_when_asked(tmp_path: Path) -> None:
    body = ("defaults: {grace: civil-code-148}\nduties:\n"
            "  - {id: a, what: Việc A, who: [bao], to: snv, when: {every: month, day: 25, before: true}}\n"
            "  - {id: b, what: Việc B, who: [bao], to: snv, when: {every: year}}\n"
            "  - {id: c, what: Việc C, who: [bao], to: snv, when: {on: 26/04/2021, before: true, grace: none}}\n")
    occ = {(o.source_id, o.period_key): o for o in expand(load_plan(write_plan(tmp_path, body)))}
    april = occ[("a", "2021-04")]
    assert (april.due_stated, april.due_effective, april.due_limit) == \
        (date(2021, 4, 24), date(2021, 4, 23), date(2021, 4, 26))
    year = occ[("b", "2021")]  # 31/12/2021 is a Friday: nothing to extend
    assert year.due_limit == year.due_stated == date(2021, 12, 31)
    one_off = occ[("c", "once")]  # "trước ngày 26/04/2021": the 25th (Sunday) is the last day
    assert (one_off.due_stated, one_off.due_effective, one_off.due_limit) == \
        (date(2021, 4, 25), date(2021, 4, 23), date(2021, 4, 25))


def test_conference_window_ending_on_a_holiday_stays_inside_it(tmp_path: Path) -> None:
    body = """\
    conferences:
      - {id: xa, title: Hội nghị cấp xã, level: xã, held_by: [{kind: commune}], within: {from: 01/04/2021, to: 30/04/2021}}
      - {id: huyen, title: Hội nghị cấp huyện, level: huyện, held_by: [{kind: district}], within: 5/2021,
         preparation: [{id: bc, what: Báo cáo, who: ["@holder"], days_before: 9}]}
    """
    occ = expand(load_plan(write_plan(tmp_path, body)))
    xa = [o for o in occ if o.source_id == "xa"]
    assert xa and all(o.due_stated == date(2021, 4, 30) and o.due_effective == date(2021, 4, 29) for o in xa)
    huyen = [o for o in occ if o.source_id == "huyen"]
    assert all(o.due_effective == date(2021, 5, 31) for o in huyen)
    prep = [o for o in occ if o.kind == Kind.PREPARATION]
    # 31/5 - 9 days = Saturday 22/5: aim Friday 21/5; an agency's offset
    assert prep and all(o.due_stated == date(2021, 5, 22) and o.due_effective == date(2021, 5, 21) for o in prep)
    assert all(o.date_source == DateSource.AGENCY for o in prep)


# -- rule 3: a shift never leaves the period -------------------------------------------------------------
def test_004_year_end_duty_is_due_in_2017() -> None:
    (occ,) = _of(P004, "snv-tong-hop-cuoi-nam")
    assert occ.due_stated == date(2017, 12, 31) and occ.due_effective == date(2017, 12, 29)


def test_001_2023_quotas_are_due_in_2023() -> None:
    for occ in [o for o in P001.occurrences() if o.period_key == "2023" and o.actionable]:
        assert occ.due_effective.year == 2023 and occ.due_limit.year == 2023, occ.title


# -- rule 4: down, not up -------------------------------------------------------------------------------------
def test_000_congresses_are_milestones_shown_to_the_district() -> None:
    outside = {"tn-ubnd-tp", "hd-tdkt-tw"}
    assert not [o for o in P000.occurrences() if o.unit_id in outside]
    milestones = [o for o in P000.occurrences() if o.kind == Kind.MILESTONE]
    assert {o.source_id for o in milestones} == {"dai-hoi-thi-dua-thanh-pho-x", "dai-hoi-thi-dua-toan-quoc-xi"}
    # the city's bodies are the successors of the district's from 1/7/2025 (plans/units/thuy-nguyen.yaml): they
    # see the plan's milestones then as its units; outside bodies never do
    successors = {u.successor for u in P000.loaded().directory if u.successor}
    for ms in milestones:
        assert ms.unit_id is None and not ms.actionable and not ms.escalatable
        assert "tn-phong-noi-vu" in ms.audience and not (outside - successors) & set(ms.audience)
    assert Kind.MILESTONE not in ACTIONABLE


def test_requests_are_tracked_but_never_late(store: Store) -> None:
    issue_file(store, P001.path)
    plan_id = P001.loaded().plan.id
    today = date(2024, 3, 1)
    mttq = [r for r in store.occurrences(plan_id=plan_id, unit_id="qng-ubmttq") if r.kind in ACTIONABLE]
    assert mttq and all(r.relation == Relation.REQUESTED and not r.escalatable for r in mttq)
    past = [r for r in mttq if r.due_limit < today]
    assert past and all(r.state(today) == State.AWAITED for r in past)
    assert not [i for i in late(store, today, plan_id=plan_id) if i.row.unit_id == "qng-ubmttq"]
    assert matrix(store, plan_id, today)["qng-ubmttq"]["bao-cao-ket-qua"]["awaited"] > 0
    # assigned units are still late
    assert [i for i in late(store, today, plan_id=plan_id) if i.row.relation == Relation.ASSIGNED]


def test_relation_is_derived_from_the_directory(tmp_path: Path) -> None:
    units = tmp_path / "units.yaml"
    body = "duties:\n  - {id: a, what: Việc A, who: [bao, tw], when: {on: 01/06/2021}}\n"
    path = write_plan(tmp_path, body)
    units.write_text(units.read_text(encoding="utf-8") +
                     '  - {id: tw, name: "Ban Thi đua - Khen thưởng Trung ương", kind: central}\n', encoding="utf-8")
    rel = {o.unit_id: o.relation for o in expand(load_plan(path))}
    assert rel == {"bao": Relation.ASSIGNED, "tw": Relation.REQUESTED}


# -- rule 5: the standing agency does not owe itself ---------------------------------------------------
@pytest.mark.parametrize("plan", [P000, P001, P004], ids=["000", "001", "004"])
def test_standing_agency_owes_nothing_to_itself(plan: SourcePlan) -> None:
    agency = plan.loaded().plan.standing_agency
    assert not [o for o in plan.occurrences() if o.unit_id and o.unit_id == o.to_unit_id]
    assert not [o for o in plan.occurrences() if o.kind == Kind.SUB_PLAN and o.unit_id == agency]


# -- rule 6: who set the date -----------------------------------------------------------------------------
def test_provenance_of_dates() -> None:
    assert all(o.date_source == DateSource.AGENCY for o in P000.occurrences() if o.kind == Kind.SUB_PLAN)
    assert all(o.date_source == DateSource.PLAN for o in _of(P003, "bao-an-giang-bai-viet"))
    assert all(o.date_source == DateSource.AGENCY for o in _of(P003, "snv-tong-hop-gui-tw"))
    assert all(o.date_source == DateSource.AGENCY for o in P002.occurrences() if o.kind == Kind.PREPARATION)
    reports = [o for o in P001.occurrences() if o.kind in (Kind.REPORT, Kind.CONSOLIDATION)]
    assert reports and all(o.date_source == DateSource.AGENCY for o in reports)  # 17/18/20: not in the text
    assert deadline_text(date(2021, 4, 24), date(2021, 4, 23), "plan") == \
        "23/04/2021 (hạn cuối 24/04/2021 là ngày nghỉ; theo kế hoạch)"
    assert deadline_text(date(2021, 7, 18), date(2021, 7, 18), "agency") == \
        "18/07/2021 (do cơ quan thường trực ấn định)"


# -- every plan, its whole period ---------------------------------------------------------------------------
def _all_plans() -> list[Path]:
    return sorted((ROOT / "plans").glob("*.yaml")) + sorted((ROOT / "plans" / "sub").glob("*.yaml"))


@pytest.mark.parametrize("path", _all_plans(), ids=lambda p: p.stem)
def test_every_plan_keeps_its_obligations_honest(path: Path) -> None:
    loaded = load_plan(path)
    plan, directory = loaded.plan, loaded.directory
    work = WorkCalendar(plan.holidays.extra_off, plan.holidays.extra_work)
    occs = expand(loaded)
    assert occs
    inside = {plan.issuer, *directory.descendants(plan.issuer)}
    grace_asked = plan.defaults.grace == "civil-code-148" or plan.defaults.shift == "next" or any(
        d.when.grace == "civil-code-148" or d.when.shift == "next" for d in plan.duties)
    for o in occs:
        assert o.due_effective <= o.due_stated, o
        if o.due_limit != o.due_stated:
            assert grace_asked and not work.is_working_day(o.due_stated), o
            assert o.due_limit > o.due_stated and work.is_working_day(o.due_limit), o
            assert all(not work.is_working_day(o.due_stated + timedelta(days=n))
                       for n in range((o.due_limit - o.due_stated).days)), o
        assert o.due_stated >= plan.issued, o
        if o.actionable:
            assert o.unit_id in inside or o.relation == Relation.REQUESTED, o
            assert o.due_effective <= plan.end or o.kind in (Kind.REPORT, Kind.CONSOLIDATION), o
        assert o.unit_id is None or o.unit_id != o.to_unit_id, o
