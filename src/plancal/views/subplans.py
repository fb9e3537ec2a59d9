"""The sub-unit plan cascade as the coordinator sees it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from plancal.store import Store
from plancal.tracking.cascade import SubPlanStatus
from plancal.tracking.status import STATE_LABEL
from plancal.views.cells import _names
from plancal.vn.dates import short


# -- sub-unit plans ----------------------------------------------------------------------------------
def sub_plan_rows(store: Store, statuses: Sequence[SubPlanStatus], today: date) -> list[dict[str, object]]:
    names = _names(store)
    out: list[dict[str, object]] = []
    for s in statuses:
        state = f"quá hạn {(today - (s.limit or s.due)).days} ngày" if s.state == "late" else STATE_LABEL.get(s.state, s.state)
        out.append({"Đơn vị": names.get(s.unit_id, s.unit_id), "Hạn ban hành": short(s.due), "Tình trạng": state,
                    "Ngày ban hành": short(s.received) if s.received else "",
                    "Kế hoạch cấp dưới": s.plan_number or ""})
    return out


def sub_plan_summary(statuses: Sequence[SubPlanStatus]) -> str:
    c = Counter(s.state for s in statuses)
    return (f"{len(statuses)} đơn vị phải xây dựng kế hoạch: đã ban hành {c['done'] + c['done_late']} "
            f"(muộn {c['done_late']}), quá hạn {c['late']}, đến hạn hôm nay {c['due']}, chưa đến hạn {c['open']}.")
