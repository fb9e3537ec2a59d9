"""The daily reminders (every morning, Asia/Ho_Chi_Minh): one digest per person — due today, due in the
next days, overdue —, the escalations to the standing agencies and parent units, the coordinators'
weekly summary on Mondays, and whatever the last days could not send; then the coordinator's view of
every plan in play.

Rerunning the same day, a retry or a second worker running at the same time sends nothing twice:
the delivery log (:mod:`plancal.mail.courier`) claims each mail before it goes out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger

from flows.mailing import raise_for_mail, send_letters
from flows.runtime import Context, daily_run_name, open_context, plan_tag, resolve_today, tag_run, work_task
from flows.views import publish_dashboard, publish_plan_views
from plancal import mail
from plancal.lifecycle.stages import Stage, daily_mail
from plancal.mail.daily import owe
from plancal.mail.letters import Letter
from plancal.views.dashboard import current_plans


@work_task(task_run_name="plan letters {today}")
def plan_letters(ctx: Context, today: date) -> dict[str, list[Letter]]:
    """Who gets which of this stage's mail today, computed once for everybody (the parcels only send)."""
    world = mail.World.load(ctx.store)
    letters = {daily.label: daily.planner(ctx.store, ctx.settings, today, world=world)
               for daily in daily_mail(Stage.REMINDERS)}
    # mails of the last days that did not go out (server down, process killed), as they were then
    letters["gửi bù"] = mail.catch_up_letters(ctx.store, ctx.settings, today)
    # owed in the delivery log before the first parcel goes out: a run killed halfway loses nothing
    owe(ctx.store, ctx.settings, [letter for batch in letters.values() for letter in batch])
    return letters


@flow(name="reminders", flow_run_name=daily_run_name("reminders"))
def reminders(today: date | None = None) -> dict[str, Any]:
    """Nhắc việc hằng ngày: thư nhắc, thư báo chậm, thư tổng hợp tuần; cập nhật bảng theo dõi."""
    log = get_run_logger()
    ctx = open_context()
    day = resolve_today(today, ctx.settings)
    if not mail.mail_day(day):
        log.info("%s là ngày nghỉ: không gửi thư; ngày làm việc tiếp theo sẽ gửi bù.", day.strftime("%d/%m/%Y"))

    letters = plan_letters(ctx, day)
    mailings = [send_letters(ctx, batch, day, what) for what, batch in letters.items() if batch]
    for m in mailings:
        log.info(m.summary())

    plans = current_plans(ctx.store, day)
    tag_run(plan_tag(p.id) for p in plans)
    for plan in plans:
        publish_plan_views(ctx, plan, day)
    publish_dashboard(ctx, day, f"reminders {day.isoformat()}")

    raise_for_mail(*mailings)
    return {"day": day.isoformat(), "letters": sum(len(batch) for batch in letters.values()),
            "sent": {m.what: m.report.sent for m in mailings}}
