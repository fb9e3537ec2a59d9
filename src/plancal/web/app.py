"""The whole web app ``plancal feeds serve`` runs: the feed server's routes (:mod:`plancal.feeds.server`)
and the pages (:mod:`plancal.web.pages`). The form secret is kept in ``PLANCAL_HOME/web-secret``
(created on first start, readable by its owner only), so that every server process agrees on it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from plancal.feeds.server import ASGIApp
from plancal.feeds.server import create_app as create_feed_app
from plancal.settings import Settings
from plancal.store import Store, open_store
from plancal.web.pages import pages_router


def form_secret(settings: Settings) -> bytes:
    path = settings.home / "web-secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def create_app(store: Store, settings: Settings, *, today: Callable[[], date] | None = None) -> ASGIApp:
    zone = ZoneInfo(settings.timezone)
    current_day = today or (lambda: datetime.now(zone).date())
    return create_feed_app(store, settings, today=current_day,
                           routers=[pages_router(store, settings, form_secret(settings), current_day)])


def from_environment() -> ASGIApp:
    """The site as one worker process of ``plancal feeds serve --workers N`` builds it (uvicorn calls this
    factory in each): settings from the environment, the store the CLI has already opened and migrated."""
    settings = Settings.from_env()
    return create_app(open_store(settings.db_url, migrate=False), settings)
