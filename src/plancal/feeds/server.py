"""The feed server: serves the .ics files that :func:`plancal.feeds.export.export_feeds` wrote.

``GET /u/<token>.ics`` (a unit's feed), ``GET /u/<token>`` (its subscribe page, Vietnamese),
``GET /plans/<plan-id>.ics`` and ``GET /public.ics``. The token is looked up in the store on every
request, so a rotated token is refused at once even if an old file were still on disk; file paths are
built from the store's values, never from the request. Every 404 has the same body, whatever was
wrong. Responses carry a strong ETag (the content's SHA-256) and Last-Modified (the file's time: it
only changes when the content does), and answer 304 to If-None-Match, or, when that header is absent,
to If-Modified-Since.

In production nginx can serve ``calendar/`` directly (see docs/feeds.md); this server is what
``plancal feeds serve`` runs (:func:`run`) and what development and tests use. Standing alone it guards
itself: a request's headers must arrive within :data:`HEADER_TIMEOUT` seconds (a client trickling bytes
is cut off), an idle kept-alive connection closes after :data:`KEEP_ALIVE_TIMEOUT`, a path with a
trailing slash is the same 404 as any other (no redirect built from the Host header), and the access
log shows a feed token only by its first four characters.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import h11
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException

from plancal.feeds.export import write_unit_feed
from plancal.feeds.names import PLAN_ID_RE, PUBLIC, TOKEN_RE, feed_path, feed_url, plan_feed_name, unit_feed_name, webcal_url
from plancal.settings import Settings
from plancal.store import Store

CALENDAR_TYPE = "text/calendar; charset=utf-8"
#: seconds a client has to send a request's headers (slowloris guard)
HEADER_TIMEOUT = 8.0
#: seconds an idle kept-alive connection stays open
KEEP_ALIVE_TIMEOUT = 5
#: the largest request head accepted (bytes)
MAX_HEAD = 16 * 1024
access_log = logging.getLogger("plancal.feeds.access")
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
        try:  # an absurd offset or year, or garbage: ignored, as if the header were absent
            when = email.utils.parsedate_to_datetime(ims)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            since = when.timestamp()
            if since > datetime.now(UTC).timestamp() + 60:
                return False  # a date later than now is not valid (RFC 9110 §13.1.3)
            return mtime <= since
        except (TypeError, ValueError, IndexError, OverflowError, OSError):
            return False
    return False


def redacted(path: str) -> str:
    """A request path fit for a log: a unit's token cut to its first four characters, nothing else
    taken from the request beyond the path's known shape."""
    if path.startswith("/u/"):
        name = path[3:]
        suffix = ".ics" if name.endswith(".ics") else ""
        return f"/u/{name[:4]}…{suffix}"
    return path if len(path) <= 200 else path[:200] + "…"


class _AccessLog:
    """ASGI middleware: one line per request, with the token redacted (uvicorn's own access log is off)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [0]

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client = scope.get("client") or ("-", 0)
            access_log.info('%s - "%s %s" %d', client[0], scope.get("method", "-"), redacted(scope.get("path", "")),
                            status[0])


def create_app(store: Store, settings: Settings, *, today: Callable[[], date] | None = None) -> FastAPI:
    """The feed server. ``today`` (for feeds written on demand) defaults to the date in the plan time zone."""
    current_day = today or (lambda: datetime.now(settings.tz).date())
    cache = _FileCache()
    templates = Environment(loader=FileSystemLoader(str(settings.templates_dir)), autoescape=True,
                            keep_trailing_newline=True)
    # no redirect_slashes: "/u/<token>.ics/" is the uniform 404, never a 307 whose Location echoes Host
    app = FastAPI(title="plancal feeds", docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False)
    app.add_middleware(_AccessLog)

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


# -- standing alone ------------------------------------------------------------------------------------
def _guarded_protocol(header_timeout: float) -> type:
    """uvicorn's h11 protocol, with a deadline for each request's headers: uvicorn has an idle timeout
    between requests but none while the headers come in, so a client sending a byte now and then would
    hold its connection for ever."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        _head_deadline: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._head_deadline = self.loop.call_later(header_timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._head_deadline is not None:
                self._head_deadline.cancel()
                self._head_deadline = None

        def _too_slow(self) -> None:
            self._head_deadline = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()  # the headers did not come in time

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:
                self._disarm()  # a whole request head came in

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._arm()  # the next request on this connection gets its own deadline

    return GuardedH11Protocol


def server_config(store: Store, settings: Settings, *, host: str | None = None, port: int | None = None,
                  header_timeout: float = HEADER_TIMEOUT, app: FastAPI | None = None) -> Any:
    """The uvicorn configuration of ``plancal feeds serve``: timeouts, head size limit, redacted log. ``app``:
    the application to serve (the feed server's own by default; the web layer passes the whole site)."""
    import uvicorn

    return uvicorn.Config(app or create_app(store, settings), host=host or settings.feed_host, port=port or settings.feed_port,
                          http=_guarded_protocol(header_timeout), timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
                          h11_max_incomplete_event_size=MAX_HEAD, access_log=False, log_level="info",
                          server_header=False, date_header=True)


def run(store: Store, settings: Settings, *, host: str | None = None, port: int | None = None,
        app: FastAPI | None = None) -> None:
    """Serve the feeds until interrupted (``plancal feeds serve``)."""
    import uvicorn

    if not access_log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
    uvicorn.Server(server_config(store, settings, host=host, port=port, app=app)).run()
