"""Shared fixtures. Every store test runs on SQLite and on PostgreSQL (a fresh database per session).

PostgreSQL is at 127.0.0.1:5432 with trust auth (override with PLANCAL_TEST_PG). When it is not
reachable the PostgreSQL variants are skipped locally and fail under CI=true.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from plancal.settings import Settings
from plancal.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "plans"
PG_ADMIN = os.environ.get("PLANCAL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_admin_conn():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A base URL (without database) for a reachable PostgreSQL, or skip/fail."""
    try:
        with _pg_admin_conn():
            pass
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI but not reachable at {PG_ADMIN}: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    yield PG_ADMIN.rsplit("/", 1)[0]


def make_pg_database(base: str) -> str:
    name = f"plancal_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin_conn() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(name: str) -> None:
    with _pg_admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    name = make_pg_database(pg_server)
    yield f"{pg_server.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    drop_pg_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'plancal.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = open_store(db_url)
    yield st
    st.engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    base = Settings.from_env({})
    return replace(base, home=tmp_path, database_url=db_url, calendar_dir=tmp_path / "calendar",
                   outbox_dir=tmp_path / "outbox")
