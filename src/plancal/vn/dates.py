"""Dates as Vietnamese documents write them: parsing "31/10/2024" and writing "ngày 25 tháng 6 năm 2025"."""

from __future__ import annotations

import re
from datetime import date

_DMY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def parse_date(value: object) -> date:
    """Accept a ``date``, "31/10/2024" (day/month/year, as documents write) or "2024-10-31".

    Raises ValueError with a Vietnamese message for impossible dates such as 31/2/2021.
    """
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"cần một ngày dạng ngày/tháng/năm (ví dụ 31/10/2024), nhận được {value!r}")
    m = _DMY.match(value)
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _ISO.match(value)
        if not m:
            raise ValueError(f"'{value}' không phải là ngày; viết theo dạng ngày/tháng/năm, ví dụ 31/10/2024")
        year, month, day = (int(g) for g in m.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"ngày {day}/{month}/{year} không tồn tại (tháng {month}/{year} không có ngày {day})") from None


def short(d: date) -> str:
    """25/06/2025 — the compact form used in titles (dd/mm/yyyy)."""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def long(d: date) -> str:
    """ngày 25 tháng 6 năm 2025 — the form used in letters, as Decree 30/2020/NĐ-CP (Appendix I) writes it:
    a leading zero for days below 10 and for months 1 and 2 ("ngày 05 tháng 3 năm 2021", "ngày 01 tháng 02
    năm 2026")."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def weekday(d: date) -> str:
    return WEEKDAYS[d.weekday()]


def with_weekday(d: date) -> str:
    """Thứ Tư, 25/06/2025."""
    return f"{weekday(d)}, {short(d)}"
