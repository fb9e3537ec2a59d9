"""A real SMTP server on loopback (aiosmtpd) for the mail tests: it keeps what it receives and can be
told to refuse (451 or 421) for a number of attempts, to refuse addresses for good (550), or to go down.
"""

from __future__ import annotations

import email
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message()["Message-ID"])


@dataclass
class Inbox:
    """The aiosmtpd handler. ``refuse`` transactions are refused with ``refuse_reply`` at ``refuse_at``."""

    received: list[Received] = field(default_factory=list)
    refuse: int = 0
    refuse_reply: str = "451 4.3.0 Hệ thống bận, thử lại sau"
    refuse_at: str = "DATA"  # DATA or MAIL
    bad: set[str] = field(default_factory=set)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _refusing(self, stage: str) -> str | None:
        with self.lock:
            if stage == self.refuse_at:
                self.attempts += 1
            if stage == self.refuse_at and self.refuse > 0:
                self.refuse -= 1
                return self.refuse_reply
        return None

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]) -> str:
        refused = self._refusing("MAIL")
        if refused:
            return refused
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if address.lower() in self.bad:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        refused = self._refusing("DATA")
        if refused:
            return refused
        with self.lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 Ok: queued"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port; ``stop()`` then ``start()`` again simulates an outage.
    With ``login=(user, password)`` it offers AUTH (without TLS, on loopback) and checks them."""

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.login = login
        self.logins: list[tuple[str, bool]] = []
        self._controller: Controller | None = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and \
            (auth_data.login.decode(), auth_data.password.decode()) == self.login
        self.logins.append((auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?", ok))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 235 or 535 itself

    def start(self) -> None:
        if self._controller is None:
            extra: dict[str, Any] = {}
            if self.login is not None:
                extra = {"authenticator": self._authenticate, "auth_require_tls": False}
            self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **extra)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        with self.inbox.lock:
            return list(self.inbox.received)

    def message_ids(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    @classmethod
    @contextmanager
    def running(cls, login: tuple[str, str] | None = None) -> Iterator[SmtpServer]:
        server = cls(login)
        server.start()
        try:
            yield server
        finally:
            server.stop()
