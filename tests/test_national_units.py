"""The national directory from vietnam-provinces: 34 provinces, 3,321 communes and wards, stable ids."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from plancal.errors import UnitError
from plancal.units.directory import Directory
from plancal.units.national import national_directory, units_from_source
from tests.test_cli import run


def test_the_country_has_34_provinces_and_3321_communes_and_wards() -> None:
    units = national_directory()
    kinds = Counter(u.kind for u in units)
    assert kinds["province"] == 34
    assert kinds["commune"] + kinds["ward"] + kinds["special-zone"] == 3321
    directory = Directory.build(units)  # ids unique and valid, every parent a province
    assert all(directory[u.parent].kind == "province" for u in units if u.parent)
    assert all(unicodedata.is_normalized("NFC", u.name) for u in units)


def test_a_province_and_its_communes() -> None:
    units = national_directory("An Giang")
    [province] = [u for u in units if u.kind == "province"]
    assert (province.id, province.name, province.letter_name) == ("vn-p-91", "tỉnh An Giang", "UBND tỉnh An Giang")
    assert len(units) - 1 == sum(1 for u in national_directory() if u.parent == "vn-p-91") == 102
    assert national_directory("vn-p-91") == national_directory("91") == units
    hai_phong = national_directory("Hải Phòng")
    assert hai_phong[0].name == "thành phố Hải Phòng" and len(hai_phong) - 1 == 114
    assert "phường Lưu Kiếm" in {u.name for u in hai_phong}


def test_ids_are_stable_across_reads() -> None:
    assert [u.id for u in national_directory()] == [u.id for u in national_directory()]


def test_unknown_province_or_source_is_a_clear_error() -> None:
    with pytest.raises(UnitError, match="không có tỉnh, thành phố 'Atlantis'"):
        national_directory("Atlantis")
    with pytest.raises(UnitError, match="không có nguồn đơn vị 'osm'"):
        units_from_source("osm")


def test_units_import_from_vietnam_provinces(tmp_path: Path, db_url: str) -> None:
    result = run(["units", "import", "--from", "vietnam-provinces", "--province", "An Giang"], tmp_path, db_url)
    assert result.returncode == 0, result.stderr
    assert "103 đơn vị — thêm 103, cập nhật 0" in result.stdout
    again = run(["units", "import", "--from", "vietnam-provinces", "--province", "An Giang"], tmp_path, db_url)
    assert "thêm 0, cập nhật 0" in again.stdout
    bad = run(["units", "import"], tmp_path, db_url)
    assert bad.returncode == 1 and "cần đúng một nguồn" in bad.stderr
