"""Registers kept beside the plans: the exemplars (điển hình tiên tiến) units introduced under a plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select

from plancal.clock import utc_now
from plancal.errors import Problem, StoreError
from plancal.store.session import Database
from plancal.store.tables import ExemplarRow


@dataclass(frozen=True)
class Exemplar:
    """One exemplar in the register: who (a collective or a person), introduced by which unit, in which
    field of the plan, on which day, by which document."""

    plan_id: str
    name: str
    collective: bool
    unit_id: str
    field: str
    introduced: date
    source_document: str = ""

    @property
    def identity(self) -> tuple[str, str, str, date]:
        """What makes an entry the same entry: a second row with it is a duplicate."""
        return self.plan_id, self.unit_id, self.name.casefold(), self.introduced


def _exemplar(row: ExemplarRow) -> Exemplar:
    return Exemplar(row.plan_id, row.name, row.collective, row.unit_id, row.field, row.introduced,
                    row.source_document or "")


class Exemplars(Database):
    def add_exemplars(self, entries: Sequence[Exemplar], now: datetime | None = None) -> int:
        """Store every entry or none: an entry already in the register refuses the whole batch."""
        if not entries:
            return 0
        plan_ids = {e.plan_id for e in entries}
        stamp = (now or utc_now()).astimezone(UTC).replace(tzinfo=None)
        with self.session() as s:
            have = {_exemplar(r).identity for r in s.scalars(select(ExemplarRow).where(ExemplarRow.plan_id.in_(plan_ids)))}
            twice = [e for e in entries if e.identity in have]
            if twice:
                e = twice[0]
                raise StoreError([Problem(f"điển hình '{e.name}' của đơn vị '{e.unit_id}' ngày {e.introduced:%d/%m/%Y} "
                                          "đã có trong sổ", field="exemplars",
                                          hint="bỏ dòng trùng; không có gì được ghi")])
            s.add_all(ExemplarRow(plan_id=e.plan_id, name=e.name, collective=e.collective, unit_id=e.unit_id,
                                  field=e.field, introduced=e.introduced, source_document=e.source_document,
                                  recorded_at=stamp) for e in entries)
        return len(entries)

    def exemplars(self, plan_id: str, *, start: date | None = None, end: date | None = None,
                  unit_id: str | None = None) -> list[Exemplar]:
        """The register of a plan, by date introduced then unit and name."""
        q = select(ExemplarRow).where(ExemplarRow.plan_id == plan_id)
        if start is not None:
            q = q.where(ExemplarRow.introduced >= start)
        if end is not None:
            q = q.where(ExemplarRow.introduced <= end)
        if unit_id is not None:
            q = q.where(ExemplarRow.unit_id == unit_id)
        q = q.order_by(ExemplarRow.introduced, ExemplarRow.unit_id, ExemplarRow.name)
        with self.session() as s:
            return [_exemplar(r) for r in s.scalars(q)]
