"""The register of exemplars and the quotas measured from it, on plan 001's rules (Quảng Ngãi 2022-2025):
"2-3 a month" and "at least 15 a year" province-wide, "5-7 per district", "at least 2 per commune",
"1-2 per department"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plancal.errors import PlancalError
from plancal.intake.exemplars import COLUMNS, Checker, Entry, add_one, import_register
from plancal.intake.stored import stored_plan
from plancal.lifecycle.issuance import issue_file
from plancal.store import Exemplar, Store
from plancal.tracking.quotas import attainment
from tests.conftest import PLANS

PLAN = "qng-2022-2025-tuyen-truyen-dhtt"
HEADER = ",".join(COLUMNS.values())


@pytest.fixture
def plan001(store: Store) -> str:
    issue_file(store, PLANS / "001-quang-ngai-2022-2025.yaml")
    return PLAN


def write_csv(tmp_path: Path, lines: list[str], name: str = "dien-hinh.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def e(unit: str, day: date, n: int = 1, field: str = "Nông nghiệp") -> list[Exemplar]:
    return [Exemplar(PLAN, f"Điển hình {unit} {day:%d%m} số {i}", i % 2 == 0, unit, field, day, "số 1/BC")
            for i in range(n)]


def test_csv_import_stores_every_row_with_fields_of_the_plan(store: Store, plan001: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path, [
        "Hợp tác xã Nông nghiệp Nghĩa Hà,tập thể,qng-xa-nghia-ha,nông nghiệp,15/03/2023,số 12/BC-UBND",
        # a unit by its name, a field in another case, an ISO date
        "Nguyễn Văn A,Cá nhân,Sở Y tế tỉnh Quảng Ngãi,Y TẾ,2023-04-02,",
    ])
    entries = import_register(store, plan001, path, date(2023, 5, 1))
    assert [(x.unit_id, x.field, x.collective) for x in entries] == [
        ("qng-xa-nghia-ha", "Nông nghiệp", True), ("qng-so-y-te", "Y tế", False)]
    stored = store.exemplars(plan001)
    assert [x.name for x in stored] == ["Hợp tác xã Nông nghiệp Nghĩa Hà", "Nguyễn Văn A"]
    assert stored[0].source_document == "số 12/BC-UBND"
    assert store.exemplars(plan001, unit_id="qng-so-y-te")[0].introduced == date(2023, 4, 2)
    # importing the same file again: every row is a duplicate, nothing more is stored
    with pytest.raises(PlancalError) as err:
        import_register(store, plan001, path, date(2023, 5, 1))
    assert [p.line for p in err.value.problems] == [2, 3]
    assert "đã có trong sổ" in err.value.problems[0].message
    assert len(store.exemplars(plan001)) == 2


def test_bad_rows_are_named_and_nothing_is_stored(store: Store, plan001: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path, [
        "Đúng,tập thể,qng-xa-nghia-ha,Nông nghiệp,15/03/2023,",              # 2: right
        "Sai đơn vị,tập thể,qng-xa-khong-co,Nông nghiệp,15/03/2023,",         # 3: unknown unit
        "Đúng,tập thể,qng-xa-nghia-ha,Nông nghiệp,15/03/2023,",              # 4: duplicate of 2
        "Ngoài kỳ,cá nhân,qng-so-y-te,Y tế,15/03/2026,",                      # 5: after the plan
        "Lĩnh vực lạ,cá nhân,qng-so-y-te,Du lịch,15/03/2023,",                # 6: not a field of the plan
        "Loại lạ,hộ gia đình,qng-so-y-te,Y tế,15/03/2023,",                   # 7: neither tập thể nor cá nhân
        "Tương lai,cá nhân,qng-so-y-te,Y tế,20/05/2023,",                     # 8: after today
    ])
    with pytest.raises(PlancalError) as err:
        import_register(store, plan001, path, date(2023, 5, 1))
    where = [(p.line, p.field) for p in err.value.problems]
    assert where == [(3, "Đơn vị"), (4, None), (5, "Ngày giới thiệu"), (6, "Lĩnh vực"), (7, "Loại"),
                     (8, "Ngày giới thiệu")]
    assert "dòng 2" in err.value.problems[1].message
    assert all(p.file == str(path) for p in err.value.problems)
    assert store.exemplars(plan001) == []


def test_missing_column_is_named(store: Store, plan001: str, tmp_path: Path) -> None:
    path = tmp_path / "thieu.csv"
    path.write_text("Tên điển hình,Loại,Đơn vị\nA,tập thể,qng-so-y-te\n", encoding="utf-8")
    with pytest.raises(PlancalError) as err:
        import_register(store, plan001, path, date(2023, 5, 1))
    assert err.value.problems[0].line == 1 and "Lĩnh vực" in err.value.problems[0].message


def test_add_one_checks_like_the_import(store: Store, plan001: str) -> None:
    x = add_one(store, plan001, Entry("Trường THCS Trần Phú", "tập thể", "qng-p-tran-phu", "Giáo dục và đào tạo",
                                      "10/02/2023", "số 3/TTr"), date(2023, 3, 1))
    assert store.exemplars(plan001) == [x]
    with pytest.raises(PlancalError, match="trùng"):
        add_one(store, plan001, Entry("trường thcs trần phú", "tập thể", "qng-p-tran-phu", "Giáo dục và đào tạo",
                                      "10/02/2023"), date(2023, 3, 1))


def quota_rows(store: Store, plan_id: str, register: list[Exemplar], start: date, end: date,
               today: date) -> dict[tuple[str, str | None, str], tuple[int, bool | None]]:
    rows = attainment(stored_plan(store, plan_id), register, start, end, today)
    return {(r.duty_id, r.unit_id, r.period.key): (r.counted, r.attained) for r in rows}


def test_quotas_of_plan_001(store: Store, plan001: str) -> None:
    register = [*e("qng-h-binh-son", date(2023, 1, 10), 5),       # a district: 5 of "5-7"
                *e("qng-h-son-tinh", date(2023, 2, 10), 4),       # a district: 4, short of 5
                *e("qng-xa-nghia-ha", date(2023, 3, 1), 2),       # a commune: 2 of "at least 2"
                *e("qng-xa-binh-chau", date(2023, 3, 1), 1),      # a commune: 1
                *e("qng-so-y-te", date(2023, 4, 1), 3),           # a department: 3 of "1-2" (more is fine)
                ]
    got = quota_rows(store, plan001, register, date(2023, 1, 1), date(2023, 12, 31), date(2024, 1, 5))
    duty = "nhan-rong-dien-hinh-hang-nam"
    assert got[(duty, "qng-h-binh-son", "2023")] == (5, True)
    assert got[(duty, "qng-h-son-tinh", "2023")] == (4, False)
    assert got[(duty, "qng-xa-nghia-ha", "2023")] == (2, True)
    assert got[(duty, "qng-xa-binh-chau", "2023")] == (1, False)
    assert got[(duty, "qng-so-y-te", "2023")] == (3, True)
    assert got[(duty, "qng-so-tttt", "2023")] == (0, False)
    assert got[(duty, "qng-h-ly-son", "2023")] == (0, False)
    # province-wide, monthly "2-3": January 5, February 4, March 3, April 3, May none
    monthly = "tuyen-truyen-2-3-dien-hinh-thang"
    assert [got[(monthly, None, f"2023-{m:02d}")] for m in range(1, 6)] == [
        (5, True), (4, True), (3, True), (3, True), (0, False)]
    # province-wide, yearly "at least 15": 15 exemplars in 2023
    assert got[("gui-ban-tdkt-tw-hang-nam", None, "2023")] == (15, True)
    # quotas of events ("lần") are not measured from the register
    assert not any(k[0] == "giao-luu-ton-vinh-hang-nam" for k in got)
    # every district, commune, department, the Front and the mass organisations have a row for 2023
    units = {k[1] for k in got if k[0] == duty}
    assert len(units) == len(stored_plan(store, plan001).directory.of_kind("district", "qng-ubnd-tinh")) + 6 + 6 + 1 + 5


def test_quotas_before_the_period_ends_are_not_yet_judged(store: Store, plan001: str) -> None:
    register = [*e("qng-h-binh-son", date(2023, 1, 10), 4), *e("qng-h-son-tinh", date(2023, 2, 10), 6)]
    got = quota_rows(store, plan001, register, date(2023, 1, 1), date(2023, 6, 30), date(2023, 6, 20))
    assert got[("nhan-rong-dien-hinh-hang-nam", "qng-h-binh-son", "2023")] == (4, None)   # year not over
    assert got[("nhan-rong-dien-hinh-hang-nam", "qng-h-son-tinh", "2023")] == (6, True)   # already met
    assert got[("gui-ban-tdkt-tw-hang-nam", None, "2023")] == (10, None)
    assert got[("tuyen-truyen-2-3-dien-hinh-thang", None, "2023-06")] == (0, None)  # June not over
    assert got[("tuyen-truyen-2-3-dien-hinh-thang", None, "2023-03")] == (0, False)
    assert ("tuyen-truyen-2-3-dien-hinh-thang", None, "2023-07") not in got  # outside the window
    assert ("tuyen-truyen-2-3-dien-hinh-thang", None, "2022-12") not in got  # before the duty starts


def test_a_plan_without_fields_accepts_any_field(store: Store, tmp_path: Path) -> None:
    from tests.helpers import write_plan

    issue_file(store, write_plan(tmp_path, "duties:\n  - {id: a, what: Việc, who: [bao], when: {on: 01/03/2021}}\n"))
    checker = Checker(stored_plan(store, "thu-nghiem"), date(2021, 5, 1))
    ok = checker.check(Entry("A", "cá nhân", "bao", "Báo chí", "01/04/2021"))
    assert isinstance(ok, Exemplar) and ok.field == "Báo chí"
    assert isinstance(checker.check(Entry("B", "cá nhân", "bao", "", "01/04/2021")), list)


def test_cli_add_import_list_quotas(store: Store, plan001: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from plancal.cli import app
    from plancal.intake import register_commands

    monkeypatch.setattr(register_commands, "out", Console(width=300, soft_wrap=True))
    monkeypatch.setenv("PLANCAL_DATABASE_URL", str(store.engine.url.render_as_string(hide_password=False)))
    runner = CliRunner()
    path = write_csv(tmp_path, ["Hợp tác xã Bình Châu,tập thể,qng-xa-binh-chau,Nông nghiệp,15/03/2023,số 5/BC"])
    r = runner.invoke(app, ["exemplars", "import", "--plan", plan001, str(path), "--dry-run", "--today", "01/05/2023"])
    assert r.exit_code == 0, r.output
    assert store.exemplars(plan001) == []
    r = runner.invoke(app, ["exemplars", "import", "--plan", plan001, str(path), "--today", "01/05/2023"])
    assert r.exit_code == 0 and "Đã ghi 1" in r.output
    r = runner.invoke(app, ["exemplars", "add", "--plan", plan001, "--name", "Lê Thị B", "--kind", "cá nhân",
                            "--unit", "qng-xa-binh-chau", "--field", "Y tế", "--date", "20/03/2023",
                            "--today", "01/05/2023"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["exemplars", "list", "--plan", plan001])
    assert "Hợp tác xã Bình Châu" in r.output and "Lê Thị B" in r.output
    r = runner.invoke(app, ["exemplars", "quotas", "--plan", plan001, "--from", "01/01/2023", "--to", "31/12/2023",
                            "--today", "05/01/2024"])
    assert r.exit_code == 0, r.output
    assert "xã Bình Châu" in r.output and "đạt" in r.output
