"""Mailers: SMTP through yagmail, the outbox folder, and a recording mailer for tests.

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
import re
import smtplib
import ssl
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from plancal.errors import DeliveryError, Problem
from plancal.files import write_atomic
from plancal.mail.composition import Envelope, sender_address
from plancal.mail.refusals import AddressRejected, MessageRejected, TemporaryFailure, Unreachable
from plancal.settings import Settings

SMTP_TIMEOUT = 30.0
#: seconds to reach the server and read its greeting (and to log in): an unreachable or silent server is
#: reported this fast, apart from the longer :data:`SMTP_TIMEOUT` for each command once connected
SMTP_CONNECT_TIMEOUT = 4.0


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
            write_atomic(path, envelope.data, prefix=".tmp-", suffix=".eml")
        except OSError as exc:
            raise TemporaryFailure(f"không ghi được thư vào {path}: {exc.strerror}",
                                   hint="kiểm tra PLANCAL_OUTBOX_DIR và dung lượng đĩa") from None


class SmtpMailer(Mailer):
    """Sends through an SMTP server with yagmail: host, port, security (none | starttls | ssl) and user
    from settings; the password from settings (PLANCAL_SMTP_PASSWORD) or given by the caller (a flow
    reads it from a Prefect Secret block). One connection is kept open across sends and reopened after
    a failure."""

    name = "smtp"

    def __init__(self, settings: Settings, *, password: str | None = None, timeout: float = SMTP_TIMEOUT,
                 connect_timeout: float = SMTP_CONNECT_TIMEOUT) -> None:
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
        self.connect_timeout = connect_timeout
        self.sender = sender_address(settings)[1]
        self._client: Any = None
        self.connections = 0

    def client(self) -> Any:
        """A yagmail client for these settings, not connected yet."""
        import yagmail

        s = self.settings
        kwargs: dict[str, Any] = {"timeout": self.connect_timeout, "local_hostname": self.sender.rpartition("@")[2]}
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
            raise Unreachable(f"không kết nối được máy chủ thư {where} (chờ tối đa {self.connect_timeout:g} giây): "
                              f"{_reply(exc)}",
                              hint="kiểm tra PLANCAL_SMTP_HOST, PLANCAL_SMTP_PORT và máy chủ thư đang chạy; "
                                   "thư sẽ được gửi ở lần chạy sau") from None
        sock = getattr(client.smtp, "sock", None)
        if sock is not None:  # connected: each command may now take the longer send timeout
            sock.settimeout(self.timeout)
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
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):  # smtplib wraps a read timeout
        return "hết thời gian chờ"
    if isinstance(exc, ConnectionRefusedError):
        return "kết nối bị từ chối"
    return f"{exc.__class__.__name__}: {exc}"


def mailer_from_settings(settings: Settings, *, password: str | None = None) -> Mailer:
    """SMTP when PLANCAL_SMTP_HOST is set; otherwise the outbox folder (the embedded default)."""
    if settings.mail_configured:
        return SmtpMailer(settings, password=password)
    return OutboxMailer(settings.outbox_dir)
