"""Milestones: events a plan refers to but does not hold ("hướng tới Đại hội … toàn quốc lần thứ XI")."""

from __future__ import annotations

from plancal.schedule.context import Expansion, once
from plancal.schedule.occurrence import Kind
from plancal.vn.periods import span


def milestones(ex: Expansion) -> None:
    """One informational occurrence per milestone, shown to the plan's units and owed by nobody."""
    audience = tuple(ex.resolve(["@recipients", "@standing-agency", "@issuer"]))
    for ms in ex.plan.milestones:
        if ms.on is not None:
            per, due = once(span(ms.on, ms.on)), ms.on
        else:
            assert ms.within is not None
            per, due = once(ms.within), ms.within.end
        holder = ex.directory.get(ms.held_by) if ms.held_by else None
        lines = ["Mốc sự kiện kế hoạch hướng tới (không phải nhiệm vụ của đơn vị)."]
        if ms.held_by:
            lines.append(f"Đơn vị tổ chức: {holder.name if holder else ms.held_by}")
        if ms.note:
            lines.append(ms.note)
        ex.add(kind=Kind.MILESTONE, source_id=ms.id, unit_id=None, period=per, due=due, title=ms.what,
               shift="none", detail="\n".join(lines), audience=audience)
