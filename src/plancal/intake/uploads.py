"""Files that come with a submission: size-limited, type-checked by extension, kept outside the web root
under ``PLANCAL_HOME/uploads/<plan>/<unit>/<sha256>`` and never served (only the coordinator reads them)."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

from plancal.errors import PlancalError, Problem
from plancal.files import write_atomic
from plancal.settings import Settings
from plancal.store import StoredFile


class UploadError(PlancalError):
    """A file a unit sent was refused (too large, of a type not accepted, empty)."""


def clean_name(name: str) -> str:
    """The file's own name (no folders), NFC, at most 200 characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable()).strip()
    return base[-200:]


def check_upload(name: str, size: int, settings: Settings) -> str:
    """The cleaned name, or an UploadError naming the field and the limit."""
    cleaned = clean_name(name)
    ext = cleaned.rsplit(".", 1)[-1].lower() if "." in cleaned else ""
    if ext not in settings.upload_extensions:
        raise UploadError([Problem(f"tệp '{cleaned or name}' có kiểu không được nhận", field="file",
                                   hint="gửi tệp " + ", ".join(f".{e}" for e in settings.upload_extensions))])
    if size <= 0:
        raise UploadError([Problem(f"tệp '{cleaned}' rỗng", field="file", hint="chọn lại tệp")])
    if size > settings.upload_max_bytes:
        limit = settings.upload_max_bytes / (1024 * 1024)
        raise UploadError([Problem(f"tệp '{cleaned}' quá lớn ({size / (1024 * 1024):.1f} MB, tối đa {limit:g} MB)",
                                   field="file", hint="nén tệp hoặc gửi bản PDF nhỏ hơn")])
    return cleaned


def upload_path(settings: Settings, plan_id: str, unit_id: str, sha256: str) -> Path:
    return settings.uploads_dir / plan_id / unit_id / sha256


def store_upload(settings: Settings, plan_id: str, unit_id: str, name: str, data: bytes) -> StoredFile:
    """Check and keep a file (written atomically, readable by its owner only). The same bytes are kept once."""
    cleaned = check_upload(name, len(data), settings)
    sha = hashlib.sha256(data).hexdigest()
    path = upload_path(settings, plan_id, unit_id, sha)
    if not path.is_file():
        write_atomic(path, data, prefix=".upload.")
    return StoredFile(sha, cleaned, len(data))
