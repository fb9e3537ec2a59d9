"""The one exception tree of plancal.

Every error says what was wrong, where (file, line, field) and how to fix it. The CLI prints
``str(error)`` and exits non-zero; flows let the exception fail the run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        if self.field:
            where = f"{where} [{self.field}]" if where else f"[{self.field}]"
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n    → Cách sửa: {self.hint}"
        return text


class PlancalError(Exception):
    """Base of every error plancal raises on purpose."""

    def __init__(self, problems: list[Problem] | str, *, hint: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, hint=hint)]
        self.problems: list[Problem] = problems
        super().__init__("\n".join(str(p) for p in problems))


class PlanError(PlancalError):
    """A plan file is malformed, refers to something unknown or holds an impossible date."""


class UnitError(PlancalError):
    """The unit directory is inconsistent: unknown parent, cycle, duplicate id, bad address."""


class StoreError(PlancalError):
    """The database refused or holds something unexpected."""


class DeliveryError(PlancalError):
    """A message could not be delivered (SMTP down, refused, bad address)."""


class FeedError(PlancalError):
    """A calendar feed could not be built or served."""


class SettingsError(PlancalError):
    """A ``PLANCAL_*`` environment variable holds a value plancal cannot use."""
