from __future__ import annotations

from pathlib import Path

import pytest

from plancal.errors import UnitError
from plancal.units.directory import Directory, Unit
from plancal.units.reading import load_directory, read_units


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_any_depth_and_selectors(tmp_path: Path) -> None:
    d = load_directory([write(tmp_path, "u.yaml", """\
- {id: tinh, name: Tỉnh, kind: province}
- {id: huyen, name: Huyện, kind: district, parent: tinh}
- {id: xa, name: Xã, kind: commune, parent: huyen}
- {id: xa2, name: "Xã hai cấp", kind: commune, parent: tinh}
""")])
    assert d.descendants("tinh") == ["huyen", "xa", "xa2"]
    assert d.of_kind("commune") == ["xa", "xa2"] and d.of_kind("commune", "huyen") == ["xa"]
    assert d.ancestors("xa") == ["huyen", "tinh"]


def test_csv_import(tmp_path: Path) -> None:
    units = read_units(write(tmp_path, "u.csv", "id,name,kind,parent,emails\n"
                             "tinh,UBND tỉnh,province,,a@x.vn\nxa,\"UBND xã\nHương Lộc\",commune,tinh,b@x.vn;c@x.vn\n"))
    assert units[1].name == "UBND xã Hương Lộc"  # a newline in a name can never reach a mail header
    assert units[1].emails == ("b@x.vn", "c@x.vn") and units[1].line == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- {id: a, name: A, kind: k, parent: zz}\n", "cấp trên 'zz' của 'a' không có"),
        ("- {id: a, name: A, kind: k, parent: b}\n- {id: b, name: B, kind: k, parent: a}\n", "vòng lặp"),
        ("- {id: a, name: A, kind: k}\n- {id: a, name: A2, kind: k}\n", "u.yaml:1 và "),
        ("- {id: a, name: A, kind: k, emails: [not-an-address]}\n", "'not-an-address'"),
        ("- {id: A B, name: A, kind: k}\n", "không hợp lệ"),
        ("- {id: a, name: A, kind: k, colour: red}\n", "khóa không được phép: colour"),
        ("- {id: a, kind: k}\n", "thiếu trường bắt buộc: name"),
    ],
)
def test_bad_directories(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "u.yaml", text)
    with pytest.raises(UnitError) as info:
        load_directory([path])
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_merge_validates_against_existing() -> None:
    base = Directory.build([Unit("tinh", "Tỉnh", "province")])
    assert "xa" in base.merged([Unit("xa", "Xã", "commune", "tinh")])
    with pytest.raises(UnitError):
        base.merged([Unit("xa", "Xã", "commune", "khong-co")])
