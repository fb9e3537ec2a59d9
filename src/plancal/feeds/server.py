"""The feed server: serves the .ics files that :func:`plancal.feeds.export.export_feeds` wrote.

``GET /u/<token>.ics`` (a unit's feed), ``GET /u/<token>`` (its subscribe page, Vietnamese),
``GET /plans/<plan-id>.ics`` and ``GET /public.ics``. The token is looked up in the store on every
request, so a rotated token is refused at once even if an old file were still on disk; file paths are
built from the store's values, never from the request. Every 404 has the same body, whatever was
wrong. Responses carry a strong ETag (the content's SHA-256) and Last-Modified (the file's time: it
only changes when the content does), and answer 304 to If-None-Match, or, when that header is absent,
to If-Modified-Since.

In production nginx can serve ``calendar/`` directly (see docs/feeds.md); this server is what
``plancal feeds serve`` runs and what development and tests use.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException

from plancal.feeds.export import write_unit_feed
from plancal.feeds.names import PLAN_ID_RE, PUBLIC, TOKEN_RE, feed_path, feed_url, plan_feed_name, unit_feed_name, webcal_url
from plancal.settings import Settings
from plancal.store import Store

CALENDAR_TYPE = "text/calendar; charset=utf-8"
NOT_FOUND_BODY = "Không tìm thấy.\n"
_COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def not_found() -> Response:
    """The one 404: the same body whether the token never existed, was rotated or the path is nonsense."""
    return PlainTextResponse(NOT_FOUND_BODY, status_code=404, headers=_COMMON)


@dataclass(frozen=True)
class _Snapshot:
    data: bytes
    etag: str
    mtime: int  # whole seconds, as HTTP dates carry


class _FileCache:
    """ETags by (inode, size, mtime): a file is hashed once per version, not per request."""

    def __init__(self) -> None:
        self._etags: dict[tuple[str, int, int, int], str] = {}

    def read(self, path: Path) -> _Snapshot | None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())  # the file we opened: a rename after this does not matter
            data = fh.read()
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
        etag = self._etags.get(key)
        if etag is None or len(data) != st.st_size:
            etag = '"' + hashlib.sha256(data).hexdigest()[:40] + '"'
            if len(self._etags) > 50_000:
                self._etags.clear()
            self._etags[key] = etag
        return _Snapshot(data, etag, int(st.st_mtime))


def not_modified(request: Request, etag: str, mtime: int) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison); If-Modified-Since is
    only looked at without it, and an unparsable date is ignored."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
    ims = request.headers.get("if-modified-since")
    if ims:
        try:
            when = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError, IndexError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return mtime <= when.timestamp()
    return False


def create_app(store: Store, settings: Settings, *, today: Callable[[], date] | None = None) -> FastAPI:
    """The feed server. ``today`` (for feeds written on demand) defaults to the date in the plan time zone."""
    current_day = today or (lambda: datetime.now(settings.tz).date())
    cache = _FileCache()
    templates = Environment(loader=FileSystemLoader(str(settings.templates_dir)), autoescape=True,
                            keep_trailing_newline=True)
    app = FastAPI(title="plancal feeds", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return not_found()
        return PlainTextResponse(f"{exc.status_code}\n", status_code=exc.status_code, headers=exc.headers)

    def serve(request: Request, path: Path, *, private: bool) -> Response:
        snap = cache.read(path)
        if snap is None:
            return not_found()
        headers = {
            "ETag": snap.etag,
            "Last-Modified": email.utils.formatdate(snap.mtime, usegmt=True),
            "Cache-Control": "private, no-cache" if private else "public, no-cache",
            **_COMMON,
        }
        if private:
            headers["X-Robots-Tag"] = "noindex, nofollow"
        if not_modified(request, snap.etag, snap.mtime):
            return Response(status_code=304, headers=headers)
        return Response(snap.data, media_type=CALENDAR_TYPE, headers=headers)

    @app.api_route("/u/{name}", methods=["GET", "HEAD"])
    def unit(name: str, request: Request) -> Response:
        token, is_feed = (name[:-4], True) if name.endswith(".ics") else (name, False)
        if not TOKEN_RE.match(token):
            return not_found()
        row = store.unit_by_token(token)
        if row is None:
            return not_found()
        feed_name = unit_feed_name(row.feed_token)
        if not is_feed:
            url = feed_url(settings, feed_name)
            html = templates.get_template("subscribe.html.j2").render(
                unit=row, https_url=url, webcal_url=webcal_url(url),
                google_url="https://calendar.google.com/calendar/r?cid=" + quote(webcal_url(url), safe=""))
            return HTMLResponse(html, headers={**_COMMON, "Cache-Control": "private, no-cache",
                                               "X-Robots-Tag": "noindex, nofollow"})
        path = feed_path(settings, feed_name)
        if not path.is_file():  # valid token, feed not exported yet: write this one now
            write_unit_feed(store, settings, row.id, current_day())
        return serve(request, path, private=True)

    @app.api_route("/plans/{name}", methods=["GET", "HEAD"])
    def plan(name: str, request: Request) -> Response:
        plan_id = name.removesuffix(".ics")
        if not name.endswith(".ics") or not PLAN_ID_RE.match(plan_id) or store.plan(plan_id) is None:
            return not_found()
        return serve(request, feed_path(settings, plan_feed_name(plan_id)), private=False)

    @app.api_route(f"/{PUBLIC}", methods=["GET", "HEAD"])
    def public(request: Request) -> Response:
        return serve(request, feed_path(settings, PUBLIC), private=False)

    return app
