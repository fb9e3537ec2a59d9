"""The time grammar: phrases from the five source plans and the forms of issue 13, each with the
``when:`` it must give and the first stated due dates the core expander computes from it."""

from __future__ import annotations

from datetime import date

import pytest

from plancal.draft.core import first_due_dates
from plancal.draft.timephrase import Context, read, scan

I24 = date(2024, 10, 31)  # 227/KH-UBND Thủy Nguyên
I20 = date(2020, 1, 10)  # 12/KH-UBND Nam Đông
I17 = date(2017, 3, 17)  # 40/KH-UBND Kiên Giang
I21 = date(2021, 2, 24)
I22 = date(2022, 12, 9)

CASES = [
    # --- recurring deadlines -----------------------------------------------------------------
    ("trước ngày 25 hàng tháng", I21, {"every": "month", "day": 25, "before": True}, ["24/02/2021", "24/03/2021"]),
    ("Định kỳ trước ngày 25 hàng tháng", I21, {"every": "month", "day": 25, "before": True}, ["24/02/2021"]),
    ("trước ngày 05 hàng tháng", I24, {"every": "month", "day": 5, "before": True}, ["04/11/2024", "04/12/2024"]),
    ("trước ngày 1 hàng tháng", I24, {"every": "month", "day": 1, "before": True}, ["31/10/2024", "30/11/2024"]),
    ("chậm nhất ngày 20 hằng tháng", I24, {"every": "month", "day": 20}, ["20/11/2024", "20/12/2024"]),
    ("ngày 15 hàng tháng", I17, {"every": "month", "day": 15}, ["15/04/2017", "15/05/2017"]),
    ("trước ngày 31 hàng tháng", I24, {"every": "month", "day": 31, "before": True}, ["29/11/2024", "30/12/2024"]),
    ("trước ngày 10 tháng cuối hàng quý", I24, {"every": "quarter", "month": "last", "day": 10, "before": True},
     ["09/12/2024", "09/03/2025"]),
    ("trước ngày 15 tháng đầu hàng quý", I24, {"every": "quarter", "month": "first", "day": 15, "before": True},
     ["14/01/2025", "14/04/2025"]),
    ("chậm nhất ngày 05 của tháng đầu mỗi quý", I24, {"every": "quarter", "month": "first", "day": 5},
     ["05/01/2025", "05/04/2025"]),
    ("trước ngày 20 tháng cuối quý", I17, {"every": "quarter", "month": "last", "day": 20, "before": True},
     ["19/03/2017", "19/06/2017"]),
    ("ngày 5 tháng sau", I24, {"every": "month", "month": "next", "day": 5}, ["05/11/2024", "05/12/2024"]),
    ("trước ngày 15/12 hàng năm", I24, {"every": "year", "month": 12, "day": 15, "before": True},
     ["14/12/2024", "14/12/2025"]),
    ("trước ngày 30 tháng 11 hằng năm", I22, {"every": "year", "month": 11, "day": 30, "before": True},
     ["29/11/2023", "29/11/2024"]),
    # --- frequencies --------------------------------------------------------------------------
    ("hàng tháng", I24, {"every": "month"}, ["31/10/2024", "30/11/2024"]),
    ("hằng tháng", I17, {"every": "month"}, ["31/03/2017", "30/04/2017"]),
    ("mỗi tháng 2 kỳ", I17, {"every": "month"}, ["31/03/2017", "30/04/2017"]),
    ("mỗi tháng 01 kỳ", I17, {"every": "month"}, ["31/03/2017"]),
    ("hàng quý", I24, {"every": "quarter"}, ["31/12/2024", "31/03/2025"]),
    ("mỗi quý 01 chương trình 15 phút", I17, {"every": "quarter"}, ["31/03/2017", "30/06/2017"]),
    ("hằng năm", I22, {"every": "year"}, ["31/12/2022", "31/12/2023"]),
    ("Hằng năm, Hội đồng Thi đua - Khen thưởng tỉnh", I22, {"every": "year"}, ["31/12/2022"]),
    ("hàng năm", I24, {"every": "year"}, ["31/12/2024", "31/12/2025"]),
    ("Cụ thể hàng năm:", I22, {"every": "year"}, ["31/12/2022"]),
    ("Hàng tháng, quý, các sở, ngành, địa phương", I22, {"every": "month"}, ["31/12/2022", "31/01/2023"]),
    ("định kỳ hàng quý", I24, {"every": "quarter"}, ["31/12/2024"]),
    ("6 tháng đầu năm", I24, {"every": "half", "months": [6]}, ["30/06/2025"]),
    ("6 tháng cuối năm", I24, {"every": "half", "months": [12]}, ["31/12/2024", "31/12/2025"]),
    ("định kỳ 6 tháng và cả năm", I24, {"every": "half"}, ["31/12/2024", "30/06/2025"]),
    ("Định kỳ 06 tháng, cuối năm báo cáo kết quả", I22, {"every": "half"}, ["31/12/2022", "30/06/2023"]),
    ("định kỳ 6 tháng", I24, {"every": "half"}, ["31/12/2024"]),
    ("cuối năm tổng hợp kết quả báo cáo UBND tỉnh", I17, {"every": "year"}, ["31/12/2017"]),
    # --- windows ------------------------------------------------------------------------------
    ("trong quý III/2024", I24.replace(month=1), {"within": "Q3/2024"}, ["30/09/2024"]),
    ("quý IV năm 2024", I24, {"within": "Q4/2024"}, ["31/12/2024"]),
    ("hoàn thành trong quý I/2020", I20, {"within": "Q1/2020"}, ["31/03/2020"]),
    ("vào Quý I/2020 để rút kinh nghiệm", I20, {"within": "Q1/2020"}, ["31/03/2020"]),
    ("hoàn thành trong quý II/2020", I20, {"within": "Q2/2020"}, ["30/06/2020"]),
    ("vào quý II năm 2020", I20, {"within": "Q2/2020"}, ["30/06/2020"]),
    ("trong quý 3/2025", I24, {"within": "Q3/2025"}, ["30/09/2025"]),
    ("6 tháng đầu năm 2025", I24, {"within": "H1/2025"}, ["30/06/2025"]),
    ("6 tháng cuối năm 2025", I24, {"within": "H2/2025"}, ["31/12/2025"]),
    ("vào năm 2025", I24, {"within": "2025"}, ["31/12/2025"]),
    ("Đại hội Thi đua yêu nước tỉnh Quảng Ngãi lần thứ VIII vào năm 2025", I22, {"within": "2025"}, ["31/12/2025"]),
    ("trong năm 2025", I24, {"within": "2025"}, ["31/12/2025"]),
    ("Từ khi ban hành Kế hoạch đến hết năm 2025", I24, {"within": {"from": "31/10/2024", "to": "31/12/2025"}},
     ["31/12/2025"]),
    ("từ ngày 5-6-2019 đến 20-7-2019", date(2019, 5, 1), {"within": {"from": "05/06/2019", "to": "20/07/2019"}},
     ["20/07/2019"]),
    ("từ ngày 10/8 đến ngày 25/8/2023", date(2023, 8, 1), {"within": {"from": "10/08/2023", "to": "25/08/2023"}},
     ["25/08/2023"]),
    ("từ 20/12 đến 10/01/2025", I24, {"within": {"from": "20/12/2024", "to": "10/01/2025"}}, ["10/01/2025"]),
    ("từ ngày 01/3/2021 đến ngày 30/4/2021", I21, {"within": {"from": "01/03/2021", "to": "30/04/2021"}},
     ["30/04/2021"]),
    ("cuối tháng 11", I24, {"within": {"from": "21/11/2024", "to": "30/11/2024"}}, ["30/11/2024"]),
    ("đầu tháng 11/2024", I24, {"within": {"from": "01/11/2024", "to": "10/11/2024"}}, ["10/11/2024"]),
    ("giữa tháng 12 năm 2024", I24, {"within": {"from": "11/12/2024", "to": "20/12/2024"}}, ["20/12/2024"]),
    ("cuối tháng 2 năm 2025", I24, {"within": {"from": "21/02/2025", "to": "28/02/2025"}}, ["28/02/2025"]),
    ("trong tháng 5/2025", I24, {"within": "5/2025"}, ["31/05/2025"]),
    ("năm học 2024-2025", date(2024, 8, 1), {"within": {"from": "01/09/2024", "to": "31/08/2025"}}, ["31/08/2025"]),
    # --- fixed dates ----------------------------------------------------------------------------
    ("trước ngày 30/9/2024", I24.replace(month=1), {"on": "29/09/2024"}, ["29/09/2024"]),
    ("chậm nhất ngày 15/01/2025", I24, {"on": "15/01/2025"}, ["15/01/2025"]),
    ("chậm nhất là ngày 05/12/2024", I24, {"on": "05/12/2024"}, ["05/12/2024"]),
    ("ngày 31 tháng 10 năm 2024", I24, {"on": "31/10/2024"}, ["31/10/2024"]),
    ("trước ngày 01/01/2025", I24, {"on": "31/12/2024"}, ["31/12/2024"]),
    ("trước ngày 15/11", I24, {"on": "14/11/2024"}, ["14/11/2024"]),
    ("ngày 05 tháng 3 năm 2021", I21, {"on": "05/03/2021"}, ["05/03/2021"]),
    # --- anniversaries ---------------------------------------------------------------------------
    ("vào dịp kỷ niệm 75 năm ngày Chủ tịch Hồ Chí Minh ra Lời kêu gọi thi đua ái quốc (11/6/1948 - 11/6/2023)", I22,
     {"on": "11/06/2023", "shift": "previous"}, ["11/06/2023"]),
    ("nhân dịp kỷ niệm 80 năm Ngày Chủ tịch Hồ Chí Minh ra Lời kêu gọi thi đua ái quốc", I24,
     {"on": "11/06/2028", "shift": "previous"}, ["11/06/2028"]),
    ("nhân dịp kỷ niệm 95 năm Ngày thành lập Đảng Cộng sản Việt Nam", I24, {"on": "03/02/2025", "shift": "previous"},
     ["03/02/2025"]),
    ("dịp kỷ niệm ngày Chủ tịch Hồ Chí Minh ra Lời kêu gọi thi đua ái quốc (11/6/2025)", I24,
     {"on": "11/06/2025", "shift": "previous"}, ["11/06/2025"]),
    # --- relative, standing, tentative --------------------------------------------------------------
    ("15 ngày sau khi kế hoạch được ban hành", I24, {"days_after_issue": 15}, ["15/11/2024"]),
    ("trong vòng 30 ngày kể từ ngày ban hành kế hoạch", I24, {"days_after_issue": 30}, ["30/11/2024"]),
    ("thường xuyên", I24, {"ongoing": True}, []),
    ("Thường xuyên tổ chức tôn vinh, giới thiệu", I22, {"ongoing": True}, []),
    ("dự kiến trong quý II/2025", I24, {"within": "Q2/2025"}, ["30/06/2025"]),
]


