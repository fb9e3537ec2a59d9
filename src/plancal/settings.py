"""One frozen settings object, built at the edge from the environment and passed down.

:class:`Settings` is a plain frozen dataclass (tests build it with keywords and ``dataclasses.replace``).
:meth:`Settings.from_env` reads the ``PLANCAL_*`` variables through a pydantic-settings model that
validates every one of them; a bad value is a :class:`~plancal.errors.SettingsError` with one Vietnamese
message per variable, naming it, its value and the form it accepts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from plancal.errors import Problem, SettingsError

#: the plans' time zone (Vietnam, UTC+7, no daylight saving): the one default, overridden by PLANCAL_TIMEZONE
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_LEAD_DAYS: tuple[int, ...] = (7, 3, 1, 0)
#: working days after the legal limit at which the late unit's own digest reminds it
DEFAULT_OVERDUE_DAYS: tuple[int, ...] = (1, 3)
#: the escalation ladder, in working days late: the standing agency, then the issuer and the unit's parent
DEFAULT_ESCALATE_AGENCY_AFTER = 3
DEFAULT_ESCALATE_ISSUER_AFTER = 10
PREFIX = "PLANCAL_"
#: per kind of duty: PLANCAL_LEAD_DAYS_REPORT=14,7,3,1,0 (the kinds are checked by plancal.mail.leadtimes)
PER_KIND = ("LEAD_DAYS_", "OVERDUE_DAYS_")
DEFAULT_UPLOAD_EXTENSIONS: tuple[str, ...] = ("pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "jpg", "jpeg", "png",
                                              "zip")


def default_templates() -> Path:
    """The Jinja2 templates shipped in the package (``plancal/templates``; in the repository a link to the
    top-level ``templates/`` folder, in a wheel a copy of it)."""
    return Path(str(files("plancal") / "templates"))


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Embedded defaults need no environment at all."""

    home: Path = Path("var")
    database_url: str = ""
    timezone: str = DEFAULT_TIMEZONE
    calendar_dir: Path = Path("calendar")
    outbox_dir: Path = Path("var/outbox")
    templates_dir: Path = field(default_factory=default_templates)
    feed_base_url: str = "http://127.0.0.1:8765"
    feed_host: str = "127.0.0.1"
    feed_port: int = 8765
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_security: str = "none"  # none | starttls | ssl
    mail_from: str = "plancal@localhost"
    lead_days: tuple[int, ...] = DEFAULT_LEAD_DAYS
    overdue_days: tuple[int, ...] = DEFAULT_OVERDUE_DAYS
    #: per kind of duty, overriding lead_days / overdue_days: (("report", (14, 7, 3, 1, 0)), …)
    lead_days_by_kind: tuple[tuple[str, tuple[int, ...]], ...] = ()
    overdue_days_by_kind: tuple[tuple[str, tuple[int, ...]], ...] = ()
    #: working days late at which the standing agency, then the issuer and the late unit's parent, are told
    escalate_agency_after: int = DEFAULT_ESCALATE_AGENCY_AFTER
    escalate_issuer_after: int = DEFAULT_ESCALATE_ISSUER_AFTER
    lease_seconds: int = 300
    cancelled_keep_days: int = 30
    #: files units attach to a submission: at most this many bytes, with one of these extensions
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_extensions: tuple[str, ...] = DEFAULT_UPLOAD_EXTENSIONS
    #: no mail larger than this goes out (mail servers refuse 10-25 MB; a letter this large is a planning fault)
    mail_max_bytes: int = 1024 * 1024

    @cached_property
    def tz(self) -> ZoneInfo:
        """The plans' time zone, the one every date "today" and every local time is taken in."""
        return ZoneInfo(self.timezone)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'plancal.db').as_posix()}"

    @property
    def uploads_dir(self) -> Path:
        """Where submitted files are kept: outside the web root, never served."""
        return self.home / "uploads"

    @property
    def exports_dir(self) -> Path:
        return self.home / "exports"

    @property
    def mail_configured(self) -> bool:
        return bool(self.smtp_host)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the ``PLANCAL_*`` variables; anything unset keeps its embedded default."""
        env = os.environ if env is None else env
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        try:
            values = _Environment.model_validate(_MappingSource(_Environment, env)()).model_dump()
        except ValidationError as exc:
            problems += _problems(exc, env)
        per_kind: dict[str, list[tuple[str, tuple[int, ...]]]] = {prefix: [] for prefix in PER_KIND}
        for name in sorted(env):
            prefix = next((p for p in PER_KIND if name.startswith(PREFIX + p) and len(name) > len(PREFIX + p)), None)
            if prefix is None:
                continue
            try:
                days = _Days.model_validate({"days": env[name]}).days
            except ValidationError:
                problems.append(_problem(name, env[name], ACCEPTED["lead_days"]))
                continue
            per_kind[prefix].append((name.removeprefix(PREFIX + prefix).lower(), days))
        if problems:
            raise SettingsError(problems)
        if "upload_max_mb" in values:
            values["upload_max_bytes"] = int(values.pop("upload_max_mb") * 1024 * 1024)
        if "mail_max_mb" in values:
            values["mail_max_bytes"] = int(values.pop("mail_max_mb") * 1024 * 1024)
        if PREFIX + "OUTBOX_DIR" not in env:
            values["outbox_dir"] = values["home"] / "outbox"
        return cls(**values, lead_days_by_kind=tuple(per_kind["LEAD_DAYS_"]),
                   overdue_days_by_kind=tuple(per_kind["OVERDUE_DAYS_"]))


# -- validation of the environment ------------------------------------------------------------------

def _day_list(value: object) -> object:
    """"7, 3,1,0" → (7, 3, 1, 0); the numbers themselves are checked by the field type (integers ≥ 0)."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",")]
        if not value.strip() or any(not part for part in parts):
            raise ValueError("empty")
        return tuple(parts)
    return value


