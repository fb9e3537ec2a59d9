"""What was last written for each feed file, so that only changed feeds are rewritten."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select

from plancal.store.session import Database
from plancal.store.tables import FeedRow


class FeedDigests(Database):
    def feed_digests(self) -> dict[str, str]:
        with self.session() as s:
            return {r.name: r.digest for r in s.scalars(select(FeedRow))}

    def save_feed_digests(self, digests: dict[str, str], when: datetime) -> None:
        with self.session() as s:
            for name, digest in digests.items():
                row = s.get(FeedRow, name)
                if row is None:
                    s.add(FeedRow(name=name, digest=digest, written_at=when))
                else:
                    row.digest, row.written_at = digest, when

    def forget_feeds(self, names: Iterable[str]) -> None:
        """Drop the digests of feed files that no longer exist (a rotated token, a removed unit)."""
        names = list(names)
        if not names:
            return
        with self.session() as s:
            s.execute(delete(FeedRow).where(FeedRow.name.in_(names)))
