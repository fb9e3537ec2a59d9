"""The consolidated report of plan 001 (Quảng Ngãi 2022-2025) for the first half of 2023, from a fixture of
submissions and exemplars: HTML and .docx show the same numbers, the .docx is laid out as an
administrative report (Decree 30/2020) and LibreOffice converts it to PDF."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from plancal.errors import PlancalError
from plancal.lifecycle.issuance import issue_file
from plancal.schedule.occurrence import Kind, Relation
from plancal.settings import Settings
from plancal.store import Exemplar, Store, Submission
from plancal.views.consolidated import Consolidated, abbreviation, consolidated, decree30_date, parse_period, render_html
from plancal.views.documents import render_docx
from tests.conftest import PLANS

PLAN = "qng-2022-2025-tuyen-truyen-dhtt"
TODAY = date(2023, 6, 25)  # after the units' deadlines (17/6, 18/6) and the consolidation's (20/6)


@pytest.fixture
def report(store: Store) -> Consolidated:
    issue_file(store, PLANS / "001-quang-ngai-2022-2025.yaml")
    rows = sorted(store.occurrences(plan_id=PLAN, kinds=[Kind.REPORT]), key=lambda r: r.unit_id or "")
    h1 = [r for r in rows if r.period_key == "2023-H1"]
    assert len(h1) > 6
    for r in h1[:4]:  # four on time
        store.record_submission(Submission(r.uid, r.unit_id or "", r.due_effective, "số 10/BC"))
    # two three days late (units the plan tasks; a request, "đề nghị", is never late)
    for r in [r for r in h1[4:] if r.relation != Relation.REQUESTED][:2]:
        store.record_submission(Submission(r.uid, r.unit_id or "", r.due_limit + timedelta(days=3), ""))
    # the rest missing
    store.add_exemplars([
        Exemplar(PLAN, "Hợp tác xã Nghĩa Hà", True, "qng-xa-nghia-ha", "Nông nghiệp", date(2023, 1, 20), "số 2/BC"),
        Exemplar(PLAN, "Nguyễn Văn A", False, "qng-so-y-te", "Y tế", date(2023, 2, 3)),
        Exemplar(PLAN, "Trần Thị B", False, "qng-so-y-te", "Y tế", date(2023, 2, 10)),
        Exemplar(PLAN, "Trường THCS Trần Phú", True, "qng-p-tran-phu", "Giáo dục và đào tạo", date(2023, 3, 5)),
        Exemplar(PLAN, "Lê Văn C", False, "qng-h-binh-son", "Nông nghiệp", date(2023, 6, 1)),
        Exemplar(PLAN, "Ngoài kỳ", False, "qng-h-binh-son", "Nông nghiệp", date(2023, 6, 20)),  # after 14/6
    ])
    return consolidated(store, PLAN, parse_period("2023-H1"), TODAY)


class Tables(HTMLParser):
    """The cells of each <table class="data"> by its id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.paragraphs: dict[str, str] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._p: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("class") == "data":
            self._table = a["id"] or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "p" and a.get("id"):
            self._p = a["id"]
            self.paragraphs[self._p] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "p":
            self._p = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._p:
            self.paragraphs[self._p] += data


def settings() -> Settings:
    return Settings.from_env({})


def test_the_report_counts_what_came_in(report: Consolidated) -> None:
    assert (report.data_from, report.data_to, report.decree_09) == (date(2022, 12, 15), date(2023, 6, 14), True)
    assert (report.on_time, report.late, report.missing, report.pending) == (4, 2, len(report.received) - 6, 0)
    assert {r.status for r in report.received if r.days == 3 and r.received} == {"Muộn 3 ngày"}
    # exemplars by field inside the data window (the one of 20/6 is after the cut-off)
    assert [(f.field, f.collective, f.individual) for f in report.fields] == [
        ("Nông nghiệp", 1, 1), ("Y tế", 0, 2), ("Giáo dục và đào tạo", 1, 0)]
    monthly = {q.period: (q.counted, q.verdict) for q in report.quotas if q.duty_id == "tuyen-truyen-2-3-dien-hinh-thang"}
    assert monthly == {"tháng 1/2023": (1, "không đạt"), "tháng 2/2023": (2, "đạt"), "tháng 3/2023": (1, "không đạt"),
                       "tháng 4/2023": (0, "không đạt"), "tháng 5/2023": (0, "không đạt"),
                       "tháng 6/2023": (2, "đạt")}
    yearly = [q for q in report.quotas if q.duty_id == "gui-ban-tdkt-tw-hang-nam"]
    assert [(q.counted, q.verdict) for q in yearly] == [(6, "chưa hết kỳ")]
    assert report.overdue and all(o.due <= TODAY and o.days > 0 for o in report.overdue)
    assert (report.agency, report.symbol, report.addressee) == (
        "Sở Nội vụ tỉnh Quảng Ngãi (Ban Thi đua - Khen thưởng tỉnh)", "BC-SNV", "Ủy ban nhân dân tỉnh Quảng Ngãi")


