"""Conferences, the pilot first, and their preparation steps."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from plancal.plans.model import Conference
from plancal.schedule.context import Expansion, once
from plancal.schedule.occurrence import Kind
from plancal.vn.dates import short
from plancal.vn.periods import Period, span


# -- conferences ------------------------------------------------------------------------
def conferences(ex: Expansion) -> None:
    for conf in ex.plan.conferences:
        holders = ex.resolve(conf.held_by)
        pilot_due: date | None = None
        pilot = conf.pilot
        if pilot and pilot.unit in holders:
            holders.remove(pilot.unit)
            holders.insert(0, pilot.unit)
        for holder in holders:
            is_pilot = bool(pilot and holder == pilot.unit)
            window = conf.within
            if is_pilot and pilot:
                window = pilot.within or span(window.start, window.start + (window.end - window.start) / 2)
            elif pilot_due is not None:
                window = span(min(pilot_due + timedelta(days=1), window.end), window.end)
            due = conf.on if conf.on and not is_pilot else window.end
            per = once(window)
            starts_at, ends_at = session(ex, conf, due)
            attendees = tuple(ex.resolve([*conf.attendees, "@holder"], holder=holder))
            # the pilot's window is the engine's choice unless the plan gives it
            set_by = "agency" if is_pilot and pilot and pilot.within is None else "plan"
            occ = ex.add(kind=Kind.CONFERENCE, source_id=conf.id, unit_id=holder, period=per, due=due,
                           title=conference_title(ex, conf, holder), shift="none" if conf.on else None,
                           set_by=set_by,
                           detail=conference_detail(ex, conf, is_pilot), pilot=is_pilot,
                           starts_at=starts_at, ends_at=ends_at, audience=attendees)
            if is_pilot:
                pilot_due = occ.due_effective
            for prep in conf.preparation:
                prep_due = occ.due_effective - timedelta(days=prep.days_before)
                prep_per = Period(min(window.start, prep_due), prep_due, "window", f"once@{holder}")
                for unit_id in ex.resolve(prep.who, holder=holder):
                    ex.add(kind=Kind.PREPARATION, source_id=f"{conf.id}.{prep.id}", unit_id=unit_id,
                             period=prep_per, due=prep_due, title=prep.what, shift="previous",
                             conference_uid=occ.uid, set_by=prep.set_by,
                             to_unit_id=prep.to,
                             detail=f"Chuẩn bị cho {conference_title(ex, conf, holder)} "
                                    f"(hạn chót {short(occ.due_effective)}).")


def session(ex: Expansion, conf: Conference, day: date) -> tuple[datetime | None, datetime | None]:
    if conf.on is None or conf.start is None:
        return None, None
    start = datetime.combine(conf.on, conf.start, tzinfo=ex.tz)
    minutes = conf.duration if isinstance(conf.duration, int) else 480 if conf.duration == "full_day" else 240
    return start, start + timedelta(minutes=minutes)


def conference_title(ex: Expansion, conf: Conference, holder: str) -> str:
    unit = ex.directory.get(holder)
    name = unit.name if unit else holder
    if conf.name:
        return conf.name.replace("{unit}", name)
    return f"{conf.title} ({name})"


def conference_detail(ex: Expansion, conf: Conference, is_pilot: bool) -> str:
    lines = [f"Cấp: {conf.level}"]
    if conf.duration is not None:
        lines.append("Thời lượng: " + {"half_day": "1/2 ngày", "full_day": "1 ngày"}.get(
            str(conf.duration), f"{conf.duration} phút"))
    if is_pilot:
        lines.insert(0, "Hội nghị điểm: tổ chức trước để rút kinh nghiệm chỉ đạo chung.")
    if conf.venue:
        lines.append(f"Địa điểm: {conf.venue}")
    d = conf.delegates
    if d:
        if d.max:
            lines.append(f"Số lượng: tối đa {d.max} đại biểu")
        if d.exemplars_pct is not None:
            lines.append(f"Cơ cấu: đại biểu điển hình tiên tiến khoảng {d.exemplars_pct}%, "
                         f"khách mời khoảng {d.guests_pct if d.guests_pct is not None else 100 - d.exemplars_pct}%")
    if conf.presidium:
        share = f", {conf.presidium.exemplar_share} là anh hùng, chiến sĩ thi đua, điển hình tiên tiến" \
            if conf.presidium.exemplar_share else ""
        lines.append(f"Đoàn Chủ tịch: không quá {conf.presidium.max} người{share}")
    if conf.note:
        lines.append(conf.note)
    if conf.agenda:
        lines.append("Chương trình:")
        lines += [f"{i}. {item}" for i, item in enumerate(conf.agenda, 1)]
    return "\n".join(lines)
