"""Issue 12, items 1-10: each kind of sentence real documents write, encoded in a small plan under
tests/plans/, with the dates and words it must give."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from plancal.errors import PlanError, StoreError
from plancal.lifecycle.issuance import issue_file
from plancal.plans.loading import load_plan
from plancal.plans.model import document_label
from plancal.schedule.expansion import expand
from plancal.schedule.occurrence import DateSource, Kind, Occurrence
from plancal.source import Loader
from plancal.store.database import Store
from plancal.store.submissions import Submission
from plancal.vn.anniversaries import national
from plancal.vn.dates import parse_date
from plancal.vn.periods import parse_window
from tests.helpers import write_plan

HERE = Path(__file__).resolve().parent / "plans"


def occ(name: str, **kw: date) -> list[Occurrence]:
    return expand(load_plan(HERE / name), **kw)  # type: ignore[arg-type]


def by(items: list[Occurrence], source: str, unit: str | None = None) -> list[Occurrence]:
    return [o for o in items if o.source_id == source and (unit is None or o.unit_id == unit)]


def problems(body: str, tmp_path: Path) -> list[str]:
    with pytest.raises(PlanError) as info:
        load_plan(write_plan(tmp_path, body))
    return [str(p) for p in info.value.problems]


# -- 1. several recipients, sub-plan requests, except ---------------------------------------------------
def test_several_recipients_and_exclusions() -> None:
    items = occ("01-recipients.yaml")
    [sgd] = by(items, "gui-bao-cao", "sgd")
    assert (sgd.to_unit_id, sgd.also_to) == ("ban-tdkt", ("snv",))
    assert "Gửi đến: Ban Thi đua - Khen thưởng tỉnh; Sở Nội vụ" in sgd.detail
    # Sở Nội vụ is one of the recipients: it owes the report to the other one only, not to itself
    [snv] = by(items, "gui-bao-cao", "snv")
    assert (snv.to_unit_id, snv.also_to) == ("ban-tdkt", ())
    # {kind: commune, except: [xa-a3]} + xa-a3 by name, then the duty's except: [xa-a2]
    assert sorted(o.unit_id or "" for o in by(items, "xa-gui-bai")) == ["xa-a1", "xa-a3"]


def test_sub_plans_as_a_list_each_with_its_own_words_and_days() -> None:
    subs = {o.unit_id: o for o in occ("01-recipients.yaml") if o.kind == Kind.SUB_PLAN}
    assert set(subs) == {"xa-a1", "xa-a2", "sgd", "syt"}  # xa-a3 and snv left out
    assert subs["xa-a1"].title == "Xây dựng kế hoạch triển khai tới cán bộ và nhân dân"
    assert subs["xa-a1"].due_stated == date(2021, 1, 30)  # 15 days after 15/01
    assert subs["sgd"].title == "Xây dựng kế hoạch tuyên truyền"
    assert subs["sgd"].due_stated == date(2021, 2, 14)  # 30 days


def test_to_accepts_a_list_and_except_names_known_units(tmp_path: Path) -> None:
    body = ("duties:\n  - id: a\n    what: X\n    who: [{kind: commune, except: [xa-zz]}]\n"
            "    to: [snv, tinh]\n    when: {within: Q2/2021}\n")
    [msg] = problems(body, tmp_path)
    assert "plan.yaml:14" in msg and "'xa-zz' không có trong danh mục" in msg


# -- 2. alternatives -------------------------------------------------------------------------------
def test_either_deliverable_in_title_and_recorded_on_submission(store: Store) -> None:
    [o] = occ("02-either.yaml")
    assert o.title == ("Đề xuất điển hình tiên tiến: Giới thiệu 01 gương điển hình tiên tiến hoặc "
                       "Gửi văn bản báo cáo không có điển hình")
    assert o.alternatives == ("Giới thiệu 01 gương điển hình tiên tiến", "Gửi văn bản báo cáo không có điển hình")
    issue_file(store, HERE / "02-either.yaml")
    [row] = store.occurrences(plan_id="fr-either")
    assert tuple(row.alternatives) == o.alternatives
    with pytest.raises(StoreError, match="không có cách thực hiện thứ 3"):
        store.record_submission(Submission(row.uid, "huyen-a", date(2021, 5, 3), alternative=3))
    assert store.record_submission(Submission(row.uid, "huyen-a", date(2021, 5, 3), alternative=2))
    [done] = store.occurrences(plan_id="fr-either")
    assert done.state(date(2021, 7, 1)).value == "done"  # the second way closes it


# -- 3. follow-ups with no delay; chains across the issue date ----------------------------------------
def test_follow_up_with_no_stated_delay_is_same_day_and_set_by_agency() -> None:
    items = occ("03-chain.yaml")
    feb = [o for o in items if o.period_label == "tháng 2/2021"]
    [report] = [o for o in feb if o.source_id == "xa-bao-cao" and o.unit_id == "xa-a1"]
    [sums] = [o for o in feb if o.source_id == "tong-hop"]
    [check] = [o for o in feb if o.source_id == "tham-dinh"]
    assert report.due_stated == sums.due_stated == date(2021, 2, 9)
    assert sums.date_source == DateSource.AGENCY and report.date_source == DateSource.PLAN
    assert check.due_stated == date(2021, 2, 14) and check.date_source == DateSource.PLAN


def test_chain_of_a_period_that_was_never_owed_is_dropped_whole() -> None:
    items = occ("03-chain.yaml")
    # January's reports were due 09/01, before the issue date 15/01: neither they nor their follow-ups
    # (14/01 and 19/01 by the chain, after the issue date) are owed
    assert not [o for o in items if o.period_label == "tháng 1/2021"]
    for source in ("xa-bao-cao", "tong-hop", "tham-dinh"):
        assert [o.period_label for o in by(items, source)][:1] == ["tháng 2/2021"]
    assert len(by(items, "tham-dinh")) == len(by(items, "tong-hop")) == 11


# -- 4. dates as documents write them ---------------------------------------------------------------
def test_dates_as_documents_write_them() -> None:
    assert parse_date("5-6-2019") == parse_date("05.06.2019") == parse_date("ngày 05 tháng 6 năm 2019") == date(2019, 6, 5)
    with pytest.raises(ValueError, match="thiếu năm"):
        parse_date("10/8")
    w = parse_window("từ ngày 10/8 đến ngày 25/8/2023")
    assert (w.start, w.end) == (date(2023, 8, 10), date(2023, 8, 25))
    w = parse_window("từ 15/12 đến 15/01/2024")  # the start borrows the year before
    assert w.start == date(2023, 12, 15)
    mid = parse_window("giữa tháng 2/2024")
    assert (mid.start, mid.end) == (date(2024, 2, 11), date(2024, 2, 20))
    assert parse_window("cuối quý IV/2024").start == date(2024, 12, 21)
    with pytest.raises(ValueError, match="không rõ là tháng nào"):
        parse_window("giữa năm 2024")


def test_date_plan_gives_the_dates_the_text_says() -> None:
    loaded = load_plan(HERE / "04-dates.yaml")
    assert loaded.plan.issued == date(2019, 6, 5)
    items = expand(loaded)
    due = {o.source_id: o.due_stated for o in items}
    assert due["ngay-05"] == date(2019, 7, 5)
    [muon] = by(items, "muon-nam")
    assert (muon.window_start, muon.due_stated) == (date(2019, 8, 10), date(2019, 8, 25))
    [cuoi] = by(items, "cuoi-thang")
    assert (cuoi.window_start, cuoi.due_stated) == (date(2019, 11, 21), date(2019, 11, 30))
    [dau] = by(items, "dau-quy")
    assert (dau.window_start, dau.due_stated) == (date(2019, 10, 1), date(2019, 10, 10))
    [tentative] = by(items, "du-kien")
    assert tentative.tentative and tentative.title == "Ra mắt chuyên mục (dự kiến)"
    # day: 010 is the 10th (YAML 1.1 would read octal 8)
    assert [o.due_stated.day for o in by(items, "ngay-010")] == [10, 10, 10]


def test_integers_are_decimal_yaml_12() -> None:
    assert yaml.load("{a: 010, b: 08, c: 0o17, d: 0x1F, e: 7:30}", Loader=Loader) == \
        {"a": 10, "b": 8, "c": 15, "d": 31, "e": "7:30"}


# -- 5. school year, open-ended ----------------------------------------------------------------------
def test_school_year_period_and_cycle() -> None:
    loaded = load_plan(HERE / "05-school-year.yaml")
    assert (loaded.plan.start, loaded.plan.end) == (date(2024, 9, 1), date(2025, 8, 31))
    [year_end] = by(expand(loaded), "tong-ket")
    assert year_end.period_label == "năm học 2024-2025"
    assert year_end.due_stated == date(2025, 5, 25)  # month 5 of the school year that starts in 2024


def test_two_consecutive_years_must_say_which(tmp_path: Path) -> None:
    header = (HERE / "06-cong-van.yaml").read_text(encoding="utf-8")
    for period, expected in (("2024-2025", None), ("năm 2024-2025", (date(2024, 1, 1), date(2025, 12, 31))),
                             ("năm học 2024-2025", (date(2024, 9, 1), date(2025, 8, 31))),
                             ("{school_year: 2024-2025}", (date(2024, 9, 1), date(2025, 8, 31)))):
        text = header.replace("period: 2021", f"period: {period}").replace("{on: 31/03/2021}", "{ongoing: true}")
        text = text.replace("issued: {assumed: 01/03/2021}", "issued: 01/03/2024").replace("units.yaml", str(HERE / "units.yaml"))
        path = tmp_path / "p.yaml"
        path.write_text(text, encoding="utf-8")
        if expected is None:
            with pytest.raises(PlanError, match="hai năm dương lịch .* hoặc một năm học"):
                load_plan(path)
        else:
            plan = load_plan(path).plan
            assert (plan.start, plan.end) == expected


def test_open_ended_duty_expands_to_the_horizon_given() -> None:
    default = by(occ("05-open-ended.yaml"), "hang-quy")
    assert default[0].due_stated == date(2024, 3, 19)
    assert default[-1].period_label == "quý I/2026"  # two years after 01/03/2024 by default
    longer = by(occ("05-open-ended.yaml", horizon=date(2026, 12, 31)), "hang-quy")
    assert len(longer) == len(default) + 3 and longer[-1].due_stated == date(2026, 12, 19)


# -- 6. document types; unknown issue date ------------------------------------------------------------
def test_document_label_from_type_number_and_date(store: Store) -> None:
    assert document_label("kế hoạch", "227/KH-UBND", date(2024, 10, 31)) == "Kế hoạch số 227/KH-UBND ngày 31/10/2024"
    assert document_label("công văn", None, date(2019, 6, 5)) == "Công văn ngày 05/06/2019"
    assert load_plan(HERE / "05-open-ended.yaml").plan.display_number == "Công văn số 15/UBND-NC ngày 01/03/2024"
    plan = load_plan(HERE / "06-cong-van.yaml").plan
    assert (plan.issued, plan.issued_known) == (date(2021, 3, 1), False)
    assert plan.display_number == "Hướng dẫn số 16/HD-SNV (chưa rõ ngày ban hành)"
    issue_file(store, HERE / "06-cong-van.yaml")
    row = store.plan("fr-huong-dan")
    assert row is not None and row.display_number == plan.display_number


def test_issued_known_is_not_written_directly(tmp_path: Path) -> None:
    msgs = problems("issued_known: false\n", tmp_path)
    assert any("issued: {assumed: 01/03/2021}" in m for m in msgs)


# -- 7, 8. observance days, themes ------------------------------------------------------------------
def test_observance_day_without_founding_year_has_no_count() -> None:
    ann = national()["ngay-moi-truong-the-gioi"]
    assert ann.founded is None and ann.title(2025) == "Ngày Môi trường thế giới"
    [day] = by(occ("08-themes.yaml"), "ngay-moi-truong-the-gioi")
    assert day.due_stated == date(2025, 6, 5) and day.title == "Ngày Môi trường thế giới"
    assert "Hưởng ứng Tháng hành động vì môi trường 2025" in day.detail  # the observance note, filled


def test_monthly_theme_words_follow_the_month() -> None:
    items = [o for o in occ("08-themes.yaml") if o.kind == Kind.THEME]
    monthly = sorted((o.due_stated, o.title) for o in items if o.title.startswith("Tuyên truyền"))
    assert monthly == [
        (date(2025, 1, 31), "Tuyên truyền kết quả tháng 12/2024, nhiệm vụ tháng 1/2025"),
        (date(2025, 2, 28), "Tuyên truyền kết quả tháng 1/2025, nhiệm vụ tháng 2/2025"),
        (date(2025, 3, 31), "Tuyên truyền kết quả tháng 2/2025, nhiệm vụ tháng 3/2025"),
    ]
    assert "Mừng Đảng 95 năm, mừng Xuân 2025" in {o.title for o in items}


def test_misspelt_placeholder_is_an_error_with_line(tmp_path: Path) -> None:
    body = "themes:\n  - months: all\n    title: Chào mừng {thanh-lap-dag} năm\n"
    [msg] = problems(body, tmp_path)
    assert "plan.yaml:13" in msg and "themes[0].title" in msg and "'{thanh-lap-dang}'" in msg


def test_placeholder_of_a_day_without_count_is_an_error(tmp_path: Path) -> None:
    [msg] = problems("themes:\n  - months: [6]\n    title: '{ngay-moi-truong-the-gioi} năm'\n", tmp_path)
    assert "không có năm gốc" in msg


def test_local_anniversary_overriding_a_national_one(tmp_path: Path) -> None:
    body = "anniversaries:\n  - {key: quoc-khanh, name: Ngày X, date: 02/09/1946}\n"
    [msg] = problems(body, tmp_path)
    assert "plan.yaml:12" in msg and "trùng mã với ngày kỷ niệm toàn quốc" in msg and "override: true" in msg
    ok = load_plan(write_plan(tmp_path, body.replace("}", ", override: true}")))
    assert ok.registry["quoc-khanh"].founded == 1946


# -- 9. conferences ----------------------------------------------------------------------------------
def test_conference_holding_date_distinct_from_its_deadline() -> None:
    items = occ("09-conference.yaml")
    [conf] = by(items, "hn-huyen")
    assert conf.window_start == date(2023, 8, 10)  # opens
    assert conf.due_effective == date(2023, 8, 18)  # the day it is held, shown in feeds
    assert conf.due_stated == conf.due_limit == date(2023, 9, 30)  # late only after the window
    assert conf.tentative and conf.title.endswith("(dự kiến)")
    [prep] = by(items, "hn-huyen.giay-moi")
    assert prep.due_stated == date(2023, 8, 11)  # 7 days before the holding date
    assert "khoảng 70%" in conf.detail and "khách mời" not in conf.detail


# -- 10. errors that point at the real mistake ------------------------------------------------------
@pytest.mark.parametrize(("when_or_key", "expected"), [
    ("    quota: {min: 2, unit: bài, tin}\n    when: {within: Q1/2021}\n",
     ["duties[0].quota.tin", "phần sau dấu phẩy của giá trị 'unit'", 'unit: "…, tin"', "xóa khóa 'tin'"]),
    ("    shift: none\n    when: {within: Q1/2021}\n", ["duties[0].shift", "có phải ý là 'shift' trong when:?"]),
    ("    when: {every: quarter, month: 5}\n", ["plan.yaml:15", "duties[0].when.month", "chỉ có 3 tháng"]),
    ("    when: {on: 15/05/2021, before: 15/05/2021}\n",
     ["duties[0].when.before", "ghi before: true và on: 15/05/2021"]),
])
def test_errors_point_at_the_real_mistake(tmp_path: Path, when_or_key: str, expected: list[str]) -> None:
    [msg] = problems("duties:\n  - id: a\n    what: X\n    who: [bao]\n" + when_or_key, tmp_path)
    for part in expected:
        assert part in msg


def test_plan_level_shift_belongs_in_defaults(tmp_path: Path) -> None:
    [msg] = problems("shift: none\n", tmp_path)
    assert "có phải ý là 'shift' trong defaults:?" in msg
