"""Occurrences of units that change: after a unit ends its work goes to its successor, or is dropped.

A post-pass over an expansion's occurrences (:func:`follow_units`), so that each section's expansion need
not know about lifetimes:

- an actionable occurrence owed (due, effective date) on a day its unit does not exist is moved to the unit
  that holds its work that day (:meth:`Directory.holder_on`: the successor, if it exists then), with a
  new uid (the successor's own duty) and a line in its detail saying whose it was; when nobody holds it,
  it is dropped and a :class:`Dropped` note says why;
- an ongoing duty ("thường xuyên") is cut at the unit's last day and continued by the successor from the
  day after (or the rest is dropped with a note);
- the recipient of a duty (``to_unit_id``) is the holder of the recipient's work on the due day;
- informational occurrences (themes, anniversaries) add the successors to their audience.

The notes are returned through the side list a caller passes to ``expand(..., notes=[])``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from plancal.schedule.occurrence import ACTIONABLE, Kind, Occurrence, occurrence_uid
from plancal.units.directory import Directory
from plancal.vn.dates import short


@dataclass(frozen=True)
class Dropped:
    """An occurrence nobody owes, because its unit did not exist on its day and no successor does."""

    occurrence: Occurrence
    reason: str  # Vietnamese, for the coordinator


def follow_units(occurrences: Iterable[Occurrence], directory: Directory, notes: list[Dropped] | None = None
                 ) -> list[Occurrence]:
    out: list[Occurrence] = []
    bounded = directory.bounded
    for occ in occurrences:
        if occ.unit_id and occ.kind in ACTIONABLE and occ.unit_id not in bounded and occ.to_unit_id not in bounded:
            out.append(occ)  # its unit and its recipient hold their own work every day (most occurrences)
        elif occ.kind is Kind.ONGOING and occ.unit_id:
            out.extend(_ongoing(occ, directory, notes))
        elif occ.kind in ACTIONABLE and occ.unit_id:
            moved = _owed(occ, directory, notes)
            if moved is not None:
                out.append(moved)
        else:
            out.append(_audience(occ, directory))
    return out


def _name(directory: Directory, unit_id: str) -> str:
    unit = directory.get(unit_id)
    return unit.name if unit else unit_id


def _why_not(directory: Directory, unit_id: str, d: date) -> str:
    unit = directory[unit_id]
    if unit.valid_from and d < unit.valid_from:
        return f"{unit.name} bắt đầu hoạt động từ {short(unit.valid_from)}"
    end = short(unit.valid_to) if unit.valid_to else "?"
    if unit.successor:
        return (f"{unit.name} hoạt động đến {end}; đơn vị kế thừa {_name(directory, unit.successor)} "
                f"không hoạt động ngày {short(d)}")
    return f"{unit.name} hoạt động đến {end} và không có đơn vị kế thừa"


def _moved(occ: Occurrence, directory: Directory, holder: str, **changes: object) -> Occurrence:
    assert occ.unit_id is not None
    old = directory[occ.unit_id]
    line = f"Chuyển từ {old.name} (hoạt động đến {short(old.valid_to)})." if old.valid_to else ""
    return replace(occ, uid=occurrence_uid(occ.plan_id, occ.kind, occ.source_id, holder, occ.period_key),
                   unit_id=holder, detail="\n".join(p for p in (occ.detail, line) if p), **changes)  # type: ignore[arg-type]


def _recipient(occ: Occurrence, directory: Directory, d: date) -> str | None:
    if occ.to_unit_id is None:
        return None
    return directory.holder_on(occ.to_unit_id, d) or occ.to_unit_id


def _owed(occ: Occurrence, directory: Directory, notes: list[Dropped] | None) -> Occurrence | None:
    assert occ.unit_id is not None
    d = occ.due_effective
    holder = directory.holder_on(occ.unit_id, d)
    to = _recipient(occ, directory, d)
    if holder == occ.unit_id:
        return occ if to == occ.to_unit_id else replace(occ, to_unit_id=to)
    if holder is None:
        if notes is not None:
            notes.append(Dropped(occ, f"Bỏ “{occ.title}” hạn {short(d)}: {_why_not(directory, occ.unit_id, d)}."))
        return None
    return _moved(occ, directory, holder, to_unit_id=to)


def _ongoing(occ: Occurrence, directory: Directory, notes: list[Dropped] | None) -> list[Occurrence]:
    assert occ.unit_id is not None
    unit = directory.get(occ.unit_id)
    if unit is None or (unit.valid_from is None and unit.valid_to is None):
        return [occ]
    start = max(occ.window_start, unit.valid_from) if unit.valid_from else occ.window_start
    end = min(occ.due_stated, unit.valid_to) if unit.valid_to else occ.due_stated
    out = []
    if start <= end:
        out.append(replace(occ, window_start=start, due_stated=end, due_effective=end, due_limit=end,
                           to_unit_id=_recipient(occ, directory, end)))
    if unit.valid_to is not None and unit.valid_to < occ.due_stated:
        rest = max(unit.valid_to + timedelta(days=1), occ.window_start)
        holder = directory.holder_on(occ.unit_id, rest)
        if holder is None:
            if notes is not None:
                notes.append(Dropped(occ, f"Bỏ “{occ.title}” từ {short(rest)}: "
                                          f"{_why_not(directory, occ.unit_id, rest)}."))
        else:
            moved = _moved(occ, directory, holder, window_start=rest, to_unit_id=_recipient(occ, directory, occ.due_stated))
            out.extend(_ongoing(moved, directory, notes))  # the successor may end too
    return out


def _audience(occ: Occurrence, directory: Directory) -> Occurrence:
    if not occ.audience:
        return occ
    if directory.bounded.isdisjoint(occ.audience):  # each holds its own work (a national audience: 8,000 units)
        audience = tuple(dict.fromkeys(occ.audience))
    else:
        added = [directory.holder_on(u, occ.due_effective) for u in occ.audience]
        audience = tuple(dict.fromkeys([*occ.audience, *(a for a in added if a)]))
    return occ if audience == occ.audience else replace(occ, audience=audience)
