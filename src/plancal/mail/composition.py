"""Composition: letters rendered from Jinja2 templates into MIME messages, exactly the bytes sent.

A :class:`Letter` says what to tell whom (a kind, a recipient, a template and its data); :func:`compose`
turns it into an :class:`Envelope` — the exact bytes that go on the wire: a ``multipart/alternative``
with a plain-text and an HTML part, UTF-8, 7-bit clean (RFC 2047 headers, base64 bodies). The
Message-ID and the MIME boundary are derived from the delivery key, so composing the same letter again
after a crash gives the same Message-ID. Header values are built from one-line text
(``one_line``) and checked again for CR/LF before they are encoded: a unit name or a plan title holding a
newline can never add a header.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email import policy as email_policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from markupsafe import Markup, escape

from plancal.errors import DeliveryError, Problem
from plancal.mail.letters import Letter, valid_address
from plancal.mail.refusals import AddressRejected, MessageTooLarge
from plancal.settings import Settings
from plancal.vn import dates
from plancal.vn.text import one_line
from plancal.workbooks import XLSX_TYPE, Table, xlsx_bytes

#: what goes on the wire: CRLF line ends, 78-column folding, RFC 2047 for non-ASCII headers, and
#: bodies encoded to 7 bits (base64), so no server needs 8BITMIME
WIRE = email_policy.SMTP.clone(cte_type="7bit")


DEFAULT_SENDER_NAME = "Lịch thực hiện kế hoạch"


@dataclass(frozen=True)
class Envelope:
    """A composed message: who sends, to whom, and the exact bytes."""

    key: str
    kind: str
    day: date
    sender: str
    recipient: str
    message_id: str
    subject: str
    data: bytes


@dataclass(frozen=True)
class Attachment:
    """A file sent with a letter (the .docx of a consolidated report): put in the letter's context under
    ``attachments``; encoded base64, so the message stays 7-bit clean."""

    filename: str  # ASCII, so that every client shows it
    content_type: str
    data: bytes = b""


@dataclass(frozen=True)
class WorkbookAttachment:
    """Tables sent as an .xlsx file (the weekly summary's full lists): put in the letter's context under
    ``attachments`` like an :class:`Attachment`. The workbook is built when the letter is composed, so
    planning a letter (who gets what) never pays for it; the same tables give the same bytes."""

    filename: str  # ASCII, so that every client shows it
    #: the sheets, worked out when the letter is composed (a national list has tens of thousands of rows)
    tables: Callable[[], Sequence[Table]]
    #: the document's creation time written in the workbook
    stamp: datetime

    def attachment(self) -> Attachment:
        return Attachment(self.filename, XLSX_TYPE, xlsx_bytes(self.tables(), stamp=self.stamp))


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


# -- templates -----------------------------------------------------------------------------------
def _nl2br(value: object) -> Markup:
    return Markup("<br>\n").join(escape(str(value)).split("\n"))


def _indent(value: object, width: int = 3) -> str:
    pad = " " * width
    return ("\n" + pad).join(str(value).split("\n"))


def _days(n: int) -> str:
    return f"{n} ngày"


@lru_cache(maxsize=8)
def _environment(folder: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(folder, encoding="utf-8"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(long=dates.long, short=dates.short, weekday=dates.weekday, with_weekday=dates.with_weekday,
                       nl2br=_nl2br, indent_lines=_indent, days=_days)
    return env


def templates_folder(settings: Settings) -> Path:
    return settings.templates_dir / "mail"


def render(letter: Letter, settings: Settings) -> Rendered:
    """Render the subject and the text part from ``<template>.txt``, the HTML part from ``<template>.html``.

    The text template sets ``subject`` (``{% set subject %}…{% endset %}``). Undefined names are errors.
    """
    folder = templates_folder(settings)
    env = _environment(str(folder))
    data = {**letter.context, "recipient": letter.recipient, "recipient_name": letter.to_name}
    try:
        text_module = env.get_template(f"{letter.template}.txt").make_module(data)
        html = env.get_template(f"{letter.template}.html").render(data)
    except TemplateNotFound as exc:
        raise DeliveryError([Problem(f"không có mẫu thư '{exc.name}'", file=str(folder), field="template",
                                     hint="kiểm tra PLANCAL_TEMPLATES_DIR (thư mục templates/ của plancal)")]) from None
    subject = one_line(str(getattr(text_module, "subject", "")))
    if not subject:
        raise DeliveryError([Problem("mẫu thư không đặt tiêu đề (subject)", file=str(folder / f"{letter.template}.txt"),
                                     hint="thêm {% set subject %}…{% endset %} vào mẫu .txt")])
    return Rendered(subject, str(text_module), html)


# -- composing -----------------------------------------------------------------------------------
def sender_address(settings: Settings) -> tuple[str, str]:
    """(display name, address) from PLANCAL_MAIL_FROM ("plancal@x.gov.vn" or "Tên <plancal@x.gov.vn>")."""
    return _sender(settings.mail_from)


@lru_cache(maxsize=8)
def _sender(mail_from: str) -> tuple[str, str]:
    name, address = parseaddr(mail_from)
    if not address or "@" not in address:
        raise DeliveryError([Problem(f"địa chỉ gửi thư '{mail_from}' không hợp lệ", field="PLANCAL_MAIL_FROM",
                                     hint="ví dụ PLANCAL_MAIL_FROM='Lịch kế hoạch <lich@snv.angiang.gov.vn>'")])
    return one_line(name) or DEFAULT_SENDER_NAME, address


def message_id(key: str, domain: str) -> str:
    return f"<plancal.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _one_line(header: str, value: str) -> str:
    """Header text must be one line: anything from the data went through ``one_line`` already; this is the
    last guard, because the headers below are written pre-encoded (``set_raw``), past the policy's checks."""
    if "\r" in value or "\n" in value:
        raise DeliveryError([Problem(f"giá trị của tiêu đề {header} chứa ký tự xuống dòng", field=header,
                                     hint="tên đơn vị và tên kế hoạch phải nằm trên một dòng")])
    return value


@lru_cache(maxsize=4096)
def _unstructured(header: str, value: str) -> str:
    """RFC 2047 (UTF-8) when not ASCII, folded at 78 columns."""
    value = _one_line(header, value)
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, header_name=header, maxlinelen=78).encode(linesep="\r\n")


