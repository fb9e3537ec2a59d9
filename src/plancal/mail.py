"""Mail: letters rendered from Jinja2 templates into MIME messages, and the mailers that carry them.

A :class:`Letter` says what to tell whom (a kind, a recipient, a template and its data); :func:`compose`
turns it into an :class:`Envelope` — the exact bytes that go on the wire: a ``multipart/alternative``
with a plain-text and an HTML part, UTF-8, 7-bit clean (RFC 2047 headers, base64 bodies). The
Message-ID and the MIME boundary are derived from the delivery key, so composing the same letter again
after a crash gives the same Message-ID. Header values are built from one-line text
(``one_line``) and checked again for CR/LF before they are encoded: a unit name or a plan title holding a
newline can never add a header.

Mailers (side effects behind one small interface):

- :class:`SmtpMailer` — through yagmail: yagmail opens the connection (plain, STARTTLS or SSL), logs in
  or skips the login, and the prepared bytes go out on that connection, one connection per batch.
- :class:`OutboxMailer` — the embedded default when no SMTP host is configured: each message is written
  as a ``.eml`` file, byte for byte what :class:`SmtpMailer` would have sent.
- :class:`RecordingMailer` — keeps envelopes in memory, for tests.

Why not ``yagmail.SMTP.send()`` itself: its message builder puts the HTML source into the text/plain
part (yagmail issue #161) and turns newlines into ``<br>``, it stamps its own Message-ID and a random
boundary, and it reconnects (``login()``) on every call without closing the previous connection.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import smtplib
import ssl
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email import policy as email_policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from markupsafe import Markup, escape

from plancal import dates
from plancal.errors import DeliveryError, Problem
from plancal.settings import Settings
from plancal.unit import EMAIL_RE, one_line

VN = timezone(timedelta(hours=7))
#: what goes on the wire: CRLF line ends, 78-column folding, RFC 2047 for non-ASCII headers, and
#: bodies encoded to 7 bits (base64), so no server needs 8BITMIME
WIRE = email_policy.SMTP.clone(cte_type="7bit")
DEFAULT_SENDER_NAME = "Lịch thực hiện kế hoạch"
SMTP_TIMEOUT = 30.0
_KEY_LIMIT = 400  # deliveries.key is VARCHAR(400)


# -- letters -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Letter:
    """One mail to one address: which kind, for which day, rendered from ``templates/mail/<template>``.

    ``ident`` makes the delivery key unique within the kind: the day for a daily digest, the month for
    the themes, the conference for its preparation steps. ``coordinators`` are told when the address
    turns out to be bad.
    """

    kind: str
    ident: str
    recipient: str
    day: date
    template: str
    context: Mapping[str, Any] = field(compare=False, hash=False)
    to_name: str = ""
    reply_to: tuple[tuple[str, str], ...] = ()
    coordinators: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return delivery_key(self.kind, self.ident, self.recipient)


def delivery_key(kind: str, ident: str, recipient: str) -> str:
    """The delivery-log key: (kind, what it is about, recipient). Long keys keep a readable head."""
    key = f"{kind}|{ident}|{recipient.strip().lower()}"
    if len(key) <= _KEY_LIMIT:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[:_KEY_LIMIT - 66]}…#{digest}"[:_KEY_LIMIT]


def valid_address(address: str) -> bool:
    return bool(EMAIL_RE.match(address)) and len(address) <= 254


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
    name, address = parseaddr(settings.mail_from)
    if not address or "@" not in address:
        raise DeliveryError([Problem(f"địa chỉ gửi thư '{settings.mail_from}' không hợp lệ", field="PLANCAL_MAIL_FROM",
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


def _unstructured(header: str, value: str) -> str:
    """RFC 2047 (UTF-8) when not ASCII, folded at 78 columns."""
    value = _one_line(header, value)
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, header_name=header, maxlinelen=78).encode(linesep="\r\n")


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

    Headers are encoded here with :class:`email.header.Header` and stored as is: CPython's modern header
    folder is quadratic in the length of non-ASCII headers (tens of milliseconds per Vietnamese message).
    """
    if not valid_address(letter.recipient):
        raise AddressRejected(f"địa chỉ '{letter.recipient}' không hợp lệ", address=letter.recipient)
    rendered = rendered or render(letter, settings)
    from_name, from_addr = sender_address(settings)
    domain = from_addr.rpartition("@")[2]
    mid = message_id(letter.key, domain)
    msg = EmailMessage(policy=WIRE)
    msg.set_raw("From", _mailbox("From", from_name, from_addr))
    msg.set_raw("To", _mailbox("To", letter.to_name, letter.recipient))
    replies = [_mailbox("Reply-To", n, a) for n, a in dict.fromkeys(letter.reply_to) if valid_address(a)]
    if replies:
        msg.set_raw("Reply-To", ",\r\n ".join(replies))
    msg.set_raw("Subject", _unstructured("Subject", rendered.subject))
    msg.set_raw("Date", format_datetime(now.astimezone(VN)))
    msg.set_raw("Message-ID", mid)
    msg.set_raw("Content-Language", "vi")
    msg.set_raw("Auto-Submitted", "auto-generated")  # RFC 3834: no auto-replies to reminders
    msg.set_raw("X-Auto-Response-Suppress", "All")
    # base64: Vietnamese text is mostly non-ASCII (quoted-printable would triple it); naming the encoding
    # also skips the email package's costly guess
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="base64")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="base64")
    msg.set_boundary("=_plancal_" + hashlib.sha256(("boundary|" + letter.key).encode()).hexdigest()[:32])
    return Envelope(key=letter.key, kind=letter.kind, day=letter.day, sender=from_addr, recipient=letter.recipient,
                    message_id=mid, subject=rendered.subject, data=msg.as_bytes(policy=WIRE))


