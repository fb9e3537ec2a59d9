"""What was last written for each feed file, so that only changed feeds are rewritten."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from plancal.store.session import Database
from plancal.store.tables import FeedRow


class FeedDigests(Database):
    def feed_digests(self) -> dict[str, str]:
        with self.session() as s:
            return {name: digest for name, digest in s.execute(select(FeedRow.name, FeedRow.digest)).tuples()}

    def save_feed_digests(self, digests: dict[str, str], when: datetime) -> None:
        """Upsert these digests in one statement (executemany), not one SELECT per feed."""
        if not digests:
            return
        rows = [{"name": name, "digest": digest, "written_at": when} for name, digest in digests.items()]
        with self.session() as s:
            dialect = s.get_bind().dialect.name
            if dialect == "postgresql":
                q: Any = pg_insert(FeedRow)
            elif dialect == "sqlite":
                q = sqlite_insert(FeedRow)
            else:  # any other database: delete, then insert
                names = list(digests)
                for i in range(0, len(names), 500):
                    s.execute(delete(FeedRow).where(FeedRow.name.in_(names[i:i + 500])))
                s.execute(insert(FeedRow), rows)
                return
            q = q.on_conflict_do_update(index_elements=["name"],
                                        set_={"digest": q.excluded.digest, "written_at": q.excluded.written_at})
            s.execute(q, rows)

    def forget_feeds(self, names: Iterable[str]) -> None:
        """Drop the digests of feed files that no longer exist (a rotated token, a removed unit)."""
        names = list(names)
        if not names:
            return
        with self.session() as s:
            for i in range(0, len(names), 500):
                s.execute(delete(FeedRow).where(FeedRow.name.in_(names[i:i + 500])))
