"""Record a submission (run by hand from the deployment's parameter form in the Prefect UI): a unit sent
its plan, report or articles. The coordinator gives the plan, the unit, the duty, the period and the
date received; the duty shows as done in the unit's feed and in the coordinator's tables. Recording
the same submission again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.export_calendars import export
from flows.runtime import Context, io_task, open_context, plan_tag, resolve_today, tag_run
from flows.views import publish_dashboard, publish_plan_views
from plancal.errors import StoreError
from plancal.store import Submission
from plancal.vn.dates import short


def submission_run_name() -> str:
    """"submission ag-bao-an-giang bao-an-giang-bai-viet 2021-04"."""
    p = flow_run.parameters
    return " ".join(str(v) for v in ("submission", p.get("unit"), p.get("duty"), p.get("period")) if v)


@dataclass(frozen=True)
class Recorded:
    uid: str
    title: str
    period_label: str
    due: date
    changed: bool


@io_task(task_run_name="record {unit} {duty}")
def record(ctx: Context, plan: str, duty: str, unit: str, period: str | None, received: date, note: str) -> Recorded:
    row = ctx.store.find_occurrence(plan, duty, unit, period or None)
    changed = ctx.store.record_submission(Submission(row.uid, unit, received, note))
    return Recorded(row.uid, row.title, row.period_label, row.due_effective, changed)


@flow(name="record-submission", flow_run_name=submission_run_name)
def record_submission(plan: str, unit: str, duty: str, received: date, period: str | None = None, note: str = "",
                      today: date | None = None) -> dict[str, Any]:
    """Ghi nhận đơn vị đã gửi kế hoạch, báo cáo hoặc bài viết.

    Args:
        plan: mã kế hoạch, ví dụ ag-2021-tuyen-truyen-dhtt
        unit: mã đơn vị đã gửi, ví dụ ag-bao-an-giang
        duty: mã nhiệm vụ (duty, report, conference), ví dụ bao-an-giang-bai-viet; kế hoạch cấp dưới: sub-plan
        received: ngày nhận
        period: kỳ, ví dụ 2021-04, 2021-Q2, 2021-H1, 2021 (bỏ trống nếu nhiệm vụ chỉ có một kỳ)
        note: ghi chú
        today: coi hôm nay là ngày này (bỏ trống: hôm nay)
    """
    log = get_run_logger()
    ctx = open_context()
    day = resolve_today(today, ctx.settings)
    stored = ctx.store.plan(plan)
    if stored is None:
        known = ", ".join(p.id for p in ctx.store.plans()) or "chưa có kế hoạch nào"
        raise StoreError(f"không có kế hoạch '{plan}' (đã ban hành: {known})", hint="nhập mã kế hoạch (id), không phải số hiệu")
    tag_run([plan_tag(plan)])

    done = record(ctx, plan, duty, unit, period, received, note)
    late = f", muộn {(received - done.due).days} ngày" if received > done.due else ""
    log.info("%s: %s — %s, nhận ngày %s%s", "Đã ghi nhận" if done.changed else "Đã ghi nhận trước đó", done.title,
             done.period_label, short(received), late)
    if done.changed:
        export(ctx, day)
    publish_plan_views(ctx, stored, day)
    publish_dashboard(ctx, day, submission_run_name())
    return {"uid": done.uid, "changed": done.changed, "late_days": max(0, (received - done.due).days)}
