"""Settings: every PLANCAL_* variable is validated when the environment is read; a bad value is one
Vietnamese message naming the variable, its value and the form it accepts; the CLI prints it and exits
1 without a traceback. The time zone is the one of settings.tz and reaches the expansion."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plancal.errors import SettingsError
from plancal.lifecycle.issuance import check_file, issue_file
from plancal.settings import Settings
from plancal.store import Store
from tests.conftest import PLANS, ROOT
from tests.helpers import write_plan

BAD = [
    ("PLANCAL_SMTP_PORT", "abc"), ("PLANCAL_SMTP_PORT", "0"), ("PLANCAL_SMTP_PORT", "65536"), ("PLANCAL_SMTP_PORT", ""),
    ("PLANCAL_FEED_PORT", "-1"), ("PLANCAL_FEED_PORT", "80.5"), ("PLANCAL_FEED_HOST", ""),
    ("PLANCAL_LEAD_DAYS", ""), ("PLANCAL_LEAD_DAYS", "7,,1"), ("PLANCAL_LEAD_DAYS", "7,-3"), ("PLANCAL_LEAD_DAYS", "một"),
    ("PLANCAL_OVERDUE_DAYS", "1;7"), ("PLANCAL_LEAD_DAYS_REPORT", "-1"), ("PLANCAL_OVERDUE_DAYS_DUTY", ""),
    ("PLANCAL_LEASE_SECONDS", "0"), ("PLANCAL_LEASE_SECONDS", "-5"), ("PLANCAL_LEASE_SECONDS", "5 phút"),
    ("PLANCAL_CANCELLED_KEEP_DAYS", "-1"),
    ("PLANCAL_TIMEZONE", "Mars/Olympus"), ("PLANCAL_TIMEZONE", ""), ("PLANCAL_TIMEZONE", "UTC+7"),
    ("PLANCAL_SMTP_SECURITY", "tls"), ("PLANCAL_FEED_BASE_URL", "lich.example.gov.vn"),
    ("PLANCAL_FEED_BASE_URL", "ftp://lich.example.gov.vn"), ("PLANCAL_DATABASE_URL", "khong-phai-dia-chi"),
    ("PLANCAL_DATABASE_URL", "mysql://plancal@localhost/plancal"), ("PLANCAL_MAIL_FROM", "khong-phai-dia-chi"),
    ("PLANCAL_HOME", ""), ("PLANCAL_CALENDAR_DIR", " "), ("PLANCAL_OUTBOX_DIR", ""), ("PLANCAL_TEMPLATES_DIR", "/khong/co"),
]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_bad_value_is_one_message_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({name: value})
    [problem] = info.value.problems
    assert problem.field == name
    assert name in problem.message and (f"'{value}'" in problem.message if value else "chuỗi rỗng" in problem.message)
    assert problem.hint and problem.hint.startswith(f"đặt {name} là ")


def test_every_bad_variable_is_reported_once() -> None:
    env = {"PLANCAL_SMTP_PORT": "abc", "PLANCAL_LEAD_DAYS": "-1,x,", "PLANCAL_TIMEZONE": "Nowhere", "PLANCAL_FEED_PORT": "8080"}
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert sorted(p.field or "" for p in info.value.problems) == ["PLANCAL_LEAD_DAYS", "PLANCAL_SMTP_PORT", "PLANCAL_TIMEZONE"]


def test_good_values_are_read(tmp_path: Path) -> None:
    env = {"PLANCAL_HOME": str(tmp_path), "PLANCAL_SMTP_PORT": "65535", "PLANCAL_FEED_PORT": "1",
           "PLANCAL_LEAD_DAYS": " 10, 2 ,0", "PLANCAL_OVERDUE_DAYS": "3", "PLANCAL_LEAD_DAYS_REPORT": "14,7",
           "PLANCAL_TIMEZONE": "Asia/Bangkok", "PLANCAL_FEED_BASE_URL": "https://lich.example.gov.vn/",
           "PLANCAL_SMTP_SECURITY": "starttls", "PLANCAL_LEASE_SECONDS": "1", "PLANCAL_CANCELLED_KEEP_DAYS": "0",
           "PLANCAL_DATABASE_URL": "postgresql+psycopg://plancal@127.0.0.1/plancal",
           "PLANCAL_MAIL_FROM": "Lịch kế hoạch <lich@snv.angiang.gov.vn>", "PLANCAL_SMTP_HOST": ""}
    s = Settings.from_env(env)
    assert (s.smtp_port, s.feed_port, s.lead_days, s.overdue_days) == (65535, 1, (10, 2, 0), (3,))
    assert s.lead_days_by_kind == (("report", (14, 7)),) and s.overdue_days_by_kind == ()
    assert s.tz == ZoneInfo("Asia/Bangkok") and s.feed_base_url == "https://lich.example.gov.vn"
    assert (s.smtp_security, s.lease_seconds, s.cancelled_keep_days, s.mail_configured) == ("starttls", 1, 0, False)
    assert s.outbox_dir == tmp_path / "outbox" and s.db_url == env["PLANCAL_DATABASE_URL"]


def test_defaults_keywords_and_frozen(tmp_path: Path) -> None:
    s = Settings.from_env({})
    assert s == Settings() and s.tz == ZoneInfo("Asia/Ho_Chi_Minh") and s.lead_days == (7, 3, 1, 0)
    assert (s.templates_dir / "mail" / "digest.txt").is_file() and (s.templates_dir / "subscribe.html.j2").is_file()
    built = Settings(home=tmp_path, database_url="sqlite://")
    assert built.db_url == "sqlite://" and built.home == tmp_path
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.home = Path("elsewhere")  # type: ignore[misc]
    assert dataclasses.replace(built, timezone="Asia/Tokyo").tz == ZoneInfo("Asia/Tokyo")


CONFERENCE = """\
conferences:
  - {id: hoi-nghi, title: Hội nghị, level: huyện, held_by: [huyen-a], attendees: [xa-a1], within: Q2/2021,
     on: 15/04/2021, start: "08:00", duration: half_day}
