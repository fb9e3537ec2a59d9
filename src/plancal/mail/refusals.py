"""How a mail server refuses a letter: for now, for this address, or this message."""

from __future__ import annotations

from plancal.errors import DeliveryError

# -- errors --------------------------------------------------------------------------------------


# -- errors --------------------------------------------------------------------------------------
class TemporaryFailure(DeliveryError):
    """The server is down, refused for now (4xx) or dropped the connection: retry later."""


class Unreachable(TemporaryFailure):
    """The server could not be reached at all: the connection was refused, or no greeting came within the
    connect timeout. Not retried within the run (a wrong host or a dead server would only make it wait);
    the mails stay owed and the next run sends them."""


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


class MessageTooLarge(MessageRejected):
    """plancal refused to send a composed message larger than ``PLANCAL_MAIL_MAX_MB``: a mail server would
    refuse it (10-25 MB) or a mailbox choke on it, and such a letter is a planning fault to be fixed, not
    a mail to push through. The letter is recorded as failed (never lost: the next run tries again) and
    the run's report lists it."""

    def __init__(self, message: str, *, size: int, limit: int) -> None:
        super().__init__(message, hint="thư quá lớn so với giới hạn PLANCAL_MAIL_MAX_MB; nâng giới hạn nếu máy chủ thư "
                                       "nhận được, hoặc báo người quản trị plancal để rút gọn loại thư này")
        self.size = size
        self.limit = limit
