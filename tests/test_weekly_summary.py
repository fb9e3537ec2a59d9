"""The weekly summary at scale: a plan with thousands of late items makes a mail under 1 MB that shows the
top of each list, counts the late items per parent unit and attaches every item as .xlsx; a mail over
the size limit is never sent, recorded as failed and reported."""

from __future__ import annotations

import email
import io
from dataclasses import replace
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from plancal import mail
from plancal.lifecycle.issuance import issue_file
from plancal.mail.composition import compose, render
from plancal.mail.mailers import RecordingMailer
from plancal.mail.planners.summaries import TOP
from plancal.settings import Settings
from plancal.store import Store
from tests.helpers import HEADER
from tests.mail_helpers import FAST, fixed_clock, outbox_settings

DISTRICTS = 4
COMMUNES = 150  # per district: 600 communes, 6 months late by the summary day → 3,600 late items
AGENCY = "snv@tinh.gov.vn"
MONDAY = date(2021, 7, 5)  # the 25ths of January to June are past their limits


def _units() -> str:
    lines = ["units:",
             '  - {id: tinh, name: "UBND tỉnh Thử Nghiệm", kind: province, emails: [ubnd@tinh.gov.vn]}',
             f'  - {{id: snv, name: "Sở Nội vụ", kind: department, parent: tinh, emails: [{AGENCY}]}}']
    for d in range(DISTRICTS):
        lines.append(f'  - {{id: h{d}, name: "UBND huyện {d}", kind: district, parent: tinh, emails: [h{d}@tinh.gov.vn]}}')
        lines += [f'  - {{id: x{d}-{c:03d}, name: "UBND xã {d}-{c:03d}", kind: commune, parent: h{d}, '
                  f'emails: [x{d}-{c:03d}@tinh.gov.vn]}}' for c in range(COMMUNES)]
    return "\n".join(lines) + "\n"


BODY = """\
duties:
  - id: bao-cao-thang
    what: Gửi báo cáo tháng
    who: [{kind: commune}]
    to: snv
    when: {every: month, day: 25, before: true}
"""


@pytest.fixture
def big(store: Store, tmp_path: Path) -> Store:
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "units.yaml").write_text(_units(), encoding="utf-8")
    header = HEADER.replace('recipients: ["@standing-agency", bao, {kind: district}, {kind: commune}]',
                            'recipients: ["@standing-agency", {kind: commune}]')
    (folder / "plan.yaml").write_text(header + BODY, encoding="utf-8")
    issue_file(store, folder / "plan.yaml")
    return store


def _message(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_a_summary_of_thousands_of_late_items_is_small_shows_the_top_and_attaches_every_item(
        big: Store, settings: Settings) -> None:
    from openpyxl import load_workbook

    s = outbox_settings(settings)
    [letter] = mail.weekly_summaries(big, s, MONDAY)
    assert letter.recipient == AGENCY
    [summary] = letter.context["plans"]
    n_late = DISTRICTS * COMMUNES * 6
    assert summary.n_late == n_late and len(summary.late) == TOP and summary.open_total >= n_late
    # the longest late first: January's reports, communes in name order
    assert [i.unit_name for i in summary.late[:2]] == ["UBND xã 0-000", "UBND xã 0-001"]
    assert {i.period_label for i in summary.late} == {"tháng 1/2021"}
    assert summary.late_by_parent and [(c.name, c.count) for c in summary.late_by] == [
        (f"UBND huyện {d}", COMMUNES * 6) for d in range(DISTRICTS)]
    envelope = compose(letter, s, datetime(2021, 7, 5, 1, 0))
    assert len(envelope.data) < 1_000_000
    assert envelope.data == compose(letter, s, datetime(2021, 7, 5, 1, 0)).data  # deterministic, attachment too
    text = render(letter, s).text
    assert f"Đơn vị đang chậm ({n_late}), {TOP} việc quá hạn lâu nhất:" in text
    assert "Số việc đang chậm theo đơn vị cấp trên:\n  - UBND huyện 0: 900" in text
    assert "trong tệp đính kèm tong-hop-tuan-2021-W27.xlsx" in text
    [part] = list(_message(envelope.data).iter_attachments())
    assert part.get_filename() == "tong-hop-tuan-2021-W27.xlsx"
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(part.get_content()), read_only=True)
    late = [row for row in book["Đang chậm"].iter_rows(min_row=3, values_only=True)]
    assert len(late) == n_late
    assert late[0][1:5] == ("UBND xã 0-000", "Gửi báo cáo tháng", "tháng 1/2021", datetime(2021, 1, 22))
    assert late[0][5] > late[-1][5] > 0  # working days late, longest first
    assert len({(r[1], r[3]) for r in late}) == n_late  # every unit and month once


def test_a_mail_over_the_size_limit_is_not_sent_but_recorded_and_reported(big: Store, settings: Settings) -> None:
    s = replace(outbox_settings(settings), mail_max_bytes=50_000)
    mailer = RecordingMailer()
    report = mail.send_weekly_summary(big, s, MONDAY, mailer, clock=fixed_clock(datetime(2021, 7, 5, 1, 0)), retry=FAST)
    assert mailer.sent == [] and report.sent == 0
    [failure] = report.failed
    assert failure.recipient == AGENCY and "quá giới hạn 49 KB: không gửi" in failure.error
    assert report.server_error is None  # the other mails of the run still go out
    again = mail.send_weekly_summary(big, replace(s, mail_max_bytes=1024 * 1024), MONDAY, mailer,
                                     clock=fixed_clock(datetime(2021, 7, 5, 2, 0)), retry=FAST)
    assert again.sent == 1 and len(mailer.sent) == 1  # never lost: the next run sends it
