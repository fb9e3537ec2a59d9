"""Can-chi (sexagenary) names of lunar years: Tân Sửu 2021, Giáp Thìn 2024, Ất Tỵ 2025, Bính Ngọ 2026.

The lunar year that begins in solar year Y (at Tết) is named by its stem (can, a cycle of 10) and its branch
(chi, a cycle of 12): the stem is ``(Y + 6) % 10`` and the branch ``(Y + 8) % 12`` in the lists below, so
that 1984 is Giáp Tý, the start of a 60-year cycle. Spelt as Vietnamese documents spell them (Mão, Tỵ).
"""

from __future__ import annotations

from datetime import date

import lunar_vn

STEMS = ("Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý")
BRANCHES = ("Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi")


def can_chi(lunar_year: int) -> str:
    """The name of the lunar year that begins in solar year ``lunar_year``: can_chi(2021) == "Tân Sửu"."""
    return f"{STEMS[(lunar_year + 6) % 10]} {BRANCHES[(lunar_year + 8) % 12]}"


def can_chi_of(d: date) -> str:
    """The name of the lunar year ``d`` falls in: 01/02/2021 is still Canh Tý (Tết was 12/02/2021)."""
    return can_chi(lunar_vn.solar_to_lunar(d).year)
