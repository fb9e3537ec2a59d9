"""The record-submission form checked against the store at run start: a wrong value is named, with the
closest right ones; the error is never retried."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from flows.record_submission import FormError, SubmissionForm, check_form
from flows.runtime import transient
from plancal.lifecycle.issuance import issue_file
from plancal.store import Store

ROOT = Path(__file__).resolve().parents[2]
AG = "ag-2021-tuyen-truyen-dhtt"


class _State:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def result(self) -> None:
        raise self.exc


@pytest.fixture
def ag(store: Store) -> Store:
    issue_file(store, ROOT / "plans" / "003-an-giang-2021.yaml")
    return store


def form(**kw: object) -> SubmissionForm:
    base: dict[str, object] = dict(plan=AG, unit="ag-bao-an-giang", duty="bao-an-giang-bai-viet", period="2021-04",
                                   received=date(2021, 4, 20))
    return SubmissionForm.model_validate({**base, **kw})


def test_a_good_form_names_one_occurrence_and_a_unit_name_works(ag: Store) -> None:
    plan, unit, row = check_form(ag, form(unit="Báo An Giang"))
    assert (plan, unit, row.period_key, row.source_id) == (AG, "ag-bao-an-giang", "2021-04", "bao-an-giang-bai-viet")


@pytest.mark.parametrize(("field", "value", "suggested"), [
    ("plan", "ag-2021-tuyen-truyen", AG),
    ("unit", "ag-bao-an-giag", "ag-bao-an-giang"),
    ("duty", "bao-an-giang-bai-vet", "bao-an-giang-bai-viet"),
    ("period", "2021-4", "2021-04"),
])
def test_a_wrong_value_is_named_with_the_closest_and_not_retried(ag: Store, field: str, value: str, suggested: str) -> None:
    with pytest.raises(FormError) as exc:
        check_form(ag, form(**{field: value}))
    text = str(exc.value)
    assert f"[{field}]" in text and f"'{value}'" in text and suggested in text
    assert not transient(SimpleNamespace(), SimpleNamespace(), _State(exc.value))


def test_the_form_has_vietnamese_titles() -> None:
    props = SubmissionForm.model_json_schema()["properties"]
    assert props["plan"]["title"] == "Kế hoạch (mã)" and props["received"]["title"] == "Ngày nhận"