@lru_cache(maxsize=4096)
def _mailbox(header: str, name: str, addr: str) -> str:
    """``Tên hiển thị <addr>`` with the display name always safe: quoted when ASCII, RFC 2047 otherwise."""
    addr = _one_line(header, addr)
    name = one_line(name)
    if not name:
        return addr
    if name.isascii():
        return formataddr((name, addr))
    encoded = Header(name, "utf-8", header_name=header, maxlinelen=78).encode(linesep="\r\n")
    lines = encoded.split("\r\n")
    last = len(lines[-1]) + (len(header) + 2 if len(lines) == 1 else 0)
    return encoded + ("\r\n " if last + len(addr) + 3 > 78 else " ") + f"<{addr}>"


def compose(letter: Letter, settings: Settings, now: datetime, rendered: Rendered | None = None) -> Envelope:
    """The message for ``letter``, as bytes ready for the wire (and for the outbox).

    Headers are encoded here with :class:`email.header.Header` and folded by the wire policy exactly as
    the email package's generator folds them: CPython's modern header folder is quadratic in the length of
    non-ASCII headers (tens of milliseconds per Vietnamese message). The MIME structure around the two
    bodies is fixed, so it is written directly (byte for byte what ``EmailMessage`` writes, a tenth of the
    cost); only attachments are built by the email package.
    """
    if not valid_address(letter.recipient):
        raise AddressRejected(f"địa chỉ '{letter.recipient}' không hợp lệ", address=letter.recipient)
    rendered = rendered or render(letter, settings)
    from_name, from_addr = sender_address(settings)
    domain = from_addr.rpartition("@")[2]
    mid = message_id(letter.key, domain)
    headers = [("From", _mailbox("From", from_name, from_addr)),
               ("To", _mailbox("To", letter.to_name, letter.recipient))]
    replies = [_mailbox("Reply-To", n, a) for n, a in dict.fromkeys(letter.reply_to) if valid_address(a)]
    if replies:
        headers.append(("Reply-To", ",\r\n ".join(replies)))
    headers += [("Subject", _unstructured("Subject", rendered.subject)),
                ("Date", format_datetime(now.astimezone(settings.tz))),
                ("Message-ID", mid),
                ("Auto-Submitted", "auto-generated"),  # RFC 3834: no auto-replies to reminders
                ("X-Auto-Response-Suppress", "All"),
                ("MIME-Version", "1.0")]
    boundary = "=_plancal_" + hashlib.sha256(("boundary|" + letter.key).encode()).hexdigest()[:32]
    # base64: Vietnamese text is mostly non-ASCII (quoted-printable would triple it)
    alternative = [_TEXT_PART % b"plain" + b"\r\n" + _base64_text(rendered.text),
                   _TEXT_PART % b"html" + _MIME_VERSION + b"\r\n" + _base64_text(rendered.html)]
    attachments = tuple(a if isinstance(a, Attachment) else a.attachment() for a in letter.context.get("attachments", ())
                        if isinstance(a, Attachment | WorkbookAttachment))
    if attachments:
        parts = [_multipart("alternative", boundary + "_alt", alternative)]  # the same letter gives the same bytes
        parts.extend(_attachment(a) for a in attachments)
        body = _multipart("mixed", boundary, parts)
    else:
        body = _multipart("alternative", boundary, alternative)
    data = b"".join(WIRE.fold_binary(name, value) for name, value in headers) + body
    if len(data) > settings.mail_max_bytes:
        raise MessageTooLarge(f"thư '{rendered.subject}' gửi {letter.recipient} nặng {_megabytes(len(data))}, quá giới hạn "
                              f"{_megabytes(settings.mail_max_bytes)}: không gửi", size=len(data),
                              limit=settings.mail_max_bytes)
    return Envelope(key=letter.key, kind=letter.kind, day=letter.day, sender=from_addr, recipient=letter.recipient,
                    message_id=mid, subject=rendered.subject, data=data)


