"""Issue a plan (ban hành): validate it, store it, tell every recipient unit its duties and its feed
address, rewrite the feeds that changed, publish the coordinator's view.

A plan that fails validation fails the run with the same message the CLI prints and stores nothing.
A document (.docx, .pdf, .txt) instead of a plan file is drafted: the draft and the sentences left for
review are published as artifacts, the draft is written beside the document's name under
``PLANCAL_HOME/drafts``, and the run stops there — the coordinator edits the draft and issues it.
Issuing the same file again changes nothing and sends nothing twice; issuing a sub-unit plan (one that
names its ``parent:``) attaches it to the cascade.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from flows.export_calendars import export
from flows.mailing import raise_for_mail, send_letters
from flows.runtime import Context, io_task, open_context, plan_tag, published_key, resolve_today, tag_run, work_task
from flows.views import publish_dashboard, publish_plan_views
from plancal import mail, views
from plancal.draft.document import DOCUMENT_SUFFIXES
from plancal.draft.drafter import Draft, draft_document
from plancal.errors import PlanError, Problem
from plancal.lifecycle.issuance import Issued, check_file, issue_file
from plancal.mail.letters import Letter
from plancal.plans.loading import LoadedPlan
from plancal.tracking import cascade
from plancal.views.cells import plan_file_label


def issue_run_name() -> str:
    """"issue 227/KH-UBND" (the plan's number, else its id, else the file name)."""
    return f"issue {plan_file_label(Path(str(flow_run.parameters.get('plan_file', ''))))}"


@work_task(task_run_name="validate {path}")
def validate(ctx: Context, path: Path) -> LoadedPlan:
    """Read and check the plan against the stored unit directory, and expand it (impossible schedules
    surface here too). Bad input is not retried."""
    return check_file(path, ctx.store)


@io_task(task_run_name="store {path}")
def store_plan(ctx: Context, path: Path) -> Issued:
    """Store the plan and its occurrences in one transaction; a sub-unit plan marks its issuer's
    "xây dựng kế hoạch" duty in the parent plan done."""
    return issue_file(ctx.store, path)


@work_task(task_run_name="draft {path}")
def draft(ctx: Context, path: Path) -> Draft:
    """Read a document and draft its plan file against the stored unit directory."""
    return draft_document(path, ctx.store.directory())


def stop_for_review(ctx: Context, path: Path, drafted: Draft) -> None:
    """Write the draft, publish it and its review list, and fail the run: a draft is never issued."""
    out = ctx.settings.home / "drafts" / (path.stem + ".yaml")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(drafted.yaml_text, encoding="utf-8")
    rows = "\n".join(f"| {r.line or ''} | {r.reason} | {r.text[:160]} |" for r in drafted.review)
    create_markdown_artifact(key=draft_key(path), description=f"Bản nháp kế hoạch từ {path.name}", markdown=(
        f"# Bản nháp kế hoạch từ {path.name}\n\nĐã ghi bản nháp vào `{out}`: xem lại, sửa rồi ban hành tệp đó.\n\n"
        f"## Cần xem lại ({len(drafted.review)} câu)\n\n| Dòng | Lý do | Câu |\n|---|---|---|\n{rows}\n\n"
        f"## Bản nháp\n\n```yaml\n{drafted.yaml_text}\n```\n"))
    raise PlanError([Problem(f"đây là văn bản, không phải tệp kế hoạch: đã soạn bản nháp {out} với "
                             f"{len(drafted.items)} mục, {len(drafted.review)} câu cần xem lại", file=str(path),
                             hint="xem bản nháp và danh sách cần xem lại (artifact), sửa rồi chạy lại với tệp .yaml")])


def draft_key(path: Path) -> str:
    return published_key(views.artifact_key("draft", path.stem))


@work_task(task_run_name="plan notices {plan_id}")
def plan_notices(ctx: Context, plan_id: str, today: date) -> list[Letter]:
    return mail.plan_notices(ctx.store, ctx.settings, today, plan_id)


@flow(name="issue-plan", flow_run_name=issue_run_name, log_prints=False)
def issue_plan(plan_file: str, today: date | None = None) -> dict[str, Any]:
    """Ban hành kế hoạch: kiểm tra, lưu, thông báo các đơn vị, cập nhật lịch, cập nhật bảng theo dõi."""
    log = get_run_logger()
    ctx = open_context()
    day = resolve_today(today, ctx.settings)
    path = Path(plan_file)
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        stop_for_review(ctx, path, draft(ctx, path))

    loaded = validate(ctx, path)
    plan_id = loaded.plan.id
    tag_run([plan_tag(plan_id)] + ([plan_tag(loaded.plan.parent)] if loaded.plan.parent else []))

    issued = store_plan(ctx, path)
    r = issued.result
    log.info("%s: %d mục lịch — thêm %d, thay đổi %d, hủy %d, giữ nguyên %d", loaded.plan.display_number,
             len(issued.occurrences), r.added, r.changed, r.cancelled, r.unchanged)
    place = cascade.attachment(ctx.store, loaded)
    if place is not None:
        log.info("Kế hoạch cấp dưới của %s: %s", place.parent_id, "đã ghi nhận đơn vị ban hành kế hoạch"
                 if place.expected else "đơn vị không thuộc danh sách phải xây dựng kế hoạch")

    mailing = send_letters(ctx, plan_notices(ctx, plan_id, day), day, f"thông báo {plan_id}")
    log.info(mailing.summary())
    feeds = export(ctx, day)
    log.info("Lịch: ghi %d tệp, không đổi %d, xóa %d", feeds.written, feeds.unchanged, feeds.removed)

    plans = {p.id: p for p in ctx.store.plans()}
    for pid in [plan_id, *([loaded.plan.parent] if loaded.plan.parent else [])]:
        publish_plan_views(ctx, plans[pid], day)
    publish_dashboard(ctx, day, f"issue {loaded.plan.display_number}")

    raise_for_mail(mailing)
    return {"plan": plan_id, "occurrences": len(issued.occurrences), "added": r.added, "changed": r.changed,
            "cancelled": r.cancelled, "mail_sent": mailing.report.sent, "feeds_written": feeds.written}
