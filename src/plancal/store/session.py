"""A database and its sessions: every repository of the store works through :meth:`Database.session`;
many rows go in at the speed of the driver through :func:`insert_rows`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from json.encoder import encode_basestring_ascii
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, String, Table
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from plancal.errors import StoreError

#: the key, in a pooled SQLite connection's info, of its page cache size before an issue widened it (see
#: :func:`plancal.store.plans._widen_page_cache`)
CACHE_SIZE_BEFORE = "plancal.cache_size_before"


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
    transaction at the speed of the driver (see :func:`insert_stored`). A column the driver takes as it is,
    is read as the rows go out; the others are converted a column at a time."""
    if not columns:
        return
    dialect = s.connection().dialect.name
    by_column = [stored_column(table, name, dialect, values) for name, values in columns.items()]
    insert_stored(s, table, list(columns), zip(*by_column, strict=True))


def insert_stored(s: Session, table: Table, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert many rows of the columns ``names``, each already as the driver takes it (see
    :func:`storage_form`), in the session's transaction at the speed of the driver: one ``executemany`` on
    SQLite, ``COPY ... FROM STDIN`` on PostgreSQL. ``rows`` are read as they go out (on PostgreSQL, while
    the server stores the rows sent before). What is stored is what SQLAlchemy's own insert() would store
    (tests/test_store_bulk.py compares them)."""
    conn = s.connection()
    dialect = conn.dialect
    listed = ", ".join(names)
    driver = conn.connection.driver_connection
    assert driver is not None
    sql = f"INSERT INTO {table.name} ({listed}) VALUES ({', '.join('?' * len(names))})"
    try:
        if dialect.name != "postgresql":
            driver.executemany(sql, rows)  # the session's connection, in its transaction
            return
        sql = f"COPY {table.name} ({listed}) FROM STDIN"
        with driver.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dialect.loaded_dbapi.Error as exc:  # the SQLAlchemy error the same refusal raises from insert()
        raise DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc


def stored_column(table: Table, name: str, dialect: str, values: Iterable[Any]) -> Iterable[Any]:
    """The values of one column as the driver takes them: as they are (read as the rows go out), or
    converted a column at a time (a few list comprehensions, no call per value)."""
    convert = _storage_form(table.c[name].type, dialect)
    return values if convert is None else convert(list(values))


def storage_form(table: Table, names: Sequence[str], dialect: str) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """How one row of values of the columns ``names`` goes to the driver: each value as :func:`insert_rows`
    sends it (for the values many rows share: converted once, then reused)."""
    converts = [(i, _shared_json_text() if convert is _json_text else convert) for i, name in enumerate(names)
                if (convert := _value_form(table.c[name].type, dialect)) is not None]

    def form(values: Sequence[Any]) -> tuple[Any, ...]:
        stored = list(values)
        for i, convert in converts:
            stored[i] = convert(stored[i])
        return tuple(stored)

    return form


def _storage_form(type_: object, dialect: str) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
    """How the values of a column of ``type_`` go to the driver (see :func:`_value_form`), a column at a
    time: each distinct value converted once."""
    if isinstance(type_, JSON):
        return _json_texts
    if dialect == "sqlite" and isinstance(type_, String):
        return _plain_texts
    convert = _value_form(type_, dialect)
    return None if convert is None else lambda values: _each_distinct(values, convert)


def _value_form(type_: object, dialect: str) -> Callable[[Any], Any] | None:
    """How one value of a column of ``type_`` goes to the driver, as SQLAlchemy's bind processing would
    send it: JSON as its text (``json.dumps``) and, on SQLite, dates and times as ISO text (``YYYY-MM-DD``,
    ``YYYY-MM-DD HH:MM:SS.ffffff``), booleans as integers and texts as plain ``str``. None: as it is."""
    if isinstance(type_, JSON):
        return _json_text
    if dialect != "sqlite":
        return None
    if isinstance(type_, Boolean):
        return lambda v: v if v is None else int(v)
    if isinstance(type_, String):
        return _plain_text
    if isinstance(type_, DateTime):
        return lambda v: v if v is None else v.isoformat(" ", "microseconds")
    if isinstance(type_, Date):
        return lambda v: v if v is None else v.isoformat()
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
    return _each_distinct(values, _plain_text)


def _plain_text(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


_PLAIN_TEXT = frozenset({str, type(None)})


def _json_texts(values: Sequence[Any]) -> list[str]:
    """``json.dumps`` of each value (once per distinct value when every value can be a dict key)."""
    try:
        return _each_distinct(values, _json_text)
    except TypeError:  # a list: not hashable
        return [_json_text(v) for v in values]


def _json_text(value: Any) -> str:
    """``json.dumps(value)``; a list or tuple of plain texts (a unit's addresses, an audience) without the
    encoder's layers of Python calls: each text quoted as the encoder does (ASCII, escapes), ", " between."""
    if type(value) in _SEQUENCES and all(type(v) is str for v in value):
        return "[" + ", ".join(map(encode_basestring_ascii, value)) + "]"
    return json.dumps(value)


_SEQUENCES = frozenset({list, tuple})


def _shared_json_text() -> Callable[[Any], str]:
    """:func:`_json_text`, made once for each tuple however many rows hold that very tuple (an audience of
    8,000 units that many runs share): by the tuple's identity (the tuple kept, so that its id stays its own)."""
    done: dict[int, tuple[tuple[Any, ...], str]] = {}

    def text(value: Any) -> str:
        if type(value) is not tuple:
            return _json_text(value)
        found = done.get(id(value))
        if found is None:
            found = done[id(value)] = (value, _json_text(value))
        return found[1]

    return text
