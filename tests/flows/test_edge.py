"""The edge's pure parts, without a Prefect server: parcels of letters, which failures are retried,
the clock."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from flows.edge import BATCH_RECIPIENTS, local_today, parcels, resolve_today, transient
from plancal.errors import DeliveryError, PlanError, StoreError, UnitError
from plancal.mail.letters import Letter


def letter(recipient: str, kind: str = "digest") -> Letter:
    return Letter(kind=kind, ident="2021-04-16", recipient=recipient, day=date(2021, 4, 16), template=kind, context={})


def test_parcels_hold_at_most_a_batch_of_recipients_and_keep_each_recipient_whole() -> None:
    letters = [letter(f"xa{i:04d}@tinh.gov.vn") for i in range(2 * BATCH_RECIPIENTS + 7)]
    letters += [letter("xa0003@tinh.gov.vn", "weekly")]
    out = parcels(letters, "nhắc việc")
    assert [p.label for p in out] == ["nhắc việc 1/3", "nhắc việc 2/3", "nhắc việc 3/3"]
    assert [len({x.recipient for x in p.letters}) for p in out] == [BATCH_RECIPIENTS, BATCH_RECIPIENTS, 7]
    owners = {x.recipient: n for n, p in enumerate(out) for x in p.letters}
    assert all(owners[x.recipient] == n for n, p in enumerate(out) for x in p.letters)
    assert sum(len(p) for p in out) == len(letters)
    assert parcels([], "x") == []


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


def test_today_is_vietnam_today_unless_given() -> None:
    assert resolve_today(date(2021, 6, 10)) == date(2021, 6, 10)
    assert resolve_today("2021-06-10") == date(2021, 6, 10)
    assert local_today() == datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert resolve_today(None) == local_today()
