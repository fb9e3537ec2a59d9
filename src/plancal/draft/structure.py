"""The parts of an administrative document (Decree 30/2020 layout): number and symbol, place and date,
document type and title, the basis (căn cứ / thực hiện), the numbered sections (I., 1., 3.1., a), -, +),
tables, the closing, the recipients (nơi nhận) and the signature.

Lines are first joined into paragraphs (a line that does not end a sentence continues on the next one
unless that one opens a new part), so wrapped PDF text and page breaks give the same paragraphs as the
plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

ROMANS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
_ROMAN_H = re.compile(r"^(?P<m>(?:XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I))\.\s+(?P<t>.+)$")
_DOTTED_H = re.compile(r"^(?P<m>\d{1,2}\.\d{1,2})\.?\s+(?P<t>.+)$")
_ARABIC_H = re.compile(r"^(?P<m>\d{1,2})\.\s+(?P<t>.+)$")
_LETTER_H = re.compile(r"^(?P<m>[a-zđ])\)\s+(?P<t>.+)$")
_BULLET = re.compile(r"^(?P<m>[-+•–])\s*(?P<t>.*)$")
_NUMBER = re.compile(r"^Số\s*:\s*(?P<n>[\w\s./-]+?)\s*$")
_PLACE_DATE = re.compile(r"^(?P<place>[^,\d]+),\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})")
_DOC_TYPES = ("KẾ HOẠCH", "QUYẾT ĐỊNH", "CHỈ THỊ", "CÔNG VĂN", "THÔNG BÁO", "CHƯƠNG TRÌNH")
_OPENERS = re.compile(r"^(Thực hiện|Căn cứ|Trên cơ sở|Để |Nhằm|Nơi nhận|Trên đây|TM\.|KT\.|TL\.|Số\s*:)")
_SENTENCE_END = (".", ":", ";", "!", "?", "./.", "/.")  # a paragraph goes on after ";" (and after "," before a lower-case line)


@dataclass(frozen=True)
class Block:
    """A paragraph: a heading, a bullet, a plain paragraph or a table row, with its first line."""

    line: int
    text: str
    kind: str  # heading, bullet, para, row
    section: str  # "IV.2", "III.1.a" ("" before the first section)
    marker: str = ""
    level: int = 0
    title: str = ""  # for headings: the heading text (before an inline ':' body)


@dataclass
class Document:
    lines: list[str]
    number: str | None = None
    number_line: int | None = None
    place: str | None = None
    issued: date | None = None
    issued_line: int | None = None
    doc_type: str | None = None
    title: str = ""
    title_line: int | None = None
    basis: list[Block] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)
    closing: list[Block] = field(default_factory=list)
    recipients: list[Block] = field(default_factory=list)
    signature: list[Block] = field(default_factory=list)
    headings: dict[str, Block] = field(default_factory=dict)

    def part_of(self, section: str) -> str:
        """purpose, content, period, budget, assignment, or other — from the top heading's words."""
        top = self.headings.get(section.split(".")[0])
        t = (top.title if top else "").lower()
        if "mục đích" in t or "yêu cầu" in t and "nội dung" not in t:
            return "purpose"
        if "tổ chức thực hiện" in t:
            return "assignment"
        if "nội dung" in t or "nhiệm vụ" in t or "hoạt động" in t or "giải pháp" in t:
            return "content"
        if "thời gian" in t:
            return "period"
        if "kinh phí" in t:
            return "budget"
        return "other"

    def heading_chain(self, section: str) -> list[Block]:
        parts = section.split(".") if section else []
        return [self.headings[".".join(parts[:k])] for k in range(1, len(parts) + 1) if ".".join(parts[:k]) in self.headings]


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _opens(text: str) -> bool:
    return bool(_ROMAN_H.match(text) or _DOTTED_H.match(text) or _ARABIC_H.match(text) or _LETTER_H.match(text)
                or _BULLET.match(text) or _OPENERS.match(text) or _PLACE_DATE.match(text) or "\t" in text
                or _is_caps(text))


def _join(prev: str, text: str) -> str:
    """A wrapped line goes on after a space, except after a hyphen inside a word or symbol ("18/CT-" +
    "TTg": a PDF breaks lines there, the text has no space)."""
    return prev + text if re.search(r"[\w/]-$", prev) else prev + " " + text