def test_html_and_docx_show_the_same_numbers(report: Consolidated) -> None:
    html = render_html(report, settings())
    parsed = Tables()
    parsed.feed(html)
    document = docx.Document(io.BytesIO(render_docx(report)))
    header, *data = document.tables
    names = [n for n in ("received", "quotas", "fields", "overdue") if n in parsed.tables]
    assert names == ["received", "quotas", "fields", "overdue"]
    assert len(data) == len(names) + 1  # and the recipients / signature block
    for name, table in zip(names, data, strict=False):
        cells = [[c.text for c in row.cells] for row in table.rows]
        assert cells == parsed.tables[name], name
    received = parsed.tables["received"][1:]
    assert sum(1 for row in received if row[4] == "Đúng hạn") == report.on_time
    assert sum(1 for row in received if row[4].startswith("Muộn")) == report.late
    assert sum(1 for row in received if row[4].startswith("Chưa gửi")) == report.missing
    texts = [p.text for p in document.paragraphs]
    for key in ("received-summary", "quota-summary", "field-summary", "overdue-summary"):
        assert parsed.paragraphs[key].strip() in texts
    assert f"Đã nhận 6/{len(report.received)} báo cáo: đúng hạn 4, muộn 2" in parsed.paragraphs["received-summary"]


def test_docx_is_laid_out_as_an_administrative_report(report: Consolidated) -> None:
    document = docx.Document(io.BytesIO(render_docx(report)))
    left, right = (cell.text for cell in document.tables[0].rows[0].cells)
    assert left.splitlines() == ["ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
                                 "SỞ NỘI VỤ TỈNH QUẢNG NGÃI (BAN THI ĐUA - KHEN THƯỞNG TỈNH)", "Số: …/BC-SNV"]
    assert right.splitlines() == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                                  "Quảng Ngãi, ngày 25 tháng 6 năm 2023"]
    texts = [p.text for p in document.paragraphs]
    title = texts.index("BÁO CÁO")
    assert texts[title + 1] == report.subject and report.subject.endswith("6 tháng đầu năm 2023")
    assert texts[title + 2] == "Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi"
    foot = document.tables[-1].rows[0].cells
    assert foot[0].text.splitlines() == ["Nơi nhận:", "- Ủy ban nhân dân tỉnh Quảng Ngãi (báo cáo);", "- Lưu: VT."]
    assert foot[1].text.startswith("THỦ TRƯỞNG CƠ QUAN")
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.left_margin.mm), round(section.right_margin.mm)) == (210, 30, 15)


def test_libreoffice_converts_the_docx_to_pdf(report: Consolidated, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required under CI")
        pytest.skip("LibreOffice (soffice) is not installed")
    source = tmp_path / "bao-cao.docx"
    source.write_bytes(render_docx(report))
    profile = tmp_path / "lo-profile"
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(tmp_path), str(source)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "bao-cao.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000


def test_dates_periods_and_symbols() -> None:
    assert decree30_date("An Giang", date(2023, 7, 5)) == "An Giang, ngày 05 tháng 7 năm 2023"
    assert decree30_date("Nam Đông", date(2020, 1, 10)) == "Nam Đông, ngày 10 tháng 01 năm 2020"
    assert decree30_date("Huế", date(2020, 2, 29)) == "Huế, ngày 29 tháng 02 năm 2020"
    assert decree30_date("Huế", date(2020, 12, 1)) == "Huế, ngày 01 tháng 12 năm 2020"
    assert [parse_period(p).key for p in ("2023-H1", "2023-h2", "2023")] == ["2023-H1", "2023-H2", "2023"]
    with pytest.raises(PlancalError, match="2023-H1"):
        parse_period("2023-Q1")
    assert abbreviation("Phòng Nội vụ huyện Nam Đông") == "PNV"
    assert abbreviation("Sở Nội vụ tỉnh Quảng Ngãi (Ban Thi đua - Khen thưởng tỉnh)") == "SNV"


def test_a_period_without_a_report_uses_the_calendar(report: Consolidated, store: Store) -> None:
    h2 = consolidated(store, PLAN, parse_period("2023-H2"), date(2024, 1, 5))
    assert (h2.data_from, h2.data_to, h2.received) == (date(2023, 7, 1), date(2023, 12, 31), ())
    html = render_html(replace(h2), settings())
    assert "Kế hoạch không đặt kỳ báo cáo này cho các đơn vị." in html


def test_cli_report_writes_html_and_docx(report: Consolidated, store: Store, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from plancal.cli import app

    monkeypatch.setenv("PLANCAL_DATABASE_URL", store.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    for fmt in ("html", "docx"):
        out = tmp_path / f"bc.{fmt}"
        r = runner.invoke(app, ["report", "--plan", PLAN, "--period", "2023-H1", "--format", fmt, "-o", str(out),
                                "--today", "25/06/2023"])
        assert r.exit_code == 0, r.output
        assert out.stat().st_size > 1000
    assert report.subject in (tmp_path / "bc.html").read_text(encoding="utf-8")
    assert docx.Document(str(tmp_path / "bc.docx")).paragraphs
    r = runner.invoke(app, ["report", "--plan", PLAN, "--period", "2023-Q1", "-o", str(tmp_path / "x.html")])
    assert r.exit_code != 0


def test_the_mail_to_the_issuer_attaches_the_docx_7_bit_clean(report: Consolidated, store: Store) -> None:
    import email
    from datetime import UTC, datetime
    from email import policy

    from plancal.mail.composition import compose
    from plancal.views.consolidated import report_letters

    document = render_docx(report)
    letters = report_letters(store, report, document)
    assert [x.recipient for x in letters] == ["ubnd@quangngai.gov.vn"]
    now = datetime(2023, 6, 25, 1, 0, tzinfo=UTC)
    envelope = compose(letters[0], settings(), now)
    assert envelope.data.isascii() and envelope.data == compose(letters[0], settings(), now).data
    msg = email.message_from_bytes(envelope.data, policy=policy.default)
    assert msg.get_content_type() == "multipart/mixed"
    attachment = next(msg.iter_attachments())
    assert attachment.get_content() == document
    assert "Báo cáo tổng hợp 6 tháng đầu năm 2023" in envelope.subject
