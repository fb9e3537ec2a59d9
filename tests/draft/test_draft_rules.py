"""The drafter's sentence rules, each on a small document written the way offices write (any unit
names, any numbers): who a clause is about, which clauses share a time phrase or a duty, quotas, targets
for the whole territory, numbered lines that are tasks, and a document without its issue date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from plancal.draft.core import read_directory
from plancal.draft.drafter import Draft, assumed_issue, draft_text
from plancal.draft.structure import paragraphs
from plancal.errors import PlanError

UNITS = """\
units:
  - {id: t, name: "UBND tỉnh Hòa Bình Xanh", kind: province, emails: [t@x.vn]}
  - {id: snv, name: "Sở Nội vụ tỉnh Hòa Bình Xanh", kind: department, parent: t, emails: [snv@x.vn]}
  - {id: stc, name: "Sở Tài chính tỉnh Hòa Bình Xanh", kind: department, parent: t, emails: [stc@x.vn]}
  - {id: tt, name: "Trung tâm Văn hóa tỉnh Hòa Bình Xanh", kind: center, parent: t, emails: [tt@x.vn]}
  - {id: bao, name: "Báo Hòa Bình Xanh", kind: newspaper, parent: t, emails: [bao@x.vn]}
  - {id: dai, name: "Đài Phát thanh và Truyền hình Hòa Bình Xanh", kind: broadcaster, parent: t, emails: [d@x.vn]}
  - {id: mt, name: "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Hòa Bình Xanh", kind: front, parent: t, emails: [m@x.vn]}
  - {id: hnd, name: "Hội Nông dân tỉnh Hòa Bình Xanh", kind: mass-organisation, parent: t, emails: [h@x.vn]}
  - {id: h1, name: "UBND huyện Suối Mát", kind: district, parent: t, emails: [h1@x.vn]}
  - {id: x1, name: "UBND xã Đồi Thông", kind: commune, parent: h1, emails: [x1@x.vn]}
