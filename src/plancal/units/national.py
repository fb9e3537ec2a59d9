"""The national directory after the 1 July 2025 reform: 34 provinces and 3,321 communes, wards and special
zones, from the ``vietnam-provinces`` package (not typed by hand).

Ids are stable slugs of the package's codes: ``vn-p-<province code>`` and ``vn-w-<ward code>`` (codes are the
General Statistics Office's, they do not change with a name). Kinds: ``province`` (provinces and
centrally-run cities), ``commune``, ``ward`` and ``special-zone`` (đặc khu). Names are the place names as
titles write them, the division word in lower case ("tỉnh An Giang", "phường Hoàn Kiếm"); the formal name for
letters follows the rule of :func:`plancal.units.directory.formal_name` ("UBND tỉnh An Giang").
"""

from __future__ import annotations

from plancal.errors import Problem, UnitError
from plancal.units.directory import Unit
from plancal.vn.text import nfc

SOURCE = "vietnam-provinces"
_KINDS = {"xã": "commune", "phường": "ward", "đặc khu": "special-zone"}


def _place(name: str, division: str) -> str:
    """"Thành phố Hà Nội" → "thành phố Hà Nội": the division word as a title writes it mid-sentence."""
    name = nfc(name)
    word = "thành phố" if division == "thành phố trung ương" else division
    if name.lower().startswith(word):
        return word + name[len(word):]
    return f"{word} {name}"  # the package writes provinces bare: "An Giang"


def province_id(code: int) -> str:
    return f"vn-p-{code:02d}"


def ward_id(code: int) -> str:
    return f"vn-w-{code:05d}"


def national_directory(province: str | None = None) -> list[Unit]:
    """The provinces and their communes; with ``province`` (an id, a code, or a name such as "An Giang")
    only that province and its communes."""
    from vietnam_provinces import Province, Ward

    provinces = sorted(Province.iter_all(), key=lambda p: int(p.code))
    if province is not None:
        wanted = nfc(province).strip().lower()
        chosen = [p for p in provinces if wanted in (province_id(int(p.code)), str(int(p.code)), p.codename,
                                                     nfc(p.name).lower(), _bare(p.name).lower())]
        if not chosen:
            raise UnitError([Problem(f"không có tỉnh, thành phố '{province}' trong danh mục {SOURCE}",
                                     field="province", hint="ghi tên (ví dụ An Giang), mã (89) hoặc mã đơn vị (vn-p-89)")])
        provinces = chosen
    codes = {int(p.code) for p in provinces}
    units = [Unit(province_id(int(p.code)), _place(p.name, p.division_type.value), "province", source=SOURCE)
             for p in provinces]
    for w in sorted(Ward.iter_all(), key=lambda w: int(w.code)):
        if int(w.province_code) in codes:
            units.append(Unit(ward_id(int(w.code)), _place(w.name, w.division_type.value), _KINDS[w.division_type.value],
                              parent=province_id(int(w.province_code)), source=SOURCE))
    return units


def _bare(name: str) -> str:
    """"Tỉnh An Giang" → "An Giang"."""
    for word in ("Thành phố ", "Tỉnh "):
        if name.startswith(word):
            return name[len(word):]
    return name


def units_from_source(source: str, province: str | None = None) -> list[Unit]:
    """Units of a named import source (``plancal units import --from SOURCE``); today only vietnam-provinces."""
    if source != SOURCE:
        raise UnitError([Problem(f"không có nguồn đơn vị '{source}'", field="from", hint=f"nguồn có sẵn: {SOURCE}")])
    return national_directory(province)
