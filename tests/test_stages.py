"""The lifecycle stages and the day's mail: each kind of time-driven mail is sent by exactly one stage."""

from __future__ import annotations

from collections import Counter

from plancal.lifecycle.stages import DAILY_STAGES, MAIL, Stage, daily_mail
from plancal.mail.daily import DAILY
from plancal.mail.letters import MailKind


def test_every_kind_of_the_days_mail_is_sent_by_one_daily_stage() -> None:
    sent_by = Counter(kind for stage in DAILY_STAGES for kind in MAIL.get(stage, ()))
    assert sent_by == Counter(daily.kind for daily in DAILY)
    assert set(MAIL) <= set(DAILY_STAGES)
    assert len({daily.kind for daily in DAILY}) == len(DAILY)


def test_the_morning_reminders_send_digests_escalations_and_the_weekly_summary() -> None:
    assert [d.kind for d in daily_mail(Stage.REMINDERS)] == [MailKind.DIGEST, MailKind.ESCALATION, MailKind.WEEKLY]
    assert daily_mail(Stage.SUB_UNIT_PLANS) == [] and daily_mail(Stage.ISSUE) == []
