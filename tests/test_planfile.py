"""The plan format is strict: typos, unknown units and impossible dates are errors naming file, line and field."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from plancal.errors import PlanError
from plancal.plans.loading import load_plan
from plancal.schedule.expansion import expand
from plancal.units.reading import load_directory
from tests.conftest import PLANS
from tests.helpers import DUTY, write_plan


def problems(path: Path) -> list[str]:
    with pytest.raises(PlanError) as info:
        load_plan(path)
    return [str(p) for p in info.value.problems]


def test_minimal_plan_loads(tmp_path: Path) -> None:
    loaded = load_plan(write_plan(tmp_path, DUTY))
    assert loaded.plan.number == "1/KH-UBND"
    assert loaded.plan.duties[0].when.day == 25
    assert len(loaded.directory) == 8


def test_typo_in_key_names_line_field_and_suggestion(tmp_path: Path) -> None:
    path = write_plan(tmp_path, DUTY.replace("    to: snv", "    too: snv"))
    [msg] = problems(path)
    assert f"{path}:15" in msg
    assert "duties[0].too" in msg
    assert "'too' không được phép" in msg
    assert "có phải ý là 'to'" in msg


def test_unknown_unit_names_line_and_suggests_closest(tmp_path: Path) -> None:
    path = write_plan(tmp_path, DUTY.replace("who: [bao]", "who: [baoo]"))
    [msg] = problems(path)
    assert f"{path}:14" in msg and "duties[0].who[0]" in msg
    assert "'baoo' không có trong danh mục" in msg and "'bao'" in msg


def test_impossible_date_is_an_error_with_line(tmp_path: Path) -> None:
    body = DUTY.replace("when: {every: month, day: 25, before: true}", "when: {on: 31/02/2021}")
    path = write_plan(tmp_path, body)
    [msg] = problems(path)
    assert f"{path}:16" in msg and "duties[0].when.on" in msg
    assert "31/2/2021 không tồn tại" in msg
    assert "Cách sửa: đối chiếu với văn bản gốc" in msg


def test_iso_impossible_date_too(tmp_path: Path) -> None:
    path = write_plan(tmp_path, DUTY.replace("when: {every: month, day: 25, before: true}", "when: {on: 2021-02-30}"))
    assert any("không tồn tại" in m for m in problems(path))


def test_every_problem_says_how_to_fix_it(tmp_path: Path) -> None:
    body = DUTY + """\
  - {id: a, what: A, who: [snv], when: {every: month, day: 0}}
  - {id: b, what: B, who: [snv], when: {on: 01/03/2021, within: Q1/2021}}
  - {id: c, what: C, who: [snv], quota: {unit: bài}, when: {within: Q5/2021}}
  - {id: d, what: D, who: [snv], when: {every: month, month: 13}}
"""
    msgs = problems(write_plan(tmp_path, body))
    assert len(msgs) >= 4
    assert all("Cách sửa:" in m for m in msgs), msgs


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    body = DUTY.replace("who: [bao]", "who: [nobody]").replace("to: snv", "to: nowhere")
    msgs = problems(write_plan(tmp_path, body))
    assert len(msgs) == 2
    assert any("nobody" in m for m in msgs) and any("nowhere" in m for m in msgs)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("{every: month, within: Q1/2021}", "cần đúng một cách ghi thời hạn"),
        ("{within: Q5/2021}", "không hiểu khoảng thời gian"),
        ("{every: fortnight}", "giá trị 'fortnight' không hợp lệ"),
        ("{on: 01/05/2021, day: 3}", "chỉ dùng cùng every"),
        ("{after: khong-co, days: 3}", "không có nhiệm vụ 'khong-co'"),
        ("{on: 01/05/2022}", "nằm ngoài thời gian kế hoạch"),
        ("{every: month, day: 0}", "day không thể là 0"),
    ],
)
def test_bad_when(tmp_path: Path, when: str, expected: str) -> None:
    body = DUTY + f"  - id: thu\n    what: Thử\n    who: [snv]\n    when: {when}\n"
    msgs = problems(write_plan(tmp_path, body))
    assert any(expected in m for m in msgs), msgs


def test_chained_cycle_is_rejected(tmp_path: Path) -> None:
    body = """\
    duties:
      - {id: a, what: A, who: [snv], when: {after: b, days: 1}}
      - {id: b, what: B, who: [snv], when: {after: a, days: 1}}
    """
    assert any("vòng lặp" in m for m in problems(write_plan(tmp_path, body)))


def test_unknown_anniversary_suggests(tmp_path: Path) -> None:
    body = "themes:\n  - {months: [2], title: Mừng Đảng, anniversaries: [thanh-lap-dangg]}\n"
    [msg] = problems(write_plan(tmp_path, body))
    assert "'thanh-lap-dangg'" in msg and "'thanh-lap-dang'" in msg


def test_malformed_yaml_names_line(tmp_path: Path) -> None:
    path = write_plan(tmp_path, "duties:\n  - id: x\n   what: bad indent\n")
    [msg] = problems(path)
    assert "YAML không hợp lệ" in msg and f"{path}:" in msg


def test_not_utf8(tmp_path: Path) -> None:
    path = write_plan(tmp_path)
    path.write_bytes(path.read_bytes() + "title2: Kế hoạch\n".encode("cp1258", errors="replace") + b"\xff\xfe")
    assert any("UTF-8" in m for m in problems(path))


def test_missing_file() -> None:
    with pytest.raises(PlanError, match="không đọc được"):
        load_plan(Path("/nonexistent/plan.yaml"))


SOURCE_PLANS = sorted(PLANS.glob("*.yaml"))


def test_the_five_source_plans_are_encoded() -> None:
    assert [p.name[:3] for p in SOURCE_PLANS] == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("path", SOURCE_PLANS, ids=lambda p: p.name[:3])
def test_source_plan_text_is_nfc_and_units_have_addresses(path: Path) -> None:
    loaded = load_plan(path)
    for o in expand(loaded):
        assert unicodedata.is_normalized("NFC", o.title + o.detail), o.title
    assert all(unicodedata.is_normalized("NFC", u.name) and u.emails for u in loaded.directory)


@pytest.mark.parametrize("path", SOURCE_PLANS, ids=lambda p: p.name[:3])
def test_selectors_stay_inside_the_plans_own_units_in_a_shared_directory(path: Path) -> None:
    # The store keeps one unit directory for every plan: a kind selector must not reach other provinces.
    shared = load_directory(sorted((PLANS / "units").glob("*.yaml")))
    alone = {(o.kind, o.source_id, o.unit_id, o.period_key) for o in expand(load_plan(path))}
    together = {(o.kind, o.source_id, o.unit_id, o.period_key) for o in expand(load_plan(path, shared))}
    assert together == alone