"""
HEAD = ["Số: 15/KH-UBND", "", "Hòa Bình Xanh, ngày 12 tháng 02 năm 2023", "", "KẾ HOẠCH", "",
        "Tuyên truyền thi đua trên địa bàn tỉnh Hòa Bình Xanh năm 2023", "",
        "Thực hiện Kế hoạch số 9/KH-UBND ngày 05/01/2023 của Ủy ban nhân dân tỉnh Hòa Bình Xanh.", "",
        "I. MỤC ĐÍCH, YÊU CẦU", "", "Nâng cao nhận thức về thi đua.", "", "II. TỔ CHỨC THỰC HIỆN", ""]


@pytest.fixture()
def directory(tmp_path: Path) -> Any:
    (tmp_path / "u.yaml").write_text(UNITS, encoding="utf-8")
    return read_directory(tmp_path / "u.yaml")


def draft(directory: Any, *body: str, head: list[str] | None = None) -> Draft:
    return draft_text([*(HEAD if head is None else head), *body, "", "Trên đây là Kế hoạch./."], directory, ["u.yaml"])


def duties(d: Draft) -> list[dict[str, Any]]:
    return list(d.plan.get("duties", []))


def test_a_numbered_line_with_nothing_under_it_is_a_task(directory: Any) -> None:
    d = draft(directory, "1. Căn cứ vào kế hoạch này, các cơ quan, đơn vị, các xã có kế hoạch cụ thể để thực hiện.",
              "", "2. Sở Tài chính bố trí kinh phí trong quý II/2023.")
    assert {"kind": "department", "under": "t"} in d.plan["sub_plans"]["who"]
    assert {"kind": "center", "under": "t"} in d.plan["sub_plans"]["who"]  # "cơ quan, đơn vị"
    assert {"kind": "commune", "under": "t"} in d.plan["sub_plans"]["who"]
    [duty] = duties(d)
    assert duty["who"] == ["stc"] and duty["when"] == {"within": "Q2/2023"} and duty["source"]["section"] == "II.2"


def test_an_undated_note_does_not_hide_a_sub_plan_request(directory: Any) -> None:
    d = draft(directory, "1. Các sở, ngành: Xây dựng kế hoạch tuyên truyền, kịp thời biểu dương điển hình.")
    assert d.plan["sub_plans"]["who"] == [{"kind": "department", "under": "t"}]


def test_a_subject_list_goes_on_after_a_qualifier_ending_in_a_comma(directory: Any) -> None:
    d = draft(directory, "- Trên cơ sở Kế hoạch này, các sở, ngành cấp tỉnh, doanh nghiệp, hợp tác xã thuộc Khối thi "
                         "đua của tỉnh, cấp huyện, cấp xã căn cứ tình hình thực tế xây dựng kế hoạch phù hợp.")
    who = d.plan["sub_plans"]["who"]
    assert {"kind": "district", "under": "t"} in who and {"kind": "commune", "under": "t"} in who


def test_an_opening_time_phrase_governs_the_sentence_and_its_subject_follows(directory: Any) -> None:
    d = draft(directory, "1. Báo chí:", "",
              "Định kỳ trước ngày 20 hàng tháng Báo Hòa Bình Xanh gửi bài viết; Đài Phát thanh và Truyền hình Hòa "
              "Bình Xanh gửi phóng sự về Sở Nội vụ.")
    by_who = {tuple(x["who"]): x for x in duties(d)}
    assert by_who[("bao",)]["when"] == by_who[("dai",)]["when"] == {"every": "month", "day": 20, "before": True}
    assert by_who[("dai",)]["to"] == "snv"


def test_a_circumstance_before_the_time_phrase_is_not_the_subject(directory: Any) -> None:
    d = draft(directory, "- Tùy từng điều kiện cụ thể, hàng năm các sở, ngành tổ chức ít nhất 01 lần tọa đàm.")
    [duty] = duties(d)
    assert duty["who"] == [{"kind": "department", "under": "t"}] and duty["when"] == {"every": "year"}
    assert duty["quota"]["min"] == 1


def test_works_with_their_own_quotas_are_one_duty_each_and_take_the_monthly_deadline(directory: Any) -> None:
    d = draft(directory, "3. Đài Phát thanh và Truyền hình Hòa Bình Xanh:", "",
              "Đài Phát thanh và Truyền hình Hòa Bình Xanh thực hiện phát sóng truyền hình (3 kỳ/tháng) và phát thanh "
              "(4 kỳ/tháng). Định kỳ trước ngày 25 hàng tháng Đài Phát thanh và Truyền hình Hòa Bình Xanh gửi bài "
              "viết về Sở Nội vụ.")
    got = sorted((x["quota"]["min"], x["when"]["day"], x.get("to")) for x in duties(d))
    assert got == [(3, 25, "snv"), (4, 25, "snv")]  # the deadline clause joined both, not a third duty


def test_a_target_for_the_whole_territory_is_the_standing_agencys(directory: Any) -> None:
    d = draft(directory, "1. Các sở, ngành:", "",
              "+ Hàng tháng, các sở, ngành giới thiệu điển hình gửi về Sở Nội vụ. Phấn đấu mỗi tháng có từ 3-4 điển "
              "hình được tuyên truyền giới thiệu cho Sở Nội vụ. Hàng năm toàn tỉnh có ít nhất 20 điển hình tiêu biểu.")
    totals = [x for x in duties(d) if x["who"] == ["@standing-agency"]]
    assert sorted((x["quota"]["min"], x["when"]["every"]) for x in totals) == [(3, "month"), (20, "year")]
    assert all(x["quota"]["scope"] == "total" and "to" not in x for x in totals)  # it does not owe itself


def test_a_clause_goes_on_with_its_sentences_subject(directory: Any) -> None:
    d = draft(directory, "4. Giao Sở Nội vụ tham mưu Ủy ban nhân dân tỉnh theo dõi việc thực hiện Kế hoạch này; tổng "
                         "hợp và báo cáo kết quả vào quý IV năm 2023.")
    [duty] = duties(d)
    assert duty["who"] == ["snv"] and duty["when"] == {"within": "Q4/2023"}


def test_an_undated_clause_joins_the_duty_before_it(directory: Any) -> None:
    d = draft(directory, "5. Sở Tài chính thẩm định kinh phí trong quý I/2023; hướng dẫn thanh quyết toán.")
    [duty] = duties(d)
    assert duty["what"].endswith("; hướng dẫn thanh quyết toán") and duty["when"] == {"within": "Q1/2023"}


def test_a_clause_that_only_says_when_introduces_the_items_below(directory: Any) -> None:
    d = draft(directory, "1. Các địa phương", "", "- Thường xuyên tôn vinh điển hình. Cụ thể hàng năm:", "",
              "+ Mỗi huyện có ít nhất 3 điển hình tiêu biểu; mỗi xã có ít nhất 01 điển hình tiêu biểu.")
    assert not any(x["what"].startswith("Cụ thể") for x in duties(d))
    yearly = {tuple(map(str, x["who"])): x["quota"]["min"] for x in duties(d) if x["when"] == {"every": "year"}}
    assert list(yearly.values()) == [3, 1]


def test_each_branch_and_the_front_by_a_short_name(directory: Any) -> None:
    d = draft(directory, "- Mỗi ngành, Mặt trận, hội đoàn thể tỉnh có ít nhất 2 điển hình tiêu biểu hàng năm.")
    [duty] = duties(d)
    assert duty["who"] == [{"kind": "department", "under": "t"}, "mt", {"kind": "mass-organisation", "under": "t"}]


def test_the_bodies_of_a_list_of_agencies_are_the_front_and_the_mass_organisations(directory: Any) -> None:
    d = draft(directory, "- Các cơ quan, ban, ngành, đoàn thể tiếp tục tổ chức phong trào thi đua trong quý II/2023.")
    [duty] = duties(d)
    assert duty["who"] == [{"kind": "department", "under": "t"}, "mt", {"kind": "mass-organisation", "under": "t"}]


def test_organisations_closing_a_list_of_subjects_before_a_modal_verb(directory: Any) -> None:
    d = draft(directory, "- Trên cơ sở các bài học kinh nghiệm, mỗi địa phương, mỗi ngành, đơn vị, tổ chức cần lựa "
                         "chọn các mô hình, điển hình tiên tiến trong quý III/2023.",
              "", "- Sở Tài chính, tổ chức kiểm tra việc sử dụng kinh phí trong quý IV/2023.")
    first, second = duties(d)
    assert "mt" in first["who"] and {"kind": "mass-organisation", "under": "t"} in first["who"]
    assert second["who"] == ["stc"]  # "tổ chức kiểm tra": the verb, with its object


def test_work_greeting_a_conference_of_the_plan_is_done_by_it(directory: Any) -> None:
    d = draft(directory, "1. Hình thức và thời gian", "", "a) Đối với cấp huyện:", "",
              "- Hình thức: Tổ chức “Hội nghị biểu dương điển hình”.", "",
              "- Thời gian: hoàn thành trong quý III/2023.", "",
              "2. Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh vận động nhân dân thi đua lập thành tích chào mừng "
              "Hội nghị biểu dương điển hình lần thứ II.")
    [duty] = duties(d)
    assert duty["who"] == ["mt"] and duty["when"] == {"within": {"from": "12/02/2023", "to": "30/09/2023"}}
    assert any("chào mừng" in r.reason for r in d.review)


def test_a_wider_window_in_a_clause_greeting_a_conference_is_narrowed_to_it(directory: Any) -> None:
    d = draft(directory, "1. Hình thức và thời gian", "", "a) Đối với cấp huyện:", "",
              "- Hình thức: Tổ chức “Hội nghị biểu dương điển hình”.", "",
              "- Thời gian: hoàn thành trong quý III/2023.", "",
              "2. Giao Trung tâm Văn hóa tỉnh Hòa Bình Xanh tuyên truyền chào mừng Đại hội Đảng các cấp, ngày lễ "
              "lớn trong năm 2023, cổ động chào mừng Hội nghị biểu dương điển hình.",
              "", "3. Giao Sở Tài chính tuyên truyền chào mừng Đại hội Đảng các cấp trong năm 2023.")
    first, second = duties(d)
    assert first["when"] == {"within": {"from": "12/02/2023", "to": "30/09/2023"}}
    assert second["when"] == {"within": "2023"}  # a congress the plan does not date changes nothing


def test_without_an_issue_date_the_draft_assumes_the_month_after_its_basis(directory: Any) -> None:
    head = [line for line in HEAD if not line.startswith("Hòa Bình Xanh, ngày")]
    d = draft(directory, "1. Sở Tài chính báo cáo trước ngày 10 hàng tháng.", head=head)
    assert d.plan["issued"] == {"assumed": "01/02/2023"}  # the basis is dated 05/01/2023
    assert "issued: {assumed: 01/02/2023}  # CHƯA RÕ" in d.yaml_text
    assert any("không ghi ngày ban hành" in r.reason for r in d.review)


def test_the_assumed_issue_date_without_a_dated_basis() -> None:
    assert assumed_issue(None, "Kế hoạch tuyên truyền năm 2019")[0].isoformat() == "2019-01-01"
    assert assumed_issue(__import__("datetime").date(2022, 12, 9), "-")[0].isoformat() == "2023-01-01"
    with pytest.raises(PlanError):
        assumed_issue(None, "Kế hoạch tuyên truyền")


def test_a_line_wrapped_after_a_hyphen_in_a_symbol_joins_without_a_space() -> None:
    assert paragraphs(["- Thực hiện Chỉ thị số 18/CT-", "TTg về phát triển kinh tế -", "xã hội năm 2016."]) == \
        [(1, "- Thực hiện Chỉ thị số 18/CT-TTg về phát triển kinh tế - xã hội năm 2016.")]
