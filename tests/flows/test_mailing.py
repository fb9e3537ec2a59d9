"""Parcels of letters, without a Prefect server."""

from __future__ import annotations

from datetime import date

from flows.mailing import BATCH_RECIPIENTS, parcels
from plancal.mail.letters import Letter, MailKind


def letter(recipient: str, kind: MailKind = MailKind.DIGEST) -> Letter:
    return Letter(kind=kind, ident="2021-04-16", recipient=recipient, day=date(2021, 4, 16), template=kind, context={})


def test_parcels_hold_at_most_a_batch_of_recipients_and_keep_each_recipient_whole() -> None:
    letters = [letter(f"xa{i:04d}@tinh.gov.vn") for i in range(2 * BATCH_RECIPIENTS + 7)]
    letters += [letter("xa0003@tinh.gov.vn", MailKind.WEEKLY)]
    out = parcels(letters, "nhắc việc")
    assert [p.label for p in out] == ["nhắc việc 1/3", "nhắc việc 2/3", "nhắc việc 3/3"]
    assert [len({x.recipient for x in p.letters}) for p in out] == [BATCH_RECIPIENTS, BATCH_RECIPIENTS, 7]
    owners = {x.recipient: n for n, p in enumerate(out) for x in p.letters}
    assert all(owners[x.recipient] == n for n, p in enumerate(out) for x in p.letters)
    assert sum(len(p) for p in out) == len(letters)
    assert parcels([], "x") == []