@pytest.mark.parametrize(("phrase", "issued", "when", "first"), CASES, ids=[c[0][:40] for c in CASES])
def test_phrase(phrase: str, issued: date, when: dict[str, object], first: list[str]) -> None:
    reading = read(phrase, Context(issued))
    assert reading is not None, phrase
    assert reading.when == when
    end = date(issued.year + 4, 12, 31)
    got = [f"{d:%d/%m/%Y}" for d in first_due_dates(when, issued, end)]
    assert got[:len(first)] == first


def test_reads_nfd_input() -> None:
    import unicodedata

    phrase = unicodedata.normalize("NFD", "trước ngày 25 hàng tháng")
    assert read(phrase) is not None and read(phrase).when == {"every": "month", "day": 25, "before": True}  # type: ignore[union-attr]


@pytest.mark.parametrize("phrase", ["sau khi có kết quả bình xét", "kịp thời", "từ nay đến Hội nghị tuyên dương",
                                    "hàng tuần", "05 ngày làm việc sau khi ban hành"])
def test_undated_forms_have_no_date_and_say_why(phrase: str) -> None:
    reading = read(phrase, Context(I24))
    assert reading is not None
    assert reading.when is None
    assert reading.notes


def test_tentative_and_cycles() -> None:
    r = read("dự kiến tổ chức vào quý III/2025", Context(I24))
    assert r is not None and r.tentative and r.when == {"within": "Q3/2025"}
    r = read("Định kỳ 06 tháng, cuối năm", Context(I24))
    assert r is not None and r.cycles == ("semiannual", "annual")


def test_impossible_date_is_not_read_as_a_date() -> None:
    r = read("trước ngày 31/2/2025", Context(I24))
    assert r is not None and r.when is None and "không tồn tại" in r.notes[0]


def test_scan_finds_every_phrase_and_ignores_bare_years_in_sentences() -> None:
    text = ("phối hợp với Đài xây dựng chương trình mỗi quý 01 chương trình 15 phút, chuyên mục tuyên truyền "
            "mỗi tháng 01 kỳ, kế hoạch năm 2017")
    found = scan(text, Context(I17))
    assert [r.when for r in found] == [{"every": "quarter"}, {"every": "month"}]
