"""Connecting to the database and bringing its schema to the newest Alembic revision."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from plancal.errors import StoreError
from plancal.store.database import Store
from plancal.store.session import CACHE_SIZE_BEFORE


def migrations_dir() -> Path:
    return Path(__file__).with_name("migrations")


@lru_cache(maxsize=1)
def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(migrations_dir())).get_current_head()


def _current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migrator at a time: two workers starting together must not both create the schema.
    PostgreSQL: an advisory lock; SQLite: an exclusive lock on a file beside the database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(7265626)"))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(7265626)"))
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op, without Alembic's machinery, when it is)."""
    with engine.connect() as conn:
        if _current_revision(conn) == _head_revision():
            return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with _migration_lock(engine), engine.begin() as conn:
        if _current_revision(conn) == _head_revision():
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Connect (creating the SQLite file's folder if needed) and migrate to the newest schema."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except Exception as exc:  # noqa: BLE001 - bad URL text
        raise StoreError(f"địa chỉ cơ sở dữ liệu không hợp lệ: {url}: {exc}",
                         hint="ví dụ sqlite:///var/plancal.db hoặc postgresql+psycopg://user@host/db") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", restore_page_cache)
    if migrate:
        try:
            upgrade(engine)
        except OperationalError as exc:
            raise StoreError(f"không kết nối được cơ sở dữ liệu {engine.url.render_as_string(hide_password=True)}: "
                             f"{exc.orig}", hint="kiểm tra máy chủ cơ sở dữ liệu đang chạy") from None
    return Store(engine)


def restore_page_cache(dbapi_conn: object, record: Any) -> None:
    """A SQLite connection back in the pool: the page cache an issue widened is given back its own size
    (the pages above it freed)."""
    before = record.info.pop(CACHE_SIZE_BEFORE, None)
    if before is not None and dbapi_conn is not None:
        dbapi_conn.execute(f"PRAGMA cache_size={int(before)}")  # type: ignore[attr-defined]


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
