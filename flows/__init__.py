"""Prefect flows for the plan lifecycle: one module per stage, thin, calling the core (``plancal``).

issue_plan · sub_unit_plans · monthly_themes · conferences · semiannual_reports · reminders ·
export_calendars · record_submission — deployed from ``prefect.yaml``; ``simulate`` plays them over a
simulated clock; ``stack`` brings everything up on one machine (``scripts/up``). What they share:
``runtime`` (the clock, the context of settings, store and mailer, run names and tags, task decorators
and retries) and ``mailing`` (sending letters in parcels).
"""
