"""The clock: the one place that reads the time. Code that needs "now" takes a ``Clock`` argument
defaulting to :func:`utc_now`, so tests and the simulation pass their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(UTC)