Days = Annotated[tuple[Annotated[int, Field(ge=0, strict=False)], ...], NoDecode]
NonEmpty = Annotated[str, Field(min_length=1)]
Port = Annotated[int, Field(ge=1, le=65535)]


class _Days(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid")
    days: Days

    _split = field_validator("days", mode="before")(_day_list)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


class _Environment(BaseSettings):
    """The ``PLANCAL_*`` variables and the form each accepts (the embedded defaults when unset)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, case_sensitive=True, extra="ignore", env_ignore_empty=False)

    HOME: Path = Path("var")
    DATABASE_URL: str = ""
    TIMEZONE: str = DEFAULT_TIMEZONE
    CALENDAR_DIR: Path = Path("calendar")
    OUTBOX_DIR: Path = Path("var/outbox")
    TEMPLATES_DIR: Path = Field(default_factory=default_templates)
    FEED_BASE_URL: str = "http://127.0.0.1:8765"
    FEED_HOST: NonEmpty = "127.0.0.1"
    FEED_PORT: Port = 8765
    SMTP_HOST: str = ""
    SMTP_PORT: Port = 25
    SMTP_USER: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_SECURITY: Literal["none", "starttls", "ssl"] = "none"
    MAIL_FROM: str = "plancal@localhost"
    LEAD_DAYS: Days = DEFAULT_LEAD_DAYS
    OVERDUE_DAYS: Days = DEFAULT_OVERDUE_DAYS
    ESCALATE_AGENCY_AFTER: Annotated[int, Field(ge=1, le=366)] = DEFAULT_ESCALATE_AGENCY_AFTER
    ESCALATE_ISSUER_AFTER: Annotated[int, Field(ge=1, le=366)] = DEFAULT_ESCALATE_ISSUER_AFTER
    UPLOAD_MAX_MB: Annotated[float, Field(gt=0, le=1024)] = 10
    UPLOAD_EXTENSIONS: Annotated[tuple[str, ...], NoDecode] = DEFAULT_UPLOAD_EXTENSIONS
    MAIL_MAX_MB: Annotated[float, Field(gt=0, le=100)] = 1
    LEASE_SECONDS: Annotated[int, Field(gt=0)] = 300
    CANCELLED_KEEP_DAYS: Annotated[int, Field(ge=0)] = 30

    _split = field_validator("LEAD_DAYS", "OVERDUE_DAYS", mode="before")(_day_list)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # the environment comes in through _MappingSource (from_env's mapping)

    @field_validator("UPLOAD_EXTENSIONS", mode="before")
    @classmethod
    def _extensions(cls, value: object) -> object:
        if isinstance(value, str):
            found = tuple(e.strip().lower().lstrip(".") for e in value.split(",") if e.strip())
            if not found or not all(e.isascii() and e.isalnum() for e in found):
                raise ValueError("not a list of extensions")
            return found
        return value

    @field_validator("ESCALATE_ISSUER_AFTER")
    @classmethod
    def _ladder(cls, value: int, info: ValidationInfo) -> int:
        agency = info.data.get("ESCALATE_AGENCY_AFTER")
        if agency is not None and value < agency:
            raise ValueError("the issuer hears after the standing agency")
        return value

    @field_validator("HOME", "CALENDAR_DIR", "OUTBOX_DIR", "TEMPLATES_DIR", mode="before")
    @classmethod
    def _folder(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("empty")
        return value

    @field_validator("TEMPLATES_DIR")
    @classmethod
    def _templates(cls, value: Path) -> Path:
        if not (value / "mail").is_dir():
            raise ValueError("no mail templates")
        return value

    @field_validator("TIMEZONE")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown zone") from None
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _url(cls, value: str) -> str:
        if value:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                url = make_url(value)
            except ArgumentError:
                raise ValueError("not a URL") from None
            if url.get_backend_name() not in ("sqlite", "postgresql"):
                raise ValueError("unsupported database")
        return value

    @field_validator("FEED_BASE_URL")
    @classmethod
    def _base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or len(value.rstrip("/")) <= len("https://"):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/")

    @field_validator("MAIL_FROM")
    @classmethod
    def _sender(cls, value: str) -> str:
        from email.utils import parseaddr

        address = parseaddr(value)[1]
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            raise ValueError("not an address")
        return value

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        """The values by :class:`Settings` field name."""
        return {name.lower(): value for name, value in super().model_dump(**kwargs).items()}


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source, reading a given mapping (``os.environ`` or a test's dict)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._env, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


#: field → the form its variable accepts, in Vietnamese (the hint of the error message)
ACCEPTED: dict[str, str] = {
    "home": "một thư mục, ví dụ /var/lib/plancal",
    "database_url": "địa chỉ SQLAlchemy của SQLite hoặc PostgreSQL, ví dụ sqlite:///var/plancal.db hoặc "
                    "postgresql+psycopg://plancal@127.0.0.1/plancal (bỏ trống: SQLite trong PLANCAL_HOME)",
    "timezone": f"tên múi giờ IANA, ví dụ {DEFAULT_TIMEZONE}",
    "calendar_dir": "một thư mục, ví dụ calendar",
    "outbox_dir": "một thư mục, ví dụ var/outbox",
    "templates_dir": "thư mục mẫu của plancal (có thư mục con mail/); bỏ biến này đi để dùng mẫu có sẵn",
    "feed_base_url": "địa chỉ http:// hoặc https://, ví dụ https://lich.snv.angiang.gov.vn",
    "feed_host": "tên máy hoặc địa chỉ IP để lắng nghe, ví dụ 127.0.0.1",
    "feed_port": "số cổng từ 1 đến 65535, ví dụ 8765",
    "smtp_host": "tên máy chủ thư, ví dụ mail.angiang.gov.vn (bỏ trống: ghi thư vào hộp thư đi)",
    "smtp_port": "số cổng từ 1 đến 65535, ví dụ 25, 587 hoặc 465",
    "smtp_user": "tên tài khoản gửi thư",
    "smtp_password": "mật khẩu tài khoản gửi thư",
    "smtp_security": "một trong: none, starttls, ssl",
    "mail_from": "địa chỉ thư, ví dụ 'Lịch kế hoạch <lich@snv.angiang.gov.vn>'",
    "lead_days": "các số ngày nguyên ≥ 0 cách nhau bằng dấu phẩy, ví dụ 7,3,1,0",
    "overdue_days": "các số ngày làm việc nguyên ≥ 0 sau hạn, cách nhau bằng dấu phẩy, ví dụ 1,3",
    "escalate_agency_after": "số ngày làm việc quá hạn (1-366) thì báo cơ quan thường trực, ví dụ 3",
    "escalate_issuer_after": "số ngày làm việc quá hạn (1-366, không nhỏ hơn PLANCAL_ESCALATE_AGENCY_AFTER) thì "
                             "báo cơ quan ban hành và đơn vị cấp trên, ví dụ 10",
    "upload_max_mb": "số MB lớn hơn 0 (tối đa 1024), ví dụ 10",
    "upload_extensions": "các phần mở rộng tệp cách nhau bằng dấu phẩy, ví dụ pdf,docx,xlsx",
    "mail_max_mb": "số MB lớn hơn 0 (tối đa 100), ví dụ 1",
    "lease_seconds": "số giây nguyên lớn hơn 0, ví dụ 300",
    "cancelled_keep_days": "số ngày nguyên ≥ 0, ví dụ 30",
}


def _problem(name: str, value: str | None, accepted: str) -> Problem:
    shown = "(không đặt)" if value is None else ("(chuỗi rỗng)" if value == "" else f"'{value}'")
    return Problem(f"biến môi trường {name} có giá trị {shown} không hợp lệ", field=name,
                   hint=f"đặt {name} là {accepted}")


def _problems(exc: ValidationError, env: Mapping[str, str]) -> list[Problem]:
    """One problem per variable, however many rules its value broke."""
    fields = dict.fromkeys(str(error["loc"][0]) for error in exc.errors() if error["loc"])
    return [_problem(PREFIX + name, env.get(PREFIX + name), ACCEPTED[name.lower()]) for name in fields]
