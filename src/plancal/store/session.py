"""A database and its sessions: every repository of the store works through :meth:`Database.session`;
many rows go in at the speed of the driver through :func:`insert_rows`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, String, Table
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from plancal.errors import StoreError


class Database:
    """An engine and a session factory. One short transaction per ``with store.session()``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_factory = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.session_factory() as s:
            try:
                yield s
                s.commit()
            except SQLAlchemyError as exc:
                s.rollback()
                raise StoreError(f"cơ sở dữ liệu từ chối thao tác: {exc.__class__.__name__}: {exc.args[0]}",
                                 hint="kiểm tra PLANCAL_DATABASE_URL và chạy 'plancal db upgrade'") from exc
            except BaseException:
                s.rollback()
                raise


def insert_rows(s: Session, table: Table, columns: Mapping[str, Iterable[Any]]) -> None:
    """Insert many rows, given as the values of each column in row order (all of one length: the plain
    Python values an ORM object would hold: enums, dates, lists or tuples for JSON), in the session's
    transaction at the speed of the driver: one ``executemany`` of the stored forms on SQLite,
    ``COPY ... FROM STDIN`` on PostgreSQL. A column the driver takes as it is, is read as the rows go out (on
    PostgreSQL, while the server stores the rows sent before); the others are converted a column at a time.
    What is stored is what SQLAlchemy's own insert() would store (tests/test_store_bulk.py compares them)."""
    if not columns:
        return
    conn = s.connection()
    dialect = conn.dialect
    by_column: list[Iterable[Any]] = []
    for name, values in columns.items():  # a few list comprehensions, no call per value
        convert = _storage_form(table.c[name].type, dialect.name)
        by_column.append(values if convert is None else convert(list(values)))
    stored = zip(*by_column, strict=True)
    names = ", ".join(columns)
    driver = conn.connection.driver_connection
    assert driver is not None
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
    try:
        if dialect.name != "postgresql":
            driver.executemany(sql, stored)  # the session's connection, in its transaction
            return
        sql = f"COPY {table.name} ({names}) FROM STDIN"
        with driver.cursor() as cur, cur.copy(sql) as copy:
            for row in stored:
                copy.write_row(row)
    except dialect.loaded_dbapi.Error as exc:  # the SQLAlchemy error the same refusal raises from insert()
        raise DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc


def _storage_form(type_: object, dialect: str) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
    """How the values of a column of ``type_`` go to the driver, as SQLAlchemy's bind processing would
    send them: JSON as its text (``json.dumps``) and, on SQLite, dates and times as ISO text (``YYYY-MM-DD``,
    ``YYYY-MM-DD HH:MM:SS.ffffff``), booleans as integers and texts as plain ``str``."""
    if isinstance(type_, JSON):
        return _json_texts
    if dialect == "sqlite" and isinstance(type_, Boolean):
        return lambda values: _each_distinct(values, lambda v: v if v is None else int(v))
    if dialect == "sqlite" and isinstance(type_, String):
        return _plain_texts
    if dialect == "sqlite" and isinstance(type_, DateTime):
        return lambda values: _each_distinct(values, lambda v: v if v is None else v.isoformat(" ", "microseconds"))
    if dialect == "sqlite" and isinstance(type_, Date):
        return lambda values: _each_distinct(values, lambda v: v if v is None else v.isoformat())
    return None


def _each_distinct(values: Sequence[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """``convert`` of each value, called once per distinct value (most rows share their dates, their
    audience, ``[]``...)."""
    done = {v: convert(v) for v in set(values)}
    return list(map(done.__getitem__, values))


def _plain_texts(values: Sequence[Any]) -> Sequence[Any]:
    """Texts as plain ``str`` (an enum as its text): the SQLite driver adapts any other value, a subclass of
    ``str`` too, one at a time through its adaptation protocol."""
    if set(map(type, values)) <= _PLAIN_TEXT:
        return values
    return _each_distinct(values, lambda v: v if v is None else str(v))


_PLAIN_TEXT = frozenset({str, type(None)})


def _json_texts(values: Sequence[Any]) -> list[str]:
    """``json.dumps`` of each value (once per distinct value when every value can be a dict key)."""
    try:
        return _each_distinct(values, json.dumps)
    except TypeError:  # a list: not hashable
        return [json.dumps(v) for v in values]