def paragraphs(lines: list[str]) -> list[tuple[int, str]]:
    """(first line number, text) per paragraph; wrapped lines and page breaks are joined."""
    out: list[tuple[int, str]] = []
    joinable = False
    for no, raw in enumerate(lines, start=1):
        text = raw.strip() if "\t" not in raw else raw.rstrip()
        if not text.strip():
            continue
        if "\t" in text and not text.split("\t")[0].strip() and not text.split("\t")[1].strip() and out \
                and "\t" in out[-1][1]:
            # a table row continued on the next page: content only
            ln, prev = out[-1]
            out[-1] = (ln, prev + " " + text.strip())
            continue
        soft = bool(out) and (out[-1][1].endswith(";") or out[-1][1].endswith(",") and text[:1].islower())
        if out and (joinable or soft) and not _opens(text):
            ln, prev = out[-1]
            out[-1] = (ln, _join(prev, text))
        else:
            out.append((no, text))
        last = out[-1][1]
        joinable = not (last.endswith(_SENTENCE_END) or _is_caps(last) or "\t" in last or _NUMBER.match(last)
                        or _PLACE_DATE.match(last))
    return out


def parse(lines: list[str]) -> Document:
    doc = Document(lines)
    paras = paragraphs(lines)
    state = "header"
    stack: list[tuple[int, str]] = []  # (level, marker)
    for no, text in paras:
        if state == "header":
            if m := _NUMBER.match(text):
                doc.number, doc.number_line = re.sub(r"\s+", "", m.group("n")), no
                continue
            if m := _PLACE_DATE.match(text):
                doc.place = m.group("place").strip()
                try:
                    doc.issued = date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
                except ValueError:
                    doc.issued = None
                doc.issued_line = no
                continue
            if doc.doc_type is None and text.strip().upper() in _DOC_TYPES:
                doc.doc_type = text.strip().upper()
                continue
            if doc.doc_type is not None and not doc.title and not _OPENERS.match(text):
                doc.title, doc.title_line = text, no
                continue
            if _ROMAN_H.match(text):
                state = "body"
            else:
                doc.basis.append(Block(no, text, "para", ""))
                continue
        if state == "body" and text.startswith("Trên đây"):
            state = "closing"
        if text.startswith("Nơi nhận"):
            state = "recipients"
            continue
        if state == "closing":
            doc.closing.append(Block(no, text, "para", ""))
            continue
        if state == "recipients":
            if _BULLET.match(text):
                doc.recipients.append(Block(no, _BULLET.match(text).group("t"), "bullet", ""))  # type: ignore[union-attr]
                continue
            state = "signature"
        if state == "signature":
            doc.signature.append(Block(no, text, "para", ""))
            continue
        block = _body_block(no, text, stack)
        if block.kind == "heading":
            doc.headings[block.section] = block
        doc.body.append(block)
        if block.kind == "heading" and block.text != block.title:
            body = block.text[len(block.title):].lstrip(" :")
            if body:
                doc.body.append(Block(no, body, "para", block.section))
    _leaf_headings_are_tasks(doc)
    return doc


def _leaf_headings_are_tasks(doc: Document) -> None:
    """A numbered line with nothing under it ("1. Căn cứ vào kế hoạch này, các xã … có kế hoạch cụ thể.")
    is a task written as a numbered paragraph, not the heading of a part."""
    for i, block in enumerate(doc.body):
        if block.kind != "heading" or block.level == 1 or not block.text.rstrip().endswith((".", ";", "./.")):
            continue
        below = doc.body[i + 1:i + 2]
        if below and (below[0].section == block.section or below[0].section.startswith(block.section + ".")):
            continue
        doc.body[i] = Block(block.line, block.text, "para", block.section, block.marker, block.level, "")
        doc.headings.pop(block.section, None)


def _body_block(no: int, text: str, stack: list[tuple[int, str]]) -> Block:
    for level, rx in ((1, _ROMAN_H), (3, _DOTTED_H), (2, _ARABIC_H), (4, _LETTER_H)):
        m = rx.match(text)
        if not m:
            continue
        marker = m.group("m")
        if level == 3 and "." in marker:
            marker = marker.split(".")[1]
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, marker))
        section = ".".join(mk for _, mk in stack)
        rest = m.group("t")
        title = rest
        head, sep, _tail = rest.partition(":")
        if sep and len(head) < 120:
            title = head.strip()
        elif len(rest) > 110 and rest.rstrip().endswith((".", ";", "./.")):
            title = ""  # a whole task written as a numbered paragraph
        block = Block(no, rest, "heading", section, marker, level, title)
        if not title:
            return Block(no, rest, "para", section, marker, level, "")
        return block
    section = ".".join(mk for _, mk in stack)
    if "\t" in text:
        return Block(no, text, "row", section)
    if m := _BULLET.match(text):
        return Block(no, m.group("t"), "bullet", section, m.group("m"))
    return Block(no, text, "para", section)
