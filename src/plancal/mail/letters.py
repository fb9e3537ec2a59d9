"""A letter: what to tell whom on which day, and the key that makes it go out once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from plancal.units.directory import EMAIL_RE

_KEY_LIMIT = 400  # deliveries.key is VARCHAR(400)


# -- letters -------------------------------------------------------------------------------------
class MailKind(StrEnum):
    """Which kind of mail a letter is: the first part of its delivery key and of its outbox file name,
    and the ``kind`` column of the delivery log."""

    DIGEST = "digest"  # a person's daily reminder: due today, soon, overdue
    ESCALATION = "escalation"  # who is late, to the standing agencies and the late units' parents
    NOTICE = "notice"  # a plan was issued or amended: each unit's duties and feed
    THEMES = "themes"  # the month's propaganda themes and anniversaries
    CONFERENCE = "conference"  # a conference's preparation steps
    REPORT_CALL = "report_call"  # the call for a periodic report
    WEEKLY = "weekly"  # the coordinators' weekly summary
    CONSOLIDATED = "consolidated"  # the consolidated report of a period, to the plan's issuer, .docx attached
    BAD_ADDRESS = "bad_address"  # to the coordinators: an address that refuses mail


@dataclass(frozen=True, slots=True)
class Letter:
    """One mail to one address: which kind, for which day, rendered from ``templates/mail/<template>``.

    ``ident`` makes the delivery key unique within the kind: the day for a daily digest, the month for
    the themes, the conference for its preparation steps. ``coordinators`` are told when the address
    turns out to be bad.
    """

    kind: MailKind
    ident: str
    recipient: str
    day: date
    template: str
    context: Mapping[str, Any] = field(compare=False, hash=False)
    to_name: str = ""
    reply_to: tuple[tuple[str, str], ...] = ()
    coordinators: tuple[str, ...] = ()
    #: the plan this letter is about, when it is about one plan (a plan notice)
    plan_id: str | None = None

    @property
    def key(self) -> str:
        return delivery_key(self.kind, self.ident, self.recipient)


def delivery_key(kind: str, ident: str, recipient: str) -> str:
    """The delivery-log key: (kind, what it is about, recipient). Long keys keep a readable head."""
    key = f"{kind}|{ident}|{recipient.strip().lower()}"
    if len(key) <= _KEY_LIMIT:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[:_KEY_LIMIT - 66]}…#{digest}"[:_KEY_LIMIT]


def valid_address(address: str) -> bool:
    return bool(EMAIL_RE.match(address)) and len(address) <= 254
