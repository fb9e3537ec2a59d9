"""What every flow shares, without a Prefect server: which failures are retried, the clock, and the
simulation's map of stages to flows."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from flows.runtime import local_today, resolve_today, transient
from flows.simulate import FLOWS
from plancal.errors import DeliveryError, PlanError, StoreError, UnitError
from plancal.lifecycle.stages import Stage
from plancal.settings import Settings


class _State:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def result(self) -> Any:
        raise self.exc


def test_only_transient_failures_are_retried() -> None:
    task, run = SimpleNamespace(), SimpleNamespace()
    for exc in (DeliveryError("máy chủ thư bận"), StoreError("mất kết nối"), OSError("disk"), TimeoutError(),
                RuntimeError("driver")):
        assert transient(task, run, _State(exc)), exc
    for exc in (PlanError("tệp sai"), UnitError("đơn vị sai")):
        assert not transient(task, run, _State(exc)), exc


def test_today_is_today_in_the_settings_time_zone_unless_given() -> None:
    settings = Settings()
    assert resolve_today(date(2021, 6, 10), settings) == date(2021, 6, 10)
    assert resolve_today("2021-06-10", settings) == date(2021, 6, 10)
    assert local_today(settings) == datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert resolve_today(None, settings) == local_today(settings)
    # UTC+14 and UTC-11 are 25 hours apart: never the same date
    east, west = Settings(timezone="Pacific/Kiritimati"), Settings(timezone="Pacific/Pago_Pago")
    assert (local_today(east) - local_today(west)).days in (1, 2)


def test_the_simulation_runs_every_stage_as_a_flow() -> None:
    assert set(FLOWS) == set(Stage)
