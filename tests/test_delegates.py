"""Conferences of plan 002 (Nam Đông 2020): each level in its window with the pilot first, preparation
before the conference, the official name and agenda in the notice, and delegate lists checked against
the plan's rules — one list that passes and one that breaks each rule in turn."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plancal.errors import PlancalError
from plancal.intake.delegates import COLUMNS, Rule, check_file, share
from plancal.lifecycle.issuance import issue_file
from plancal.mail.composition import render
from plancal.mail.planners.conferences import CONFERENCE_NOTICE_DAYS, conference_steps
from plancal.plans.loading import load_plan
from plancal.schedule.occurrence import Kind
from plancal.settings import Settings
from plancal.store import Store
from tests.conftest import PLANS
from tests.helpers import SourcePlan

PLAN_FILE = PLANS / "002-nam-dong-2020.yaml"
ND = "nd-2020-hoi-nghi-dhtt"
P002 = SourcePlan("002-nam-dong-2020.yaml")
HEADER = ",".join(COLUMNS.values())


def delegate_list(tmp_path: Path, *, exemplars: int, heroes: int = 0, guests: int, presidium_honoured: int,
                  presidium_guests: int, name: str = "dai-bieu.csv") -> Path:
    """A list: the first ``presidium_honoured`` honoured delegates and the first ``presidium_guests``
    guests sit in the presidium."""
    lines = [HEADER]
    for i in range(heroes):
        lines.append(f"Anh hùng {i},Xã Hương Lộc,Anh hùng,{'có' if i < presidium_honoured else ''}")
    for i in range(exemplars):
        mark = "x" if heroes + i < presidium_honoured else ""
        lines.append(f"Điển hình {i},Xã Thượng Nhật,điển hình tiên tiến,{mark}")
    for i in range(guests):
        lines.append(f"Khách {i},UBND huyện,Khách mời,{'Có' if i < presidium_guests else 'không'}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def broken(tmp_path: Path, **counts: int) -> set[Rule]:
    result = check_file(load_plan(PLAN_FILE), "hoi-nghi-cap-huyen", delegate_list(tmp_path, **counts))
    return {b.rule for b in result.breaches}


def test_a_list_within_every_rule_passes(tmp_path: Path) -> None:
    # 200 delegates, 70% honoured (10 heroes), presidium of 9 with 3 honoured
    result = check_file(load_plan(PLAN_FILE), "hoi-nghi-cap-huyen",
                        delegate_list(tmp_path, exemplars=130, heroes=10, guests=60, presidium_honoured=3,
                                      presidium_guests=6))
    assert result.passed, result.breaches
    assert (len(result.delegates), result.honoured, len(result.presidium)) == (200, 140, 9)
    assert result.lines()[-1] == "Danh sách đáp ứng các quy định của kế hoạch."


def test_each_rule_broken_in_turn(tmp_path: Path) -> None:
    # cap: 301 delegates (300 at most), the shares kept
    assert broken(tmp_path, exemplars=211, guests=90, presidium_honoured=3, presidium_guests=6) == {Rule.CAP}
    # share of exemplars: 60% (about 70%, 5 points of tolerance)
    assert broken(tmp_path, exemplars=60, guests=40, presidium_honoured=3, presidium_guests=6) == {Rule.EXEMPLAR_SHARE}
    # 65% is "about 70%"
    assert broken(tmp_path, exemplars=65, guests=35, presidium_honoured=3, presidium_guests=6) == set()
    # presidium size: 12 (11 at most), a third honoured
    assert broken(tmp_path, exemplars=70, guests=30, presidium_honoured=4, presidium_guests=8) == {Rule.PRESIDIUM_SIZE}
    # presidium share: 2 of 9 honoured (a third at least)
    assert broken(tmp_path, exemplars=70, guests=30, presidium_honoured=2, presidium_guests=7) == {Rule.PRESIDIUM_SHARE}
    # no presidium marked at all
    assert broken(tmp_path, exemplars=70, guests=30, presidium_honoured=0, presidium_guests=0) == {Rule.PRESIDIUM_SHARE}


def test_the_report_says_which_rule_and_by_how_much(tmp_path: Path) -> None:
    result = check_file(load_plan(PLAN_FILE), "hoi-nghi-cap-huyen",
                        delegate_list(tmp_path, exemplars=151, guests=150, presidium_honoured=2, presidium_guests=10))
    text = "\n".join(result.lines())
    assert "Danh sách chưa đáp ứng 4 quy định:" in text
    assert "- Số lượng đại biểu: có 301 đại biểu, vượt mức tối đa 300 (thừa 1)" in text
    assert "151/301 = 50%, kế hoạch quy định khoảng 70% (khách mời khoảng 30%)" in text
    assert "- Số lượng Đoàn Chủ tịch: có 12 người, vượt mức không quá 11 người" in text
    assert "có 2/12 người là anh hùng, chiến sĩ thi đua, điển hình tiên tiến, kế hoạch quy định ít nhất 1/3" in text


def test_the_commune_conference_has_no_cap(tmp_path: Path) -> None:
    result = check_file(load_plan(PLAN_FILE), "hoi-nghi-cap-xa",
                        delegate_list(tmp_path, exemplars=280, guests=120, presidium_honoured=4, presidium_guests=7))
    assert result.passed


def test_bad_rows_and_unknown_conference_are_named(tmp_path: Path) -> None:
    path = tmp_path / "sai.csv"
    path.write_text(f"{HEADER}\nA,Xã X,điển hình tiên tiến,có\nB,Xã X,phóng viên,\nA,Xã X,khách mời,\n"
                    "C,Xã X,khách mời,chắc\n", encoding="utf-8")
    with pytest.raises(PlancalError) as err:
        check_file(load_plan(PLAN_FILE), "hoi-nghi-cap-huyen", path)
    assert [(p.line, p.field) for p in err.value.problems] == [(3, "Thành phần"), (4, None), (5, "Đoàn Chủ tịch")]
    with pytest.raises(PlancalError, match="hoi-nghi-cap-xa, hoi-nghi-cap-huyen"):
        check_file(load_plan(PLAN_FILE), "dai-hoi", path)
    assert (share("1/3"), share("30%"), share("0,5")) == (Fraction(1, 3), Fraction(3, 10), Fraction(1, 2))
    with pytest.raises(PlancalError, match="một phần ba"):
        share("một phần ba")


def test_cli_delegates_check_exits_1_when_a_rule_breaks(tmp_path: Path) -> None:
    from plancal.cli import app

    runner = CliRunner()
    good = delegate_list(tmp_path, exemplars=70, guests=30, presidium_honoured=3, presidium_guests=6, name="a.csv")
    r = runner.invoke(app, ["delegates", "check", "--plan", str(PLAN_FILE), "--conference", "hoi-nghi-cap-huyen", str(good)])
    assert r.exit_code == 0, r.output
    assert "đáp ứng các quy định" in r.output
    bad = delegate_list(tmp_path, exemplars=50, guests=50, presidium_honoured=3, presidium_guests=6, name="b.csv")
    r = runner.invoke(app, ["delegates", "check", "--plan", str(PLAN_FILE), "--conference", "hoi-nghi-cap-huyen", str(bad)])
    assert r.exit_code == 1
    assert "Tỉ lệ đại biểu điển hình tiên tiến" in r.output


def test_each_level_in_its_window_pilot_first_preparation_before() -> None:
    occ = P002.occurrences()
    communes = [o for o in occ if o.kind == Kind.CONFERENCE and o.source_id == "hoi-nghi-cap-xa"]
    district = [o for o in occ if o.kind == Kind.CONFERENCE and o.source_id == "hoi-nghi-cap-huyen"]
    pilot = [o for o in communes if o.pilot]
    assert [o.unit_id for o in pilot] == ["nd-xa-huong-loc"]
    assert len(communes) > 1 and len(district) == 1
    # Q1/2020 for the communes, the pilot first; Q2/2020 for the district
    assert all(date(2020, 1, 1) <= o.due_effective <= date(2020, 3, 31) for o in communes)
    assert all(pilot[0].due_effective < o.window_start for o in communes if not o.pilot)
    assert date(2020, 4, 1) <= district[0].window_start and district[0].due_effective <= date(2020, 6, 30)
    preps = [o for o in occ if o.kind == Kind.PREPARATION]
    by_uid = {o.uid: o for o in [*communes, *district]}
    assert preps and all(p.conference_uid in by_uid for p in preps)
    assert all(p.due_effective < by_uid[p.conference_uid or ""].due_effective for p in preps)
    milestones = {p.source_id for p in preps if p.conference_uid == district[0].uid}
    assert {"hoi-nghi-cap-huyen.phan-bo-dai-bieu", "hoi-nghi-cap-huyen.phe-duyet-kinh-phi",
            "hoi-nghi-cap-huyen.hoi-truong-thiet-bi"} <= milestones


def test_the_conference_notice_shows_the_official_name_and_agenda(store: Store) -> None:
    issue_file(store, PLAN_FILE)
    settings = Settings.from_env({})
    district = next(o for o in store.occurrences(plan_id=ND, kinds=[Kind.CONFERENCE]) if o.unit_id == "nd-ubnd-huyen")
    first_step = min(p.due_effective for p in store.occurrences(plan_id=ND, kinds=[Kind.PREPARATION])
                     if p.conference_uid == district.uid)
    letters = [x for x in conference_steps(store, settings, first_step - timedelta(days=CONFERENCE_NOTICE_DAYS))
               if x.context["conference"].title.startswith("Hội nghị tuyên dương điển hình tiên tiến huyện")]
    assert letters
    rendered = render(letters[0], settings)
    name = "Hội nghị tuyên dương điển hình tiên tiến huyện Nam Đông lần thứ IV (2020 - 2025)"
    assert name in rendered.subject and name in rendered.text and name in rendered.html
    agenda = load_plan(PLAN_FILE).plan.conferences[1].agenda
    for i, item in enumerate(agenda, 1):
        assert f"{i}. {item}" in rendered.text
        assert item in rendered.html
