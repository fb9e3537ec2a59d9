"""Reading a document into text lines: .txt (UTF-8), .docx (python-docx) and .pdf (pypdf text layer).

Every line is normalised to NFC (documents mix NFD), emphasis artefacts (``**``) are dropped and table
rows become one line with cells separated by tabs, as in the plain-text seeds.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from plancal.errors import PlanError, Problem

_EMPHASIS = re.compile(r"\*{1,2}")
_SPACES = re.compile(r"[ \u00a0\u2002\u2003\u2009]+")

#: the kinds of document the drafter reads (a plan file is .yaml)
DOCUMENT_SUFFIXES = frozenset({".docx", ".pdf", ".txt", ".text"})


def clean(line: str) -> str:
    line = unicodedata.normalize("NFC", line).replace("\r", "")
    line = _EMPHASIS.sub("", line)
    cells = [_SPACES.sub(" ", c).strip() for c in line.split("\t")]
    return "\t".join(cells).rstrip("\t ") if len(cells) > 1 else cells[0]


def _docx_lines(path: Path) -> list[str]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.extend(block.text.split("\n"))
        elif isinstance(block, Table):
            for row in block.rows:
                lines.append("\t".join(cell.text.replace("\n", " ") for cell in row.cells))
    return lines


def _pdf_lines(path: Path) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    lines: list[str] = []
    for page in reader.pages:
        lines.extend((page.extract_text() or "").split("\n"))
    if not any(line.strip() for line in lines):
        raise PlanError([Problem("tệp PDF không có lớp chữ (có thể là bản quét)", file=str(path),
                                 hint="dùng bản Word hoặc PDF có chữ; bản quét cần nhận dạng chữ (OCR) trước")])
    return lines


def read_lines(path: Path) -> list[str]:
    """The document's lines, cleaned. Raises PlanError for unreadable or unsupported files."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            raw = _docx_lines(path)
        elif suffix == ".pdf":
            raw = _pdf_lines(path)
        elif suffix in (".txt", ".text", ""):
            raw = path.read_text(encoding="utf-8-sig").split("\n")
        else:
            raise PlanError([Problem(f"không đọc được loại tệp '{suffix}'", file=str(path),
                                     hint="dùng tệp .docx, .pdf (có lớp chữ) hoặc .txt")])
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise PlanError([Problem(f"không đọc được tệp: {exc}", file=str(path),
                                 hint="kiểm tra tệp mở được bằng Word hoặc trình đọc PDF")]) from None
    return [clean(line) for line in raw]