# -- errors --------------------------------------------------------------------------------------
class TemporaryFailure(DeliveryError):
    """The server is down, refused for now (4xx) or dropped the connection: retry later."""


class AddressRejected(DeliveryError):
    """The address is malformed or the server refused it for good (5xx on RCPT)."""

    def __init__(self, message: str, *, address: str) -> None:
        super().__init__(message, hint="sửa địa chỉ thư của đơn vị rồi nhập lại danh mục ('plancal units import')")
        self.address = address


class MessageRejected(DeliveryError):
    """The server refused this message for good (5xx after DATA). ``fatal``: every message would be
    refused too (sender refused, login refused, TLS impossible) — stop the batch."""

    def __init__(self, message: str, *, fatal: bool = False, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.fatal = fatal


# -- mailers -------------------------------------------------------------------------------------
class Mailer(ABC):
    """Carries composed envelopes. ``send`` raises TemporaryFailure, AddressRejected or MessageRejected."""

    name = "mailer"

    @abstractmethod
    def send(self, envelope: Envelope) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the next ``send`` opens a new one."""

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class RecordingMailer(Mailer):
    """Keeps every envelope in ``sent``. ``fail`` may raise for chosen envelopes (tests)."""

    name = "recording"

    def __init__(self, fail: Callable[[Envelope], None] | None = None) -> None:
        self.sent: list[Envelope] = []
        self.fail = fail
        self._lock = threading.Lock()

    def send(self, envelope: Envelope) -> None:
        if self.fail is not None:
            self.fail(envelope)
        with self._lock:
            self.sent.append(envelope)


_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


class OutboxMailer(Mailer):
    """Writes ``<outbox>/<day>/<kind>-<recipient>-<hash>.eml``, atomically; the same letter overwrites its file."""

    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path_for(self, envelope: Envelope) -> Path:
        digest = hashlib.sha256(envelope.key.encode()).hexdigest()[:10]
        name = f"{envelope.kind}-{_UNSAFE.sub('_', envelope.recipient)[:80]}-{digest}.eml"
        return self.folder / envelope.day.isoformat() / name

    def send(self, envelope: Envelope) -> None:
        path = self.path_for(envelope)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".eml", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(envelope.data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise TemporaryFailure(f"không ghi được thư vào {path}: {exc.strerror}",
                                   hint="kiểm tra PLANCAL_OUTBOX_DIR và dung lượng đĩa") from None


class SmtpMailer(Mailer):
    """Sends through an SMTP server with yagmail: host, port, security (none | starttls | ssl) and user
    from settings; the password from settings (PLANCAL_SMTP_PASSWORD) or given by the caller (a flow
    reads it from a Prefect Secret block). One connection is kept open across sends and reopened after
    a failure."""

    name = "smtp"

    def __init__(self, settings: Settings, *, password: str | None = None, timeout: float = SMTP_TIMEOUT) -> None:
        security = settings.smtp_security.strip().lower()
        if not settings.smtp_host:
            raise DeliveryError([Problem("chưa cấu hình máy chủ thư", field="PLANCAL_SMTP_HOST",
                                         hint="đặt PLANCAL_SMTP_HOST, hoặc bỏ trống để ghi thư vào hộp thư đi (outbox)")])
        if security not in ("none", "starttls", "ssl"):
            raise DeliveryError([Problem(f"kiểu bảo mật '{settings.smtp_security}' không hợp lệ",
                                         field="PLANCAL_SMTP_SECURITY", hint="dùng none, starttls hoặc ssl")])
        self._password = settings.smtp_password if password is None else password
        if settings.smtp_user and not self._password:
            raise DeliveryError([Problem("đã đặt tài khoản gửi thư nhưng thiếu mật khẩu", field="PLANCAL_SMTP_PASSWORD",
                                         hint="đặt biến môi trường PLANCAL_SMTP_PASSWORD hoặc lấy từ Secret block "
                                              "của Prefect; không ghi mật khẩu vào tệp trong kho mã")])
        self.settings = settings
        self.security = security
        self.timeout = timeout
        self.sender = sender_address(settings)[1]
        self._client: Any = None
        self.connections = 0

    def client(self) -> Any:
        """A yagmail client for these settings, not connected yet."""
        import yagmail

        s = self.settings
        kwargs: dict[str, Any] = {"timeout": self.timeout, "local_hostname": self.sender.rpartition("@")[2]}
        starttls: bool | dict[str, Any] = False
        if self.security == "ssl":
            kwargs["context"] = ssl.create_default_context()  # verify the certificate (smtplib's default does not)
        elif self.security == "starttls":
            starttls = {"context": ssl.create_default_context()}
        login = s.smtp_user or self.sender
        # given as {address: alias}: a plain string without "@" would get "@gmail.com" appended by yagmail
        client = yagmail.SMTP(user={login: login}, password=self._password or None, host=s.smtp_host,
                              port=s.smtp_port, smtp_ssl=self.security == "ssl", smtp_starttls=starttls,
                              smtp_skip_login=not s.smtp_user, soft_email_validation=False, **kwargs)
        client.set_logging(None)
        return client

    def _connect(self) -> Any:
        s = self.settings
        client = self.client()
        where = f"{s.smtp_host}:{s.smtp_port}"
        try:
            client.login()
        except smtplib.SMTPAuthenticationError as exc:
            self._discard(client)
            raise MessageRejected(f"máy chủ thư {where} từ chối đăng nhập: {_reply(exc)}", fatal=True,
                                  hint="kiểm tra PLANCAL_SMTP_USER và mật khẩu") from None
        except smtplib.SMTPNotSupportedError as exc:
            self._discard(client)
            raise MessageRejected(f"máy chủ thư {where} không hỗ trợ: {exc}", fatal=True,
                                  hint="kiểm tra PLANCAL_SMTP_SECURITY (none, starttls, ssl); bỏ trống PLANCAL_SMTP_USER "
                                       "nếu máy chủ không cần đăng nhập") from None
        except ssl.SSLCertVerificationError as exc:
            self._discard(client)
            raise MessageRejected(f"chứng chỉ của máy chủ thư {where} không hợp lệ: {exc.verify_message}", fatal=True,
                                  hint="kiểm tra PLANCAL_SMTP_HOST (đúng tên trong chứng chỉ) và PLANCAL_SMTP_SECURITY") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._discard(client)
            raise TemporaryFailure(f"không kết nối được máy chủ thư {where}: {_reply(exc)}",
                                   hint="kiểm tra máy chủ thư đang chạy; thư sẽ được gửi lại ở lần chạy sau") from None
        self.connections += 1
        return client

    @staticmethod
    def _discard(client: Any) -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.close()
        conn = getattr(client, "smtp", None)
        if conn is not None:
            conn.close()

    def send(self, envelope: Envelope) -> None:
        if self._client is None:
            self._client = self._connect()
        conn = self._client.smtp
        try:
            conn.sendmail(envelope.sender, [envelope.recipient], envelope.data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (0, b""))
            text = f"{code} {_text(reply)}"
            if 500 <= code < 600:
                raise AddressRejected(f"máy chủ thư từ chối địa chỉ {envelope.recipient}: {text}",
                                      address=envelope.recipient) from None
            self.close()
            raise TemporaryFailure(f"máy chủ thư tạm từ chối {envelope.recipient}: {text}") from None
        except smtplib.SMTPSenderRefused as exc:
            self.close()
            if 500 <= exc.smtp_code < 600:
                raise MessageRejected(f"máy chủ thư từ chối địa chỉ gửi {envelope.sender}: {_reply(exc)}", fatal=True,
                                      hint="kiểm tra PLANCAL_MAIL_FROM và quyền gửi của tài khoản") from None
            raise TemporaryFailure(f"máy chủ thư tạm từ chối: {_reply(exc)}") from None
        except smtplib.SMTPResponseException as exc:  # DATA refused, HELO refused …
            if 500 <= exc.smtp_code < 600:
                raise MessageRejected(f"máy chủ thư từ chối thư gửi {envelope.recipient}: {_reply(exc)}") from None
            self.close()
            raise TemporaryFailure(f"máy chủ thư tạm từ chối: {_reply(exc)}") from None
        except (smtplib.SMTPException, OSError) as exc:  # disconnected, reset, timed out
            self.close()
            raise TemporaryFailure(f"mất kết nối với máy chủ thư: {_reply(exc)}") from None

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            self._discard(client)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _reply(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, TimeoutError):
        return "hết thời gian chờ"
    if isinstance(exc, ConnectionRefusedError):
        return "kết nối bị từ chối"
    return f"{exc.__class__.__name__}: {exc}"


def mailer_from_settings(settings: Settings, *, password: str | None = None) -> Mailer:
    """SMTP when PLANCAL_SMTP_HOST is set; otherwise the outbox folder (the embedded default)."""
    if settings.mail_configured:
        return SmtpMailer(settings, password=password)
    return OutboxMailer(settings.outbox_dir)


def utc_now() -> datetime:
    return datetime.now(UTC)
