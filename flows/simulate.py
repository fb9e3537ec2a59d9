"""Play a plan's lifecycle over a simulated clock: ``plancal simulate --plan FILE --from D --to D``.

A plain loop walks the days. On the plan's issue day it runs ``issue_plan``; every day the
units answer what falls due (deterministically: most on time, some late, some never, see
:mod:`plancal.lifecycle.simulation`), and the stages that have work that day run as the same flows the
deployments schedule — "reminders 2021-06-10", "monthly themes 2021-07" … — each with that day as
``today``. Mail lands in the outbox (or the SMTP server), feeds in the calendar folder; with
PREFECT_API_URL pointing at a server, every run shows in the UI, tagged ``simulation``. Running the
same range again sends and writes nothing new.

A simulation never touches the live artifacts: every artifact its runs publish has the key prefix
"sim-" (:func:`flows.runtime.simulated`), so "sim-dashboard" beside the live "dashboard". It does use
the store, outbox and calendar folder its settings name (``PLANCAL_HOME``, ``PLANCAL_DATABASE_URL``,
``PLANCAL_OUTBOX_DIR``, ``PLANCAL_CALENDAR_DIR``): give it a home of its own, as ``scripts/up`` does
for its replay (``var/sim``), or it issues the plan and records the simulated answers in the live
database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from prefect import tags
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from flows.conferences import conferences
from flows.export_calendars import export_calendars
from flows.issue_plan import issue_plan
from flows.monthly_themes import monthly_themes
from flows.reminders import reminders
from flows.runtime import Context, open_context, simulated
from flows.semiannual_reports import semiannual_reports
from flows.sub_unit_plans import sub_unit_plans
from plancal.lifecycle import simulation
from plancal.lifecycle.issuance import check_file
from plancal.lifecycle.stages import Stage, stages_for
from plancal.store import Submission

#: stage → how the simulation runs its flow for (plan file, day)
FLOWS: dict[Stage, Callable[[str, date], Any]] = {
    Stage.ISSUE: lambda plan_file, day: issue_plan(plan_file, today=day),
    # the simulated units answer for their sub-unit plans: no inbox folder to read
    Stage.SUB_UNIT_PLANS: lambda _, day: sub_unit_plans(today=day, inbox=None),
    Stage.MONTHLY_THEMES: lambda _, day: monthly_themes(today=day),
    Stage.CONFERENCES: lambda _, day: conferences(today=day),
    Stage.SEMIANNUAL_REPORTS: lambda _, day: semiannual_reports(today=day),
    Stage.REMINDERS: lambda _, day: reminders(today=day),
    Stage.EXPORT: lambda _, day: export_calendars(today=day),
}


#: the tag of every flow run a simulation makes
SIMULATION_TAG = "simulation"


def respond(ctx: Context, plan_id: str, today: date, first_day: date) -> int:
    """Record what the units send on ``today``, as a coordinator would with record-submission."""
    recorded = 0
    for answer in simulation.responses(ctx.store, today, first_day, [plan_id]):
        recorded += ctx.store.record_submission(Submission(answer.uid, answer.unit_id, answer.day, answer.note))
    return recorded


def _run(stage: Stage, plan_file: Path, day: date) -> list[Stage]:
    FLOWS[stage](str(plan_file), day)
    return [stage]


def simulate(plan_file: Path, start: date, end: date, *, submissions: bool = True,
             echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Walk the days from ``start`` (or the plan's issue day, if later) to ``end``; return how many runs
    of each flow were made. Each stage runs as a top-level flow run of its own (the clock itself is not
    a flow: as subflows, every stage would cost the parent one more task run). Heartbeats, which
    detect crashed long runs, are off: they cost each of these short runs up to a second. The runs
    are tagged ``simulation`` and publish their artifacts under "sim-" keys."""
    ctx = open_context()
    plan = check_file(plan_file, ctx.store).plan
    issue_day = max(start, plan.issued)
    runs: dict[Stage, int] = {}
    changed = False
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), simulated(), tags(SIMULATION_TAG):
        day = issue_day
        while day <= end:
            ran: list[Stage] = []
            if day == issue_day:
                ran += _run(Stage.ISSUE, plan_file, day)
            if submissions and respond(ctx, plan.id, day, issue_day):
                changed = True
            for stage in stages_for(ctx.store, ctx.settings, day):
                ran += _run(stage, plan_file, day)
            if changed and (day.weekday() == 0 or day == end):
                ran += _run(Stage.EXPORT, plan_file, day)  # the feeds catch up with the week's submissions
                changed = False
            for stage in ran:
                runs[stage] = runs.get(stage, 0) + 1
            if ran:
                echo(f"{day.isoformat()}: {', '.join(ran)}")
            day += timedelta(days=1)
    return {"plan": plan.id, "from": issue_day.isoformat(), "to": end.isoformat(), "runs": runs}
