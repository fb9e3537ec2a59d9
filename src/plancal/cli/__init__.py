"""The ``plancal`` command line (typer + rich), one module per command group. Messages are in Vietnamese."""

from plancal.cli import days, db, draft, feeds, mail, plans, simulate, units
from plancal.cli.app import app, main

__all__ = ["app", "days", "db", "draft", "feeds", "mail", "main", "plans", "simulate", "units"]
