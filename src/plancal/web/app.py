"""The whole web app ``plancal feeds serve`` runs: the feed server's routes (:mod:`plancal.feeds.server`)
and the pages (:mod:`plancal.web.pages`). The form secret is kept in ``PLANCAL_HOME/web-secret``
(created on first start, readable by its owner only), so that every server process agrees on it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from plancal.feeds.server import create_app as create_feed_app
from plancal.settings import Settings
from plancal.store import Store
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


def create_app(store: Store, settings: Settings, *, today: Callable[[], date] | None = None) -> FastAPI:
    zone = ZoneInfo(settings.timezone)
    current_day = today or (lambda: datetime.now(zone).date())
    app = create_feed_app(store, settings, today=current_day)
    app.include_router(pages_router(store, settings, form_secret(settings), current_day))
    return app
