"""Feed names, tokens and addresses: where each calendar lives on disk and on the web."""

from __future__ import annotations

import re
from pathlib import Path

from plancal.settings import Settings
from plancal.store import OccurrenceFacts, OccurrenceRow

PRODID = "-//plancal//Lịch thực hiện kế hoạch//VI"


UID_SUFFIX = "@plancal"


UNIT_DIR = "u"


PLAN_DIR = "plans"


PUBLIC = "public.ics"


TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


PLAN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")


def unit_feed_name(token: str) -> str:
    return f"{UNIT_DIR}/{token}.ics"


def plan_feed_name(plan_id: str) -> str:
    return f"{PLAN_DIR}/{plan_id}.ics"


def feed_path(settings: Settings, name: str) -> Path:
    return settings.calendar_dir / name


def event_uid(row: OccurrenceRow | OccurrenceFacts) -> str:
    return f"{row.uid}{UID_SUFFIX}"


def feed_url(settings: Settings, name: str) -> str:
    return f"{settings.feed_base_url}/{name}"


def webcal_url(url: str) -> str:
    return re.sub(r"^https?://", "webcal://", url)
