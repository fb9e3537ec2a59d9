"""The semiannual-reports flow at the deadlines: the consolidated report written as HTML and .docx under
PLANCAL_HOME/reports, linked from the Markdown artifact, and mailed once to the plan's issuer with the
.docx attached."""

from __future__ import annotations

import email
import io
from datetime import date
from email import policy

import docx

from flows.issue_plan import issue_plan
from flows.semiannual_reports import semiannual_reports
from plancal import views
from plancal.settings import Settings
from plancal.store import Submission, open_store
from plancal.tracking.windows import windows
from tests.flows.conftest import artifacts_of, outbox, plan_path


def test_the_consolidated_report_is_written_linked_and_mailed_once(home: Settings) -> None:
    issue_plan(plan_path("001"), today=date(2022, 12, 30))
    store = open_store(home.db_url)
    window = next(w for w in windows(store) if w.period_key == "2023-H1")
    first = window.reports[0]
    store.record_submission(Submission(first.uid, first.unit_id or "", first.due_effective, ""))

    state = semiannual_reports(today=window.deadline, return_state=True)  # drafting, not yet mailed
    assert state.is_completed(), state.message
    assert state.result()["consolidated"] == 0
    folder = home.home / "reports" / window.plan.id
    html, docx_file = folder / "2023-H1.html", folder / f"bao-cao-tong-hop-{window.plan.id}-2023-H1.docx"
    assert html.is_file() and docx_file.is_file()
    draft = artifacts_of(state)[views.consolidated_key(window)].data
    assert html.resolve().as_uri() in draft and docx_file.resolve().as_uri() in draft

    day = window.consolidation_due
    state = semiannual_reports(today=day, return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["consolidated"] == 1  # Ủy ban nhân dân tỉnh has one address
    sent = outbox(home, "consolidated", day)
    assert len(sent) == 1
    raw = sent[0].read_bytes()
    assert raw.isascii()  # 7-bit clean
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == "ubnd@quangngai.gov.vn"
    attachment = next(msg.iter_attachments())
    assert attachment.get_filename() == docx_file.name
    document = docx.Document(io.BytesIO(attachment.get_content()))
    assert "BÁO CÁO" in [p.text for p in document.paragraphs]
    assert "Đã nhận 1/" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert semiannual_reports(today=day)["consolidated"] == 0  # the delivery log: never twice
    store.engine.dispose()
