"""Export the calendar feeds: rewrite the .ics files whose content changed (atomically), drop those of
rotated tokens. The other flows export after they change something; this scheduled run also lets
cancelled events age out of the feeds."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger

from flows.runtime import Context, daily_run_name, io_task, open_context, resolve_today
from plancal.feeds.export import ExportResult, export_feeds


@io_task(task_run_name="export feeds {today}")
def export(ctx: Context, today: date) -> ExportResult:
    return export_feeds(ctx.store, ctx.settings, today)


@flow(name="export-calendars", flow_run_name=daily_run_name("export calendars"))
def export_calendars(today: date | None = None) -> dict[str, Any]:
    """Cập nhật lịch (iCal) của các đơn vị: chỉ ghi lại tệp có thay đổi."""
    ctx = open_context()
    day = resolve_today(today, ctx.settings)
    result = export(ctx, day)
    get_run_logger().info("Lịch: ghi %d tệp, không đổi %d, xóa %d (thư mục %s)", result.written, result.unchanged,
                          result.removed, ctx.settings.calendar_dir)
    return {"day": day.isoformat(), "written": result.written, "unchanged": result.unchanged, "removed": result.removed}
