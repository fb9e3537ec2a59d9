"""A database and its sessions: every repository of the store works through :meth:`Database.session`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
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
