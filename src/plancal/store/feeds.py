"""What was last written for each feed file, so that only changed feeds are rewritten."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from plancal.store.session import Database
from plancal.store.tables import Base, FeedExportRow, FeedRow


@dataclass(frozen=True)
class FeedExport:
    """What the last complete export wrote its files from: the context of every feed, the change number
    read before its rows (every row changed since has a higher one) and its day."""

    context: str
    change_number: int
    today: date


class FeedDigests(Database):
    def feed_digests(self) -> dict[str, str]:
        with self.session() as s:
            return {name: digest for name, digest in s.execute(select(FeedRow.name, FeedRow.digest)).tuples()}

    def save_feed_digests(self, digests: dict[str, str], when: datetime) -> None:
        """Upsert these digests in one statement (executemany), not one SELECT per feed."""
        if not digests:
            return
        rows = [{"name": name, "digest": digest, "written_at": when} for name, digest in digests.items()]
        table = Base.metadata.tables["feeds"]  # a Core executemany: no ORM bulk insert (thousands of rows on a first export)
        with self.session() as s:
            conn = s.connection()
            dialect = conn.dialect.name
            if dialect == "postgresql":
                q: Any = pg_insert(table)
            elif dialect == "sqlite":
                q = sqlite_insert(table)
            else:  # any other database: delete, then insert
                names = list(digests)
                for i in range(0, len(names), 500):
                    conn.execute(delete(table).where(table.c.name.in_(names[i:i + 500])))
                conn.execute(insert(table), rows)
                return
            q = q.on_conflict_do_update(index_elements=["name"],
                                        set_={"digest": q.excluded.digest, "written_at": q.excluded.written_at})
            conn.execute(q, rows)

    def forget_feeds(self, names: Iterable[str]) -> None:
        """Drop the digests of feed files that no longer exist (a rotated token, a removed unit)."""
        names = list(names)
        if not names:
            return
        with self.session() as s:
            for i in range(0, len(names), 500):
                s.execute(delete(FeedRow).where(FeedRow.name.in_(names[i:i + 500])))

    def feed_export(self) -> FeedExport | None:
        with self.session() as s:
            row = s.get(FeedExportRow, 1)
            return None if row is None else FeedExport(row.context, row.change_number, row.today)

    def save_feed_export(self, export: FeedExport | None, when: datetime) -> None:
        """Remember the last complete export (None: forget it, the files may be of another context)."""
        with self.session() as s:
            s.execute(delete(FeedExportRow))
            if export is not None:
                s.add(FeedExportRow(id=1, context=export.context, change_number=export.change_number,
                                    today=export.today, written_at=when))
