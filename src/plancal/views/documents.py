"""The consolidated report as a Word document (.docx), laid out as a Vietnamese administrative report
(Decree 30/2020/NĐ-CP): the issuing agency in capitals under its parent, the number and symbol, the
national motto, the place and date line, the title BÁO CÁO with its subject, the body, the recipients
(Nơi nhận) and the signature block. A4, margins 20/20/30/15 mm, Times New Roman."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from plancal.views.consolidated import Consolidated
from plancal.vn.dates import short

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12


def _paragraph(cell_or_doc: object, text: str = "", *, bold: bool = False, italic: bool = False,
               size: int = BODY_PT, align: WD_ALIGN_PARAGRAPH | None = None, underline: bool = False,
               first: bool = False) -> Paragraph:
    add = cell_or_doc.add_paragraph  # type: ignore[attr-defined]
    p: Paragraph = cell_or_doc.paragraphs[0] if first else add()  # type: ignore[attr-defined]
    run = p.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)
    run.font.name = FONT
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(3)
    return p


def _no_borders(table: Table) -> None:
    borders = table._tbl.tblPr.first_child_found_in("w:tblBorders")
    if borders is not None:
        table._tbl.tblPr.remove(borders)


def _data_table(doc: object, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    table: Table = doc.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _paragraph(cell, text, bold=True, size=TABLE_PT, first=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _paragraph(cell, str(value), size=TABLE_PT, first=True)
    return table


def render_docx(report: Consolidated) -> bytes:
    """The .docx bytes of a consolidated report."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    doc.core_properties.title = f"BÁO CÁO {report.subject}"
    doc.core_properties.language = "vi-VN"

    head = doc.add_table(rows=1, cols=2)
    _no_borders(head)
    left, right = head.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    if report.parent_agency:
        _paragraph(left, report.parent_agency.upper(), size=13, align=center, first=True)
        _paragraph(left, report.agency.upper(), bold=True, size=13, align=center)
    else:
        _paragraph(left, report.agency.upper(), bold=True, size=13, align=center, first=True)
    _paragraph(left, f"Số: …/{report.symbol}", size=13, align=center)
    _paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=13, align=center, first=True)
    _paragraph(right, "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True, align=center)
    _paragraph(right, report.place_date, italic=True, align=center)

    s = report.sentences()
    _paragraph(doc, "BÁO CÁO", bold=True, align=center).paragraph_format.space_before = Pt(12)
    _paragraph(doc, report.subject, bold=True, align=center)
    _paragraph(doc, f"Kính gửi: {report.addressee}", align=center)
    _paragraph(doc, s["intro"], align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    _paragraph(doc, "1. Tình hình gửi báo cáo", bold=True)
    _paragraph(doc, s["received"])
    if report.received:
        _data_table(doc, ["STT", "Đơn vị", "Hạn", "Ngày nhận", "Tình trạng"],
                    [[i, x.unit, short(x.due), short(x.received) if x.received else "", x.status]
                     for i, x in enumerate(report.received, 1)])
    _paragraph(doc, "2. Kết quả thực hiện chỉ tiêu điển hình tiên tiến", bold=True)
    _paragraph(doc, s["quotas"])
    if report.quotas:
        _data_table(doc, ["STT", "Đơn vị", "Kỳ", "Chỉ tiêu", "Đã có", "Đạt"],
                    [[i, q.unit, q.period, q.quota, q.counted, q.verdict] for i, q in enumerate(report.quotas, 1)])
    _paragraph(doc, "3. Điển hình tiên tiến theo lĩnh vực", bold=True)
    _paragraph(doc, s["fields"])
    if report.fields:
        _data_table(doc, ["STT", "Lĩnh vực", "Tập thể", "Cá nhân", "Cộng"],
                    [[i, f.field, f.collective, f.individual, f.total] for i, f in enumerate(report.fields, 1)])
    _paragraph(doc, "4. Việc quá hạn", bold=True)
    _paragraph(doc, s["overdue"])
    if report.overdue:
        _data_table(doc, ["STT", "Đơn vị", "Nhiệm vụ", "Kỳ", "Hạn", "Quá hạn (ngày)"],
                    [[i, o.unit, o.duty, o.period, short(o.due), o.days] for i, o in enumerate(report.overdue, 1)])
    _paragraph(doc, "5. Đánh giá chung, kiến nghị", bold=True)
    _paragraph(doc, s["assessment"], italic=True)

    foot = doc.add_table(rows=1, cols=2)
    _no_borders(foot)
    recipients, sign = foot.rows[0].cells
    _paragraph(recipients, "Nơi nhận:", bold=True, italic=True, size=12, first=True)
    _paragraph(recipients, f"- {report.addressee} (báo cáo);", size=11)
    _paragraph(recipients, "- Lưu: VT.", size=11)
    _paragraph(sign, "THỦ TRƯỞNG CƠ QUAN", bold=True, align=center, first=True)
    _paragraph(sign, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=13, align=center)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
