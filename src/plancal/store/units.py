"""Units and their feed tokens."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from operator import attrgetter

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.orm import Session

from plancal.errors import Problem, StoreError
from plancal.store.session import Database, insert_rows
from plancal.store.tables import Base, UnitFacts, UnitRow, UnitToken, json_list, new_token, new_tokens
from plancal.units.directory import Directory, Unit

_changes = itertools.count(1)
_epoch = 0


def _tokens_changed() -> None:
    global _epoch
    _epoch = next(_changes)


class Units(Database):
    def import_units(self, units: Iterable[Unit]) -> tuple[int, int]:
        """Upsert units; keeps existing feed tokens. Returns (added, updated)."""
        with self.session() as s:
            added, updated = upsert_units(s, units)
        if added:
            _tokens_changed()
        return added, updated

    def tokens_epoch(self) -> int:
        """A number that changes (after the commit) whenever this process gives a unit a new feed token
        (a rotation, new units): a reader holding the tokens in memory reloads them when it differs.
        Other processes' changes are not counted here; such a reader also reloads now and then."""
        return _epoch

    def directory(self) -> Directory:
        with self.session() as s:
            return Directory(r.to_unit() for r in s.scalars(select(UnitRow)))

    def unit_rows(self) -> list[UnitRow]:
        with self.session() as s:
            return list(s.scalars(select(UnitRow).order_by(UnitRow.id)))

    def unit_facts(self, unit_ids: Iterable[str] | None = None) -> list[UnitFacts]:
        """Every unit, or only ``unit_ids``, as :class:`UnitFacts` from a column select (in chunks small
        enough for any driver's parameter limit), ordered as :meth:`unit_rows`."""
        cols = [type_coerce(UnitRow.emails, Text) if name == "emails" else getattr(UnitRow, name)
                for name in UnitFacts._fields]  # the addresses decoded by json_list, not the JSON type
        q = select(*cols).order_by(UnitRow.id)
        ids = None if unit_ids is None else sorted(set(unit_ids))
        queries = [q] if ids is None else [q.where(UnitRow.id.in_(ids[i:i + 500])) for i in range(0, len(ids), 500)]
        with self.session() as s:
            run = s.connection().execute  # Core rows: no ORM loading
            return [UnitFacts(i, name, kind, parent, tuple(json_list(emails)), *rest)
                    for query in queries for i, name, kind, parent, emails, *rest in run(query).tuples().all()]

    def unit_tokens(self) -> list[UnitToken]:
        """(id, name, feed token) of every unit, ordered as :meth:`unit_rows`, as plain tuples."""
        with self.session() as s:
            q = select(UnitRow.id, UnitRow.name, UnitRow.feed_token).order_by(UnitRow.id)
            return list(map(UnitToken._make, s.connection().execute(q).tuples()))

    def unit_row(self, unit_id: str) -> UnitRow | None:
        with self.session() as s:
            return s.get(UnitRow, unit_id)

    def unit_by_token(self, token: str) -> UnitRow | None:
        with self.session() as s:
            return s.scalars(select(UnitRow).where(UnitRow.feed_token == token)).first()

    def rotate_token(self, unit_id: str) -> str:
        token = new_token()
        with self.session() as s:
            row = s.get(UnitRow, unit_id)
            if row is None:
                raise StoreError([Problem(f"không có đơn vị '{unit_id}'", field="unit",
                                          hint="xem danh sách bằng 'plancal units list'")])
            row.feed_token = token
        _tokens_changed()
        return token


def upsert_units(s: Session, units: Iterable[Unit]) -> tuple[int, int]:
    """Upsert units inside the caller's transaction; keeps existing feed tokens. Returns (added, updated).
    Plain columns in and out (a national directory has ~8,000 units): ORM objects only for changed units."""
    units = list(units)
    t = Base.metadata.tables["units"]
    ids = {u.id for u in units}
    # every stored unit in one query, no list of ids to send (a directory is most of the store's units)
    existing = {r[0]: dict(zip(_VALUE_COLUMNS, r[1:], strict=True))
                for r in s.execute(select(t.c.id, *(t.c[k] for k in _VALUE_COLUMNS))) if r[0] in ids}
    fresh: list[Unit] = []
    changed: dict[str, dict[str, object]] = {}
    for u in units:
        stored = existing.get(u.id)
        if stored is None:
            fresh.append(u)
        elif stored != (values := _values(u)):
            changed[u.id] = values
    if fresh:
        columns = zip(*map(attrgetter("id", *UNIT_ATTRIBUTES.values()), fresh), strict=True)
        insert_rows(s, t, dict(zip(("id", *_VALUE_COLUMNS), columns, strict=True)) | {"feed_token": new_tokens(len(fresh))})
    for unit_id, values in changed.items():
        row = s.get(UnitRow, unit_id)
        assert row is not None
        for k, v in values.items():
            setattr(row, k, v)
    return len(fresh), len(changed)


#: the columns a unit file sets (the feed token is the store's own), each with the attribute of a unit it holds
UNIT_ATTRIBUTES = {"name": "name", "kind": "kind", "parent_id": "parent", "emails": "emails",
                   "formal_name": "formal_name", "valid_from": "valid_from", "valid_to": "valid_to",
                   "successor_id": "successor"}
_VALUE_COLUMNS = tuple(UNIT_ATTRIBUTES)


def _values(u: Unit) -> dict[str, object]:
    """The columns a unit file sets, as a stored row reads them back (the addresses as a list)."""
    values: dict[str, object] = {column: getattr(u, attribute) for column, attribute in UNIT_ATTRIBUTES.items()}
    values["emails"] = list(u.emails)
    return values
