"""Bad input, one class per test, each with the smallest input that used to break plancal: every one
is a PlanError/UnitError naming the file (and the line where there is one), never a traceback, a hang
or a silently different plan."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from plancal.errors import PlanError, Problem, UnitError
from plancal.plans.loading import load_plan
from plancal.plans.model import MAX_DUTIES, MAX_NUMBER
from plancal.schedule.expansion import expand
from plancal.source import MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES
from plancal.units.directory import MAX_NAME
from plancal.units.reading import read_units
from tests.helpers import DUTY, HEADER, UNITS, write_plan

FIRST_BODY_LINE = HEADER.count("\n") + 1


def plan_problems(path: Path) -> list[Problem]:
    with pytest.raises(PlanError) as info:
        expand(load_plan(path))
    assert info.value.problems
    assert all(p.file for p in info.value.problems), info.value.problems
    return info.value.problems


def one_problem(path: Path) -> Problem:
    [problem] = plan_problems(path)
    return problem


# -- 5. silent last-wins -------------------------------------------------------------------------

def test_a_second_duties_key_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    path = write_plan(tmp_path, DUTY + "duties: []\n")
    p = one_problem(path)
    second = FIRST_BODY_LINE + DUTY.count("\n")
    assert p.line == second
    assert f"{path}:{FIRST_BODY_LINE} và {path}:{second}" in p.message and "'duties'" in p.message


def test_a_second_plan_id_is_an_error(tmp_path: Path) -> None:
    path = write_plan(tmp_path, "id: ke-hoach-khac\n")
    p = one_problem(path)
    assert f"{path}:1 và {path}:{FIRST_BODY_LINE}" in p.message and "'id'" in p.message


def test_a_duplicate_key_inside_a_duty_is_an_error(tmp_path: Path) -> None:
    path = write_plan(tmp_path, DUTY + "    to: bao\n")
    assert "'to' bị khai hai lần" in one_problem(path).message


def test_a_duplicate_duty_id_names_both_lines(tmp_path: Path) -> None:
    path = write_plan(tmp_path, DUTY + "  - {id: gui-bai, what: Lần hai, who: [snv], when: {ongoing: true}}\n")
    p = one_problem(path)
    assert p.line == FIRST_BODY_LINE + DUTY.count("\n")
    assert f"{path}:{FIRST_BODY_LINE + 1}" in p.message and "'gui-bai' bị trùng" in p.message


@pytest.mark.parametrize(("name", "text", "lines"), [
    ("u.csv", "id,name,kind,emails\ntinh,UBND tỉnh,province,a@x.vn\ntinh,UBND tỉnh,province,b@x.vn\n", (2, 3)),
    ("u.yaml", "- {id: tinh, name: T, kind: province, emails: [a@x.vn]}\n- {id: b, name: B, kind: k}\n"
               "- {id: tinh, name: T, kind: province, emails: [b@x.vn]}\n", (1, 3)),
])
def test_a_duplicate_unit_id_in_one_file_names_both_lines(tmp_path: Path, name: str, text: str,
                                                          lines: tuple[int, int]) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnitError) as info:
        read_units(path)
    [p] = info.value.problems
    assert p.line == lines[1] and f"{path}:{lines[0]} và {path}:{lines[1]}" in p.message


def test_a_duplicate_csv_column_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("id,name,kind,emails,emails\ntinh,T,province,a@x.vn,b@x.vn\n", encoding="utf-8")
    with pytest.raises(UnitError, match="emails có hai lần"):
        read_units(path)


# -- 6. numbers and dates that overflow or do not exist --------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("period: 2021", "period: 999999999", "ngoài khoảng plancal tính được"),
    ("period: 2021", "period: 2021-99999999", "ngoài khoảng plancal tính được"),
    ("period: 2021", "period: 1990-2090", "dài quá 30 năm"),
    ("issued: 15/01/2021", "issued: 15/01/9999", "ngoài khoảng plancal tính được"),
])
def test_years_outside_the_computable_range(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = write_plan(tmp_path, DUTY, header=HEADER.replace(old, new))
    p = one_problem(path)
    assert expected in p.message and p.line is not None


@pytest.mark.parametrize("when", [
    "{days_after_issue: 99999999999}",
    "{days_after_issue: 4000}",
    "{every: quarter, month: 5}",
])
def test_day_counts_and_months_that_expansion_could_not_compute(tmp_path: Path, when: str) -> None:
    path = write_plan(tmp_path, DUTY.replace("{every: month, day: 25, before: true}", when))
    assert one_problem(path).line == FIRST_BODY_LINE + 5


def test_a_long_after_chain_is_refused_quickly_and_a_short_one_expands(tmp_path: Path) -> None:
    def chain(n: int) -> str:
        rows = ["  - {id: d0, what: Đầu, who: [snv], when: {on: 01/02/2021}}"]
        rows += [f"  - {{id: d{i}, what: Sau, who: [snv], when: {{after: d{i - 1}, days: 1}}}}" for i in range(1, n)]
        return "duties:\n" + "\n".join(rows) + "\n"

    assert "dài quá 50" in one_problem(write_plan(tmp_path / "long", chain(1000))).message
    occurrences = expand(load_plan(write_plan(tmp_path / "short", chain(50))))
    assert max(o.due_stated for o in occurrences).isoformat() == "2021-03-22"


def test_a_cycle_in_a_long_chain_is_reported_once(tmp_path: Path) -> None:
    rows = [f"  - {{id: d{i}, what: X, who: [snv], when: {{after: d{(i + 1) % 30}, days: 1}}}}" for i in range(30)]
    [p] = plan_problems(write_plan(tmp_path, "duties:\n" + "\n".join(rows) + "\n"))
    assert "vòng lặp" in p.message


@pytest.mark.parametrize(("missing_day", "expected"), [("last", "2021-02-28"), ("error", None)])
def test_a_local_anniversary_on_29_february(tmp_path: Path, missing_day: str, expected: str | None) -> None:
    body = f"""\
    anniversaries:
      - {{key: ngay-nhuan, name: Ngày nhuận, date: 29/02/2000, missing_day: {missing_day}}}
    observances:
      - {{anniversary: ngay-nhuan}}
    """
    path = write_plan(tmp_path, body)
    if expected is None:
        p = one_problem(path)
        assert "29/02" in p.message and p.line == FIRST_BODY_LINE + 1
    else:
        [occ] = [o for o in expand(load_plan(path)) if o.kind == "anniversary"]
        assert occ.due_stated.isoformat() == expected


@pytest.mark.parametrize("fields", ["month: 13, day: 1", "month: 1, day: 31", "month: 0, day: 1"])
def test_an_impossible_lunar_date(tmp_path: Path, fields: str) -> None:
    body = f"anniversaries:\n  - {{key: am-lich, name: Âm lịch, lunar: true, {fields}}}\n" \
        "observances:\n  - {anniversary: am-lich}\n"
    assert one_problem(write_plan(tmp_path, body)).line == FIRST_BODY_LINE + 1


# -- 6. what YAML itself can do -----------------------------------------------------------------

@pytest.mark.parametrize("value", ["!!int abc", "!!float x", "!!timestamp 2021-13-45", "!!binary 123",
                                   "!!python/object:os.system x", "!!set {a}"])
def test_explicit_tags_are_refused_with_their_line(tmp_path: Path, value: str) -> None:
    path = write_plan(tmp_path, DUTY.replace("day: 25,", f"day: {value},"))
    p = one_problem(path)
    assert "thẻ YAML" in p.message and p.line == FIRST_BODY_LINE + 5


def test_a_4300_digit_integer(tmp_path: Path) -> None:
    path = write_plan(tmp_path, DUTY.replace("day: 25,", "day: " + "9" * 4300 + ","))
    p = one_problem(path)
    assert "quá lớn" in p.message and p.line == FIRST_BODY_LINE + 5


def _flow(levels: int) -> str:
    return "basis: " + "[" * levels + "]" * levels + "\n"


def _block(levels: int) -> str:
    return "basis:\n" + "".join(" " * i + "-\n" for i in range(levels))


@pytest.mark.parametrize("body", [_flow(MAX_DEPTH + 1), _flow(1000), _flow(30_000), _block(MAX_DEPTH + 1),
                                  _block(1000)], ids=["flow-33", "flow-1000", "flow-30000", "block-33", "block-1000"])
def test_deep_nesting(tmp_path: Path, body: str) -> None:
    p = one_problem(write_plan(tmp_path, body))
    assert f"quá {MAX_DEPTH} cấp" in p.message and p.line is not None


def test_an_alias_bomb(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = write_plan(tmp_path, "\n".join(lines) + "\n")
    assert "tham chiếu" in one_problem(path).message


def test_too_many_aliases(tmp_path: Path) -> None:
    body = "basis: &b [Luật]\n" + "".join(f"k{i}: *b\n" for i in range(MAX_ALIASES + 1))
    p = one_problem(write_plan(tmp_path, body))
    assert f"quá {MAX_ALIASES} tham chiếu" in p.message and p.line == FIRST_BODY_LINE + MAX_ALIASES + 1


def test_a_file_over_the_size_limit_is_not_parsed(tmp_path: Path) -> None:
    path = write_plan(tmp_path, "basis:\n" + "  - Luật\n" * (MAX_FILE_BYTES // 9))
    assert "lớn hơn 2 MB" in one_problem(path).message


def test_too_many_duties(tmp_path: Path) -> None:
    rows = "".join(f"  - {{id: d{i}, what: X, who: [snv], when: {{ongoing: true}}}}\n" for i in range(MAX_DUTIES + 1))
    p = one_problem(write_plan(tmp_path, "duties:\n" + rows))
    assert f"quá {MAX_DUTIES} mục" in p.message and p.line == FIRST_BODY_LINE


# -- 6. files that are not text, or not files ------------------------------------------------------

def test_a_unit_file_that_is_not_a_regular_file(tmp_path: Path) -> None:
    path = write_plan(tmp_path, DUTY, header=HEADER.replace("units: [units.yaml]", "units: [/dev/zero]"))
    assert "không phải là một tệp thông thường" in one_problem(path).message
    folder = write_plan(tmp_path / "b", DUTY, header=HEADER.replace("units: [units.yaml]", "units: [.]"))
    assert "không phải là một tệp thông thường" in one_problem(folder).message


def test_a_nul_in_a_unit_path_or_in_text(tmp_path: Path) -> None:
    path = write_plan(tmp_path, DUTY, header=HEADER.replace("units: [units.yaml]", 'units: ["units\\0.yaml"]'))
    assert "U+0000" in one_problem(path).message
    for old, new in (("what: Gửi bài viết", 'what: "Gửi\\0bài"'), ("to: snv", 'to: snv\n    note: "a\\x1b[31m"')):
        path = write_plan(tmp_path, DUTY.replace(old, new))
        p = one_problem(path)
        assert "ký tự điều khiển" in p.message and p.line is not None


UNIT_CSV = "id,name,kind,emails\ntinh,UBND tỉnh Thử Nghiệm,province,a@x.vn\n"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_excel_exports_with_a_bom_are_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes(UNIT_CSV.encode(encoding))
    [unit] = read_units(path)
    assert (unit.id, unit.name) == ("tinh", "UBND tỉnh Thử Nghiệm")


def test_cp1258_and_utf16_without_bom_say_which_encoding_to_save_in(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    text = "id,name,kind\nda,UBND Đà,district\n"
    for raw in (text.encode("cp1258"), text.encode("utf-16-le")):
        assert not raw.startswith(codecs.BOM_UTF16_LE)
        path.write_bytes(raw)
        with pytest.raises(UnitError) as info:
            read_units(path)
        [p] = info.value.problems
        assert p.file == str(path) and p.line == 2 and "UTF-8" in str(p)


def test_a_csv_field_over_the_csv_limit(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text('id,name,kind\ntinh,T,province\nxa,"' + "x" * 140_000 + '",commune\n', encoding="utf-8")
    with pytest.raises(UnitError) as info:
        read_units(path)
    [p] = info.value.problems
    assert "CSV không hợp lệ" in p.message and p.line == 3


# -- lengths and characters the store and mail would otherwise meet ----------------------------------

def test_a_plan_number_longer_than_its_column(tmp_path: Path) -> None:
    path = write_plan(tmp_path, DUTY, header=HEADER.replace("1/KH-UBND", "12/KH-" + "X" * (MAX_NUMBER + 16)))
    p = one_problem(path)
    assert p.line == 2 and f"quá giới hạn {MAX_NUMBER}" in p.message


@pytest.mark.parametrize(("row", "expected"), [
    ('{id: xa, name: "UBND\\0xã", kind: commune}', "U+0000"),
    ('{id: xa, name: "UBND \\e[31mxã", kind: commune}', "U+001B"),
    ("{id: xa, name: " + "X" * 5000 + ", kind: commune}", f"tối đa {MAX_NAME}"),
    ("{id: xa, name: Xã, kind: commune, emails: [.a@x.vn]}", "dấu chấm"),
    ("{id: xa, name: Xã, kind: commune, emails: [a..b@x.vn]}", "dấu chấm"),
    ("{id: xa, name: Xã, kind: commune, emails: [a.@x.vn]}", "dấu chấm"),
    ("{id: xa, name: Xã, kind: commune, emails: [" + "a" * 300 + "@x.vn]}", "tối đa 64"),
    ("{id: xa, name: Xã, kind: commune, emails: [a@" + ("b" * 60 + ".") * 5 + "vn]}", "tối đa 255"),
    ("{id: " + "x" * 81 + ", name: Xã, kind: commune}", "tối đa 80 ký tự"),
])
def test_unit_text_that_mail_and_the_store_cannot_take(tmp_path: Path, row: str, expected: str) -> None:
    path = write_plan(tmp_path, "")
    (tmp_path / "units.yaml").write_text(UNITS + "  - " + row + "\n", encoding="utf-8")
    problems = plan_problems(path)
    line = UNITS.count("\n") + 1
    assert any(expected in str(p) and p.file == str(tmp_path / "units.yaml") and p.line == line for p in problems), \
        problems


def test_a_csv_name_with_escape_is_refused_at_import(tmp_path: Path) -> None:
    from plancal.units.directory import Directory

    path = tmp_path / "u.csv"
    path.write_text("id,name,kind\nxa,UBND\x1bxã,commune\n", encoding="utf-8")
    with pytest.raises(UnitError, match="U\\+001B") as info:
        Directory.build(read_units(path))
    assert info.value.problems[0].line == 2


def test_good_addresses_still_pass(tmp_path: Path) -> None:
    path = tmp_path / "u.yaml"
    path.write_text("- {id: a, name: A, kind: k, emails: [btdkt.snv@angiang.gov.vn, \"o'neil+x@a-b.vn\"]}\n",
                    encoding="utf-8")
    from plancal.units.directory import Directory

    assert Directory.build(read_units(path))["a"].emails == ("btdkt.snv@angiang.gov.vn", "o'neil+x@a-b.vn")



def test_a_plan_that_would_expand_past_the_limit_is_refused_before_expanding(tmp_path: Path) -> None:
    from plancal.plans.loading import MAX_OCCURRENCES

    per_duty = 12 * 29 * 3  # monthly, 29 years, the three communes
    n = MAX_OCCURRENCES // per_duty + 1
    rows = "".join(f"  - {{id: d{i}, what: X, who: [{{kind: commune}}], when: {{every: month}}}}\n" for i in range(n))
    path = write_plan(tmp_path, "duties:\n" + rows, header=HEADER.replace("period: 2021", "period: 2021-2049"))
    p = one_problem(path)
    assert "hơn 200.000 mục" in p.message and p.field is not None
    index = int(p.field.removeprefix("duties[").rstrip("]"))
    assert n - 5 < index < n and p.line == FIRST_BODY_LINE + 1 + index  # an upper bound: trips a little early
    few = write_plan(tmp_path / "few", "duties:\n" + rows[: rows.index("  - {id: d3,")],
                     header=HEADER.replace("period: 2021", "period: 2021-2049"))
    assert len(expand(load_plan(few))) == 3 * per_duty
