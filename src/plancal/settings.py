"""One frozen settings object, built at the edge from the environment and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_LEAD_DAYS: tuple[int, ...] = (7, 3, 1, 0)
DEFAULT_OVERDUE_DAYS: tuple[int, ...] = (1, 7)
DEFAULT_UPLOAD_EXTENSIONS: tuple[str, ...] = ("pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "jpg", "jpeg", "png",
                                              "zip")


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.replace(" ", "").split(",") if part)


def _per_kind(env: Mapping[str, str], prefix: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """``PLANCAL_LEAD_DAYS_REPORT=14,7,3,1,0`` → (("report", (14, 7, 3, 1, 0)),): lead times for one kind."""
    return tuple(sorted((name.removeprefix(prefix).lower(), _ints(value)) for name, value in env.items()
                        if name.startswith(prefix) and len(name) > len(prefix)))


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Embedded defaults need no environment at all."""

    home: Path = Path("var")
    database_url: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    calendar_dir: Path = Path("calendar")
    outbox_dir: Path = Path("var/outbox")
    templates_dir: Path = Path("templates")
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
    lease_seconds: int = 300
    cancelled_keep_days: int = 30
    #: files units attach to a submission: at most this many bytes, with one of these extensions
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_extensions: tuple[str, ...] = DEFAULT_UPLOAD_EXTENSIONS

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
        """Read ``PLANCAL_*`` variables; anything unset keeps its embedded default."""
        env = os.environ if env is None else env
        home = Path(env.get("PLANCAL_HOME", "var"))
        get = env.get
        return cls(
            home=home,
            database_url=get("PLANCAL_DATABASE_URL", ""),
            timezone=get("PLANCAL_TIMEZONE", "Asia/Ho_Chi_Minh"),
            calendar_dir=Path(get("PLANCAL_CALENDAR_DIR", "calendar")),
            outbox_dir=Path(get("PLANCAL_OUTBOX_DIR", str(home / "outbox"))),
            templates_dir=Path(get("PLANCAL_TEMPLATES_DIR", str(_default_templates()))),
            feed_base_url=get("PLANCAL_FEED_BASE_URL", "http://127.0.0.1:8765").rstrip("/"),
            feed_host=get("PLANCAL_FEED_HOST", "127.0.0.1"),
            feed_port=int(get("PLANCAL_FEED_PORT", "8765")),
            smtp_host=get("PLANCAL_SMTP_HOST", ""),
            smtp_port=int(get("PLANCAL_SMTP_PORT", "25")),
            smtp_user=get("PLANCAL_SMTP_USER", ""),
            smtp_password=get("PLANCAL_SMTP_PASSWORD", ""),
            smtp_security=get("PLANCAL_SMTP_SECURITY", "none"),
            mail_from=get("PLANCAL_MAIL_FROM", "plancal@localhost"),
            lead_days=_ints(get("PLANCAL_LEAD_DAYS", "7,3,1,0")),
            overdue_days=_ints(get("PLANCAL_OVERDUE_DAYS", "1,7")),
            lead_days_by_kind=_per_kind(env, "PLANCAL_LEAD_DAYS_"),
            overdue_days_by_kind=_per_kind(env, "PLANCAL_OVERDUE_DAYS_"),
            lease_seconds=int(get("PLANCAL_LEASE_SECONDS", "300")),
            cancelled_keep_days=int(get("PLANCAL_CANCELLED_KEEP_DAYS", "30")),
            upload_max_bytes=int(float(get("PLANCAL_UPLOAD_MAX_MB", "10")) * 1024 * 1024),
            upload_extensions=tuple(e.strip().lower().lstrip(".") for e in
                                    get("PLANCAL_UPLOAD_EXTENSIONS", ",".join(DEFAULT_UPLOAD_EXTENSIONS)).split(",")
                                    if e.strip()),
        )


def _default_templates() -> Path:
    """Templates live at the repository root (``templates/``) next to ``src/``."""
    here = Path(__file__).resolve()
    repo = here.parents[2] / "templates"
    return repo if repo.is_dir() else Path("templates")
