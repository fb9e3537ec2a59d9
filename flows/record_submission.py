"""Record a submission (run by hand from the deployment's parameter form in the Prefect UI): a unit sent
its plan, report or articles. The coordinator gives the plan, the unit, the duty, the period and the
date received; the duty shows as done in the unit's feed and in the coordinator's tables. Recording
the same submission again changes nothing."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from flows.export_calendars import export
from flows.runtime import Context, io_task, open_context, plan_tag, resolve_today, tag_run
from flows.views import publish_dashboard, publish_plan_views
from plancal.errors import PlancalError, Problem
from plancal.schedule.occurrence import ACTIONABLE
from plancal.store import OccurrenceRow, Store, Submission
from plancal.views import duty_label
from plancal.vn.dates import short


def submission_run_name() -> str:
    """"submission ag-bao-an-giang bao-an-giang-bai-viet 2021-04"."""
    p = flow_run.parameters.get("form") or {}
    if isinstance(p, BaseModel):
        p = p.model_dump()
    return " ".join(str(v) for v in ("submission", p.get("unit"), p.get("duty"), p.get("period")) if v)


@dataclass(frozen=True)
class Recorded:
    uid: str
    title: str
    period_label: str
    due: date
    changed: bool


class SubmissionForm(BaseModel):
    """The record-submission form as the Prefect UI shows it: Vietnamese titles, examples, descriptions.
    Deployments are static, so the choices are checked against the store when the run starts."""

    plan: str = Field(title="Kế hoạch (mã)", description="Mã kế hoạch đã ban hành, ví dụ ag-2021-tuyen-truyen-dhtt",
                      examples=["ag-2021-tuyen-truyen-dhtt"])
    unit: str = Field(title="Đơn vị đã gửi (mã hoặc tên)", description="Mã hoặc tên đơn vị, ví dụ ag-bao-an-giang "
                      "hoặc Báo An Giang", examples=["ag-bao-an-giang"])
    duty: str = Field(title="Nhiệm vụ (mã)", description="Mã nhiệm vụ, báo cáo hoặc hội nghị; kế hoạch cấp dưới: sub-plan",
                      examples=["bao-an-giang-bai-viet"])
    received: date = Field(title="Ngày nhận")
    period: str | None = Field(default=None, title="Kỳ", description="Ví dụ 2021-04, 2021-Q2, 2021-H1, 2021; bỏ trống "
                               "nếu nhiệm vụ chỉ có một kỳ")
    document_number: str = Field(default="", title="Số văn bản", description="Ví dụ 15/BC-UBND")
    note: str = Field(default="", title="Ghi chú")


class FormError(PlancalError):
    """A value of the form names nothing in the store (never retried)."""


def _closest(value: str, choices: dict[str, str], what: str, field: str) -> FormError:
    near = difflib.get_close_matches(value, list(choices), n=3, cutoff=0.5)
    hint = ("có phải ý là: " + ", ".join(f"'{c}' ({choices[c]})" if choices[c] != c else f"'{c}'" for c in near)) if near \
        else "một trong: " + ", ".join(sorted(choices)[:10]) + (" …" if len(choices) > 10 else "")
    return FormError([Problem(f"không có {what} '{value}'", field=field, hint=hint)])


def check_form(store: Store, form: SubmissionForm) -> tuple[str, str, OccurrenceRow]:
    """(plan id, unit id, occurrence) named by the form, or a FormError naming the wrong value and the
    closest right ones."""
    plans = {p.id: p.display_number for p in store.plans()}
    if form.plan not in plans:
        by_number = {n: i for i, n in plans.items()}
        if form.plan in by_number:
            form = form.model_copy(update={"plan": by_number[form.plan]})
        else:
            raise _closest(form.plan, plans, "kế hoạch", "plan")
    rows = store.occurrences(plan_id=form.plan, kinds=ACTIONABLE)
    units = {u.id: u.name for u in store.unit_rows() if any(r.unit_id == u.id for r in rows)}
    unit = form.unit if form.unit in units else next((i for i, n in units.items() if n == " ".join(form.unit.split())), None)
    if unit is None:
        raise _closest(form.unit, {**units, **{n: n for n in units.values()}}, "đơn vị trong kế hoạch này", "unit")
    own = [r for r in rows if r.unit_id == unit]
    duties = {r.source_id: duty_label(r) for r in own}
    if form.duty not in duties:
        raise _closest(form.duty, duties, f"nhiệm vụ của {units[unit]}", "duty")
    periods = {r.period_key: r.period_label for r in own if r.source_id == form.duty}
    if form.period and form.period not in periods:
        raise _closest(form.period, periods, "kỳ của nhiệm vụ này", "period")
    if not form.period and len(periods) > 1:
        raise FormError([Problem(f"nhiệm vụ '{form.duty}' có {len(periods)} kỳ: cần ghi kỳ", field="period",
                                 hint="ví dụ " + ", ".join(sorted(periods)[:6]))])
    row = next(r for r in own if r.source_id == form.duty and (not form.period or r.period_key == form.period))
    return form.plan, unit, row


@io_task(task_run_name="record {row.unit_id} {row.source_id}")
def record(ctx: Context, row: OccurrenceRow, form: SubmissionForm, today: date) -> Recorded:
    changed = ctx.store.record_submission(Submission(row.uid, row.unit_id or "", form.received, form.note,
                                                     form.document_number), today=today)
    return Recorded(row.uid, row.title, row.period_label, row.due_effective, changed)


@flow(name="record-submission", flow_run_name=submission_run_name)
def record_submission(form: SubmissionForm, today: date | None = None) -> dict[str, Any]:
    """Ghi nhận đơn vị đã gửi kế hoạch, báo cáo hoặc bài viết.

    Args:
        form: kế hoạch, đơn vị, nhiệm vụ, kỳ, ngày nhận, số văn bản, ghi chú
        today: coi hôm nay là ngày này (bỏ trống: hôm nay)
    """
    log = get_run_logger()
    ctx = open_context()
    day = resolve_today(today, ctx.settings)
    form = SubmissionForm.model_validate(form)
    plan, _unit, row = check_form(ctx.store, form)
    stored = ctx.store.plan(plan)
    assert stored is not None
    tag_run([plan_tag(plan)])

    done = record(ctx, row, form, day)
    received = form.received
    late = f", muộn {(received - done.due).days} ngày" if received > done.due else ""
    log.info("%s: %s — %s, nhận ngày %s%s", "Đã ghi nhận" if done.changed else "Đã ghi nhận trước đó", done.title,
             done.period_label, short(received), late)
    if done.changed:
        export(ctx, day)
    publish_plan_views(ctx, stored, day)
    publish_dashboard(ctx, day, submission_run_name())
    return {"uid": done.uid, "changed": done.changed, "late_days": max(0, (received - done.due).days)}