def _megabytes(size: int) -> str:
    """A size as a Vietnamese reader writes it: "17,3 MB", "49 KB"."""
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


_TEXT_PART = b'Content-Type: text/%s; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n'
_MIME_VERSION = b"MIME-Version: 1.0\r\n"


def _base64_text(text: str) -> bytes:
    """A text body as the email package encodes it: lines ended by CRLF, UTF-8, base64 in 76-column lines."""
    data = b"\r\n".join(text.encode("utf-8").splitlines()) + b"\r\n"
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _multipart(subtype: str, boundary: str, parts: list[bytes]) -> bytes:
    """A multipart entity (its Content-Type header, a blank line, the parts between delimiters)."""
    delimiter = b"--" + boundary.encode("ascii")
    return (f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\n\r\n'.encode("ascii")
            + delimiter + b"\r\n" + (b"\r\n" + delimiter + b"\r\n").join(parts) + b"\r\n" + delimiter + b"--\r\n")


def _attachment(a: Attachment) -> bytes:
    if not a.filename.isascii() or "\r" in a.filename or "\n" in a.filename:
        raise DeliveryError([Problem(f"tên tệp đính kèm '{one_line(a.filename)}' phải là chữ không dấu",
                                     field="attachments", hint="đặt tên tệp bằng chữ không dấu, số, dấu gạch")])
    maintype, _, subtype = a.content_type.partition("/")
    part = EmailMessage(policy=WIRE)
    part.set_content(a.data, maintype=maintype, subtype=subtype or "octet-stream", filename=a.filename)
    return part.as_bytes(policy=WIRE)
