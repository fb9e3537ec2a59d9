"""The words of a Vietnamese office: formal names in letters, documents cited with number and date, dates as
Decree 30/2020 writes them, "năm tròn"/"năm chẵn" (Decree 145/2013 art. 3), the plan's quota words, one name
for the standing agency."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from plancal import mail
from plancal.lifecycle.issuance import issue_file
from plancal.mail.composition import render
from plancal.plans.model import Quota
from plancal.settings import Settings
from plancal.store import Store
from plancal.units.directory import Unit, formal_name
from plancal.vn.anniversaries import Anniversary
from plancal.vn.dates import long, short
from tests.conftest import ROOT
from tests.helpers import SourcePlan, write_plan
from tests.mail_helpers import outbox_settings


def test_long_dates_as_decree_30_writes_them() -> None:
    assert long(date(2021, 3, 5)) == "ngày 05 tháng 3 năm 2021"
    assert long(date(2026, 1, 1)) == "ngày 01 tháng 01 năm 2026"
    assert long(date(2026, 2, 1)) == "ngày 01 tháng 02 năm 2026"
    assert long(date(2025, 12, 25)) == "ngày 25 tháng 12 năm 2025"
    assert long(date(2025, 6, 10)) == "ngày 10 tháng 6 năm 2025"
    for d in (date(2021, 3, 5), date(2026, 1, 1), date(2025, 12, 25)):
        day, month, year = short(d).split("/")
        assert (len(day), len(month), len(year)) == (2, 2, 4)


def test_formal_names_by_rule_or_given() -> None:
    assert formal_name("commune", "xã Hương Lộc") == "UBND xã Hương Lộc"
    assert formal_name("province", "tỉnh An Giang") == "UBND tỉnh An Giang"
    assert formal_name("commune", "UBND xã A1") == "UBND xã A1"
    assert formal_name("province", "Ủy ban nhân dân thành phố Hải Phòng") == "Ủy ban nhân dân thành phố Hải Phòng"
    assert formal_name("department", "Sở Nội vụ") == "Sở Nội vụ"
    given = Unit("ag", "tỉnh An Giang", "province", formal_name="Ủy ban nhân dân tỉnh An Giang")
    assert given.letter_name == "Ủy ban nhân dân tỉnh An Giang" and given.name == "tỉnh An Giang"


def test_round_and_even_anniversaries() -> None:
    ann = Anniversary("giai-phong", "Ngày Giải phóng Hải Phòng", 5, 13, founded=1955)
    assert ann.round_word(2025) == "năm tròn"  # 70
    assert ann.round_word(2030) == "năm chẵn"  # 75
    assert ann.round_word(2026) is None
    [occ] = SourcePlan("000-thuy-nguyen-2025.yaml").of("anniversary", "giai-phong-hai-phong")
    assert "Năm tròn: kỷ niệm 70 năm." in occ.detail and "Năm chẵn" not in occ.detail


def test_quota_keeps_the_plans_words() -> None:
    assert Quota(min=5, max=7, words="ít nhất 5-7", unit="điển hình").text() == "ít nhất 5-7 điển hình"
    assert Quota(min=5, max=7, unit="điển hình").text() == "5-7 điển hình"
    quotas = {o.quota for o in SourcePlan("001-quang-ngai-2022-2025.yaml").occurrences() if o.quota}
    assert "ít nhất 5-7 điển hình tập thể, cá nhân" in quotas


def test_documents_are_cited_with_number_and_date() -> None:
    plan = SourcePlan("000-thuy-nguyen-2025.yaml").loaded().plan
    assert plan.display_number == "Kế hoạch số 227/KH-UBND ngày 31/10/2024"


def test_one_name_for_the_standing_agency() -> None:
    files = [*(ROOT / "templates").rglob("*.*"), *(ROOT / "src" / "plancal").rglob("*.py")]
    assert [f for f in files if "cơ quan điều phối" in f.read_text(encoding="utf-8")] == []
    assert "cơ quan thường trực" in (ROOT / "templates" / "subscribe.html.j2").read_text(encoding="utf-8")


def test_letters_address_the_body_and_titles_keep_the_place(store: Store, settings: Settings, tmp_path: Path) -> None:
    body = """\
    duties:
      - {id: xa, what: Gửi danh sách gương người tốt việc tốt, who: [xa-hl], to: snv, when: {on: 22/04/2021}}
    """
    path = write_plan(tmp_path / "plan", body)
    units = (tmp_path / "plan" / "units.yaml").read_text(encoding="utf-8")
    units += '  - {id: xa-hl, name: "xã Hương Lộc", kind: commune, parent: huyen-a, emails: [hl@tinh.gov.vn]}\n'
    (tmp_path / "plan" / "units.yaml").write_text(units, encoding="utf-8")
    issue_file(store, path)
    [notice] = [x for x in mail.plan_notices(store, settings, date(2021, 1, 15), "thu-nghiem") if x.recipient == "hl@tinh.gov.vn"]
    assert notice.to_name == "UBND xã Hương Lộc"
    rendered = render(notice, outbox_settings(settings))
    assert "Kính gửi: UBND xã Hương Lộc" in rendered.text
    assert "Kế hoạch số 1/KH-UBND ngày 15/01/2021" in rendered.text
    assert "ngày 15/01/2021 ngày 15/01/2021" not in rendered.text
    [digest] = [x for x in mail.digests(store, settings, date(2021, 4, 22)) if x.recipient == "hl@tinh.gov.vn"]
    assert digest.to_name == "UBND xã Hương Lộc"
    assert "ngày 22 tháng 4 năm 2021" in render(digest, outbox_settings(settings)).text
