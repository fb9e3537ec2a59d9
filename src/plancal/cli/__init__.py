"""The ``plancal`` command line (typer + rich), one module per command group. Messages are in Vietnamese."""

from plancal.cli import days, db, draft, feeds, mail, plans, simulate, submissions, units
from plancal.cli.app import app, main
from plancal.intake import register_commands
from plancal.views import report_commands

app.add_typer(register_commands.exemplars_app, name="exemplars")
app.add_typer(register_commands.delegates_app, name="delegates")
app.command("report")(report_commands.report)

__all__ = ["app", "days", "db", "draft", "feeds", "mail", "main", "plans", "simulate", "submissions", "units"]
