"""What the delivery log says: counts per day, kind and status, and the rows that need attention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from plancal.store import DeliveryRow, Store, delivery_counts, needing_attention

MAIL_KIND_LABEL = {
    "digest": "thư nhắc việc hằng ngày",
    "escalation": "thư báo chậm thực hiện",
    "notice": "thư thông báo kế hoạch",
    "themes": "thư chủ đề tuyên truyền tháng",
    "conference": "thư các bước chuẩn bị hội nghị",
    "report_call": "thư đề nghị báo cáo",
    "weekly": "thư tổng hợp tuần",
    "bad_address": "thư báo địa chỉ không nhận thư",
}


STATUS_LABEL = {"owed": "chờ gửi", "claimed": "đang gửi", "sent": "đã gửi", "failed": "lỗi, sẽ gửi lại",
                "bad_address": "địa chỉ hỏng", "dropped": "bỏ, kế hoạch đã sửa đổi"}


# -- status ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusLine:
    day: date
    kind: str
    status: str
    count: int


def status(store: Store, *, day: date | None = None, since: date | None = None) -> list[StatusLine]:
    return [StatusLine(d, k, st, n) for d, k, st, n in delivery_counts(store, day=day, since=since)]


def problems(store: Store, *, day: date | None = None, limit: int = 50) -> list[DeliveryRow]:
    """Rows that need attention: failed, bad addresses, and claims whose lease ran out."""
    return needing_attention(store, day=day, limit=limit)
