"""The bulk insert of an issue (executemany on SQLite, COPY on PostgreSQL) stores what SQLAlchemy's own
insert() stores, and the same rows on both databases."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from plancal.lifecycle.issuance import issue_file
from plancal.plans.loading import load_plan
from plancal.schedule.expansion import expand
from plancal.store import Store, open_store
from plancal.store.session import _json_text
from plancal.store.tables import Base, new_token, new_tokens
from tests.conftest import PLANS

#: seed plans: a district's plan and a commune's plan under it (conferences with times of day, audiences)
SEEDS = (PLANS / "002-nam-dong-2020.yaml", PLANS / "sub" / "002-xa-huong-loc-2020.yaml")
OCCURRENCES = Base.metadata.tables["occurrences"]
UNITS = Base.metadata.tables["units"]


def _typed(store: Store, table: Any, without: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """Every row as SQLAlchemy reads it back (dates, datetimes, lists), ordered by primary key."""
    cols = [c for c in table.columns if c.name not in without]
    with store.session() as s:
        return [tuple(r) for r in s.execute(select(*cols).order_by(*table.primary_key.columns))]


def _as_text(store: Store, table: Any) -> list[tuple[Any, ...]]:
    """Every column of every row in the database's own text form (how a date, a time or JSON is kept)."""
    cols = ", ".join(f"CAST({c.name} AS TEXT)" for c in table.columns)
    key = ", ".join(c.name for c in table.primary_key.columns)
    with store.session() as s:
        return [tuple(r) for r in s.connection().exec_driver_sql(f"SELECT {cols} FROM {table.name} ORDER BY {key}")]


def test_copy_on_postgresql_and_executemany_on_sqlite_store_identical_rows(tmp_path: Path, pg_url: str) -> None:
    lite = open_store(f"sqlite:///{tmp_path / 'plancal.db'}")
    pg = open_store(pg_url)
    try:
        for store in (lite, pg):
            for path in SEEDS:
                result = issue_file(store, path).result
                assert result.added > 0
        rows = _typed(lite, OCCURRENCES)
        assert len(rows) == sum(issue_file(lite, path).result.unchanged for path in SEEDS) > 100
        assert rows == _typed(pg, OCCURRENCES)
        assert any(r[OCCURRENCES.columns.keys().index("starts_at")] is not None for r in rows)
        assert _typed(lite, UNITS, without=("feed_token",)) == _typed(pg, UNITS, without=("feed_token",))
        assert _typed(lite, Base.metadata.tables["plans"]) == _typed(pg, Base.metadata.tables["plans"])
    finally:
        lite.engine.dispose()
        pg.engine.dispose()


def test_the_bulk_insert_stores_what_sqlalchemy_insert_stores(store: Store, db_url: str, tmp_path: Path) -> None:
    """The same values through plancal's issue and through a plain Core insert() of dicts: the database
    keeps the same text for every column (dates, times, booleans, JSON)."""
    issue_file(store, SEEDS[0])
    rows = _typed(store, OCCURRENCES)
    if db_url.startswith("sqlite"):
        other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    else:
        other = open_store(db_url.rsplit("/", 1)[0] + "/" + _fresh_pg_database())
    try:
        loaded = load_plan(SEEDS[0])
        other.issue(loaded, [])  # the plan row and the units the foreign key needs
        with other.session() as s:
            s.execute(insert(OCCURRENCES), [dict(zip(OCCURRENCES.columns.keys(), r, strict=True)) for r in rows])
        assert _as_text(store, OCCURRENCES) == _as_text(other, OCCURRENCES)
        assert len(rows) == len(expand(loaded))
    finally:
        other.engine.dispose()
        if not db_url.startswith("sqlite"):
            from tests.conftest import drop_pg_database

            drop_pg_database(other.engine.url.database or "")


def _fresh_pg_database() -> str:
    from tests.conftest import PG_ADMIN, make_pg_database

    return make_pg_database(PG_ADMIN)


@pytest.mark.parametrize("value", [[], (), ["a@b.vn"], ("Đà Nẵng", 'say "x"\\', "\n\t\x00\u2028", "\ud800"),
                                   [1, "a"], [None], {"a": [1]}, None, "text", (("a",),)])
def test_json_texts_are_what_json_dumps_makes(value: Any) -> None:
    assert _json_text(value) == json.dumps(value)


def test_feed_tokens_made_in_one_read_look_like_one_made_alone() -> None:
    tokens = new_tokens(500)
    assert len(set(tokens)) == 500 and new_tokens(0) == []
    assert {len(t) for t in tokens} == {len(new_token())} and all(re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens)
