"""calendar/ holds generated feeds only: a calendar/__init__.py would shadow the standard library."""

import calendar
import email.utils
import http.cookiejar

from tests.conftest import ROOT


def test_standard_calendar_module_is_not_shadowed() -> None:
    assert hasattr(calendar, "timegm")
    assert calendar.__file__ is None or "site-packages" in calendar.__file__ or "lib/python" in calendar.__file__
    assert email.utils.mktime_tz((2021, 4, 21, 0, 0, 0, 0, 1, -1, 0)) == calendar.timegm((2021, 4, 21, 0, 0, 0))
    assert http.cookiejar.CookieJar() is not None


def test_calendar_folder_has_no_python() -> None:
    assert not list((ROOT / "calendar").rglob("*.py"))
