"""Mail: letters, lead times, one planner per kind of mail, composition, mailers, the courier, the daily mix."""

from plancal.mail.composition import (
    DEFAULT_SENDER_NAME,
    WIRE,
    Envelope,
    Rendered,
    compose,
    message_id,
    render,
    sender_address,
    templates_folder,
)
from plancal.mail.courier import (
    CLAIM_CHUNK,
    BadAddress,
    Courier,
    DeliveryReport,
    Failure,
    RetryPolicy,
    bad_address_letters,
    deliver,
)
from plancal.mail.daily import (
    CATCH_UP_DAYS,
    DAILY,
    catch_up_letters,
    due_recipients,
    send_catch_up,
    send_conference_steps,
    send_daily,
    send_escalations,
    send_monthly_themes,
    send_plan_notices,
    send_reminders,
    send_report_calls,
    send_weekly_summary,
)
from plancal.mail.items import DutyGroup, Item, PlanGroup, PlanSummary, UnitBlock, World
from plancal.mail.leadtimes import LeadTimes, ReminderError
from plancal.mail.letters import Letter, delivery_key, valid_address
from plancal.mail.mailers import SMTP_TIMEOUT, Mailer, OutboxMailer, RecordingMailer, SmtpMailer, mailer_from_settings
from plancal.mail.planners.conferences import CONFERENCE_NOTICE_DAYS, conference_steps
from plancal.mail.planners.digests import digests
from plancal.mail.planners.escalations import escalations
from plancal.mail.planners.notices import plan_notices
from plancal.mail.planners.reports import REPORT_CALL_DAYS, report_calls
from plancal.mail.planners.summaries import WEEKLY_CATCH_UP_DAYS, weekly_summaries
from plancal.mail.planners.themes import THEMES_CATCH_UP_DAYS, monthly_themes
from plancal.mail.refusals import AddressRejected, MessageRejected, TemporaryFailure
from plancal.mail.status import MAIL_KIND_LABEL, STATUS_LABEL, StatusLine, problems, status

__all__ = [
    "AddressRejected",
    "BadAddress",
    "CATCH_UP_DAYS",
    "CLAIM_CHUNK",
    "CONFERENCE_NOTICE_DAYS",
    "Courier",
    "DAILY",
    "DEFAULT_SENDER_NAME",
    "DeliveryReport",
    "DutyGroup",
    "Envelope",
    "Failure",
    "Item",
    "LeadTimes",
    "Letter",
    "MAIL_KIND_LABEL",
    "Mailer",
    "MessageRejected",
    "OutboxMailer",
    "PlanGroup",
    "PlanSummary",
    "REPORT_CALL_DAYS",
    "RecordingMailer",
    "ReminderError",
    "Rendered",
    "RetryPolicy",
    "SMTP_TIMEOUT",
    "STATUS_LABEL",
    "SmtpMailer",
    "StatusLine",
    "THEMES_CATCH_UP_DAYS",
    "TemporaryFailure",
    "UnitBlock",
    "WEEKLY_CATCH_UP_DAYS",
    "WIRE",
    "World",
    "bad_address_letters",
    "catch_up_letters",
    "compose",
    "conference_steps",
    "deliver",
    "delivery_key",
    "digests",
    "due_recipients",
    "escalations",
    "mailer_from_settings",
    "message_id",
    "monthly_themes",
    "plan_notices",
    "problems",
    "render",
    "report_calls",
    "send_catch_up",
    "send_conference_steps",
    "send_daily",
    "send_escalations",
    "send_monthly_themes",
    "send_plan_notices",
    "send_reminders",
    "send_report_calls",
    "send_weekly_summary",
    "sender_address",
    "status",
    "templates_folder",
    "valid_address",
    "weekly_summaries",
]