"""


def test_the_time_zone_reaches_the_expansion(store: Store, tmp_path: Path) -> None:
    plan = write_plan(tmp_path / "plan", CONFERENCE)
    assert check_file(plan, tz=ZoneInfo("Asia/Tokyo")).plan.id
    tokyo = [o for o in issue_file(store, plan, tz=ZoneInfo("Asia/Tokyo")).occurrences if o.starts_at is not None]
    assert tokyo and all(o.starts_at and o.starts_at.utcoffset() == timedelta(hours=9) and o.starts_at.hour == 8
                         for o in tokyo)
    vietnam = {o.uid: o.starts_at for o in issue_file(store, plan, tz=Settings().tz).occurrences if o.starts_at}
    # the same wall-clock time, two hours apart as instants
    assert {vietnam[o.uid] - o.starts_at for o in tokyo if o.starts_at} == {timedelta(hours=2)}


def plancal(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANCAL_")}
    env.update(PLANCAL_HOME=str(tmp_path / "home"), COLUMNS="200", **extra)
    return subprocess.run([sys.executable, "-m", "plancal.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize(("args", "name", "value"), [
    (["mail", "status"], "PLANCAL_SMTP_PORT", "abc"),
    (["check", str(PLANS / "003-an-giang-2021.yaml")], "PLANCAL_LEAD_DAYS", ""),
    (["feeds", "export"], "PLANCAL_TIMEZONE", "Asia/Saigon_"),
    (["db", "upgrade"], "PLANCAL_LEASE_SECONDS", "0"),
])
def test_the_cli_stops_at_a_bad_variable_without_a_traceback(args: list[str], name: str, value: str, tmp_path: Path) -> None:
    result = plancal(args, tmp_path, **{name: value})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and name in result.stderr and "Cách sửa" in result.stderr
    assert (f"'{value}'" if value else "chuỗi rỗng") in result.stderr
    assert not (tmp_path / "home").exists()  # stopped before anything was opened


def test_the_cli_checks_the_kinds_of_lead_days_at_start(tmp_path: Path) -> None:
    result = plancal(["check", str(PLANS / "003-an-giang-2021.yaml")], tmp_path, PLANCAL_LEAD_DAYS_MEETING="3")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "PLANCAL_LEAD_DAYS_MEETING" in result.stderr and "PLANCAL_LEAD_DAYS_REPORT" in result.stderr  # the known ones
