"""The feed server: serves the .ics files that :func:`plancal.feeds.export.export_feeds` wrote.

``GET /u/<token>.ics`` (a unit's feed), ``GET /u/<token>`` (its subscribe page, Vietnamese),
``GET /plans/<plan-id>.ics`` and ``GET /public.ics``. The store's tokens are held in memory and
reloaded when a token changes (:class:`_Index`: at once for a rotation in this process, at the next
request after another process's rotation renamed the feed, within :data:`INDEX_RELOAD` seconds for a
change made in the database alone), so a rotated token is refused even if an old file were still on
disk; file paths are built from the store's values, never from the request. Every 404 has the same
body, whatever was wrong. Responses carry a strong ETag (the content's SHA-256) and Last-Modified (the
file's time: it only changes when the content does), and answer 304 to If-None-Match, or, when that
header is absent, to If-Modified-Since. A feed is read and hashed once per version (a ``stat`` tells),
a 304 reads nothing, and the feeds are answered in plain ASGI in front of the site (:class:`_Feeds`): a
feed request never reaches FastAPI, and its 200, 304 and 404 are messages built once per file version.

In production nginx can serve ``calendar/`` directly (docs/nginx.conf, README "Calendar feeds"); this server is what
``plancal feeds serve`` runs (:func:`run`) and what development and tests use. Standing alone it guards
itself: a request's headers must arrive within :data:`HEADER_TIMEOUT` seconds (a client trickling bytes
is cut off), an idle kept-alive connection closes after :data:`KEEP_ALIVE_TIMEOUT`, a path with a
trailing slash is the same 404 as any other (no redirect built from the Host header), and the access
log, off unless asked for (``plancal feeds serve --access-log``), shows a feed token only by its first
four characters. ``--workers N`` runs N server processes on the same socket (:func:`run`).
"""

from __future__ import annotations

import asyncio
import copy
import email.utils
import hashlib
import logging
import math
import os
import stat
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import quote

import h11
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from plancal.feeds.export import write_unit_feed
from plancal.feeds.names import (
    PLAN_DIR,
    PLAN_ID_RE,
    PUBLIC,
    TOKEN_RE,
    UNIT_DIR,
    feed_url,
    plan_feed_name,
    unit_feed_name,
    webcal_url,
)
from plancal.settings import Settings
from plancal.store import Store

#: an ASGI application: what uvicorn serves and the tests call
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]
CALENDAR_TYPE = "text/calendar; charset=utf-8"
#: seconds a client has to send a request's headers (slowloris guard)
HEADER_TIMEOUT = 8.0
#: seconds an idle kept-alive connection stays open
KEEP_ALIVE_TIMEOUT = 5
#: the largest request head accepted (bytes)
MAX_HEAD = 16 * 1024
access_log = logging.getLogger("plancal.feeds.access")
NOT_FOUND_BODY = "Không tìm thấy.\n"
#: seconds at most between two reloads of the tokens and plans held in memory (see :class:`_Index`): how
#: long a token changed in the database alone, by another process and not through plancal, stays known
INDEX_RELOAD = 30.0
_SETTLE = 1.0
#: seconds at most before an access log line is written out (see :func:`run`)
LOG_FLUSH = 0.5
#: bytes of feed contents held in memory; beyond that a feed is read from disk when asked for
CONTENT_CACHE_BYTES = 64 * 1024 * 1024
#: feed files whose ETags are remembered
MAX_FILES_KNOWN = 50_000
_COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
_PRIVATE_FEED = {"Cache-Control": "private, no-cache", **_COMMON, "X-Robots-Tag": "noindex, nofollow"}
_PUBLIC_FEED = {"Cache-Control": "public, no-cache", **_COMMON}


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


# the feeds' answers as ASGI messages, built once (a feed's, once per version of its file: _FileCache.read)
_NOT_FOUND = NOT_FOUND_BODY.encode()
_NOT_FOUND_ANSWER = (
    {"type": "http.response.start", "status": 404, "headers": _raw(
        {**_COMMON, "Content-Length": str(len(_NOT_FOUND)), "Content-Type": "text/plain; charset=utf-8"})},
    {"type": "http.response.body", "body": _NOT_FOUND})
_NO_BODY = {"type": "http.response.body", "body": b""}
_CALENDAR_TYPE = (b"content-type", CALENDAR_TYPE.encode())
_PRIVATE_RAW, _PUBLIC_RAW = _raw(_PRIVATE_FEED), _raw(_PUBLIC_FEED)


def not_found() -> Response:
    """The one 404: the same body whether the token never existed, was rotated or the path is nonsense."""
    return PlainTextResponse(NOT_FOUND_BODY, status_code=404, headers=_COMMON)


@dataclass(frozen=True)
class _Snapshot:
    """One version of a feed file: its ETag, Last-Modified, the starts of its 200 and 304 answers (built
    once) and, while the memory budget allows, its bytes."""
    key: tuple[int, int, int]  # inode, size, mtime (ns): a rewrite (temp file + rename) is a new inode
    etag: str
    mtime: int  # whole seconds, as HTTP dates carry
    ok: dict[str, Any]  # the 200's http.response.start message
    unchanged: dict[str, Any]  # the 304's
    data: bytes | None


class _FileCache:
    """Feed files by path, checked against the disk with one ``stat`` per request: a file is read and
    hashed once per version, a 304 needs no read at all, and a 200 is served from memory while the
    contents held stay under ``budget`` bytes (the oldest are let go first; they are read again when asked)."""

    def __init__(self, budget: int | None = None) -> None:
        budget = CONTENT_CACHE_BYTES if budget is None else budget
        self._entries: dict[str, _Snapshot] = {}
        self._holding: dict[str, None] = {}  # the paths whose contents are held, oldest first
        self._held = 0
        self._budget = budget
        self._lock = threading.Lock()

    def known(self, path: str) -> _Snapshot | bool:
        """The cached version if it is still the file on disk; ``False`` if the file is missing (or not a
        regular file), ``True`` if it must be read (:meth:`read`)."""
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return False
        if not stat.S_ISREG(st.st_mode):
            return False
        entry = self._entries.get(path)
        if entry is not None and entry.key == (st.st_ino, st.st_size, st.st_mtime_ns):
            return entry
        return True

    def read(self, path: str, headers: list[tuple[bytes, bytes]]) -> _Snapshot | None:
        """Read and hash the file now (blocking: called in a worker thread); ``None`` if it is missing.
        ``headers``: what its answers carry besides the validators (the same for a path every time)."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())  # the file we opened: a rename after this does not matter
            if not stat.S_ISREG(st.st_mode):
                return None
            data = fh.read()
        key = (st.st_ino, len(data), st.st_mtime_ns)
        with self._lock:
            old = self._entries.get(path)
            etag = old.etag if old is not None and old.key == key else None
        if etag is None:
            etag = '"' + hashlib.sha256(data).hexdigest()[:40] + '"'
        mtime = int(st.st_mtime)
        kept = len(data) <= self._budget // 8
        validators = [(b"etag", etag.encode()), (b"last-modified", email.utils.formatdate(mtime, usegmt=True).encode()),
                      *headers]
        ok = {"type": "http.response.start", "status": 200,
              "headers": [*validators, (b"content-length", str(len(data)).encode()), _CALENDAR_TYPE]}
        unchanged = {"type": "http.response.start", "status": 304, "headers": validators}
        snap = _Snapshot(key, etag, mtime, ok, unchanged, data if kept else None)
        with self._lock:
            if self._holding.pop(path, None) is not None:
                self._held -= len(self._entries[path].data or b"")
            if len(self._entries) >= MAX_FILES_KNOWN:
                self._entries.clear()
                self._holding.clear()
                self._held = 0
            if kept:
                self._held += len(data)
                self._holding[path] = None
                while self._held > self._budget:  # let the oldest contents go, keep their ETags
                    oldest = next(iter(self._holding))
                    del self._holding[oldest]
                    gone = self._entries[oldest]
                    self._held -= len(gone.data or b"")
                    self._entries[oldest] = replace(gone, data=None)
            self._entries[path] = snap
        return snap if snap.data is not None else replace(snap, data=data)


def not_modified(inm: str | None, ims: str | None, etag: str, mtime: int) -> bool:
    """RFC 9110 §13.2.2: If-None-Match (``inm``) decides when present (weak comparison);
    If-Modified-Since (``ims``) is only looked at without it, and an unparsable date is ignored."""
    if inm is not None:
        if inm == etag:  # what a client sends back, nearly always
            return True
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
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
    """ASGI middleware: one line per request, with the token redacted (uvicorn's own access log is off),
    while the ``plancal.feeds.access`` logger is enabled for INFO (``--access-log``, see :func:`server_config`);
    otherwise it costs a request one level check."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
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


class _Index:
    """Which feed tokens and plans exist, held in memory so that a request costs a dict lookup, not a
    query (reading them all takes milliseconds at national scale: never per request). Reloaded from the
    store when this process gave a unit a new token (:meth:`Store.tokens_epoch`: a rotation is refused
    at once), when the calendar's unit or plan folder changed (an export or another process's rotation
    renames files there: seen at the next request), and at least every :data:`INDEX_RELOAD` seconds (a
    change another process made in the database alone)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._dirs = (str(settings.calendar_dir / UNIT_DIR), str(settings.calendar_dir / PLAN_DIR))
        self._units: dict[str, str] = {}  # token -> unit id
        self._plans: frozenset[str] = frozenset()
        self._stamp: tuple[object, ...] = ()
        self._due = -math.inf  # when to reload whatever the stamp says

    def _current(self) -> tuple[tuple[object, ...], int]:
        """The stamp (this process's token epoch, each folder's inode and time) and the newest folder time."""
        stamp: list[object] = [self._store.tokens_epoch()]
        newest = 0
        for folder in self._dirs:
            try:
                st = os.stat(folder)
            except OSError:
                stamp.append(None)
            else:
                stamp.append((st.st_ino, st.st_mtime_ns))
                newest = max(newest, st.st_mtime_ns)
        return tuple(stamp), newest

    def _fresh(self) -> None:
        (stamp, newest), now = self._current(), time.monotonic()
        if stamp != self._stamp or now >= self._due:
            # the stamp is taken before reading: a change during the read shows at the next request
            self._units = {tok: unit_id for unit_id, _name, tok in self._store.unit_tokens()}
            self._plans = frozenset(p.id for p in self._store.plans())
            self._stamp = stamp
            # a folder time is as coarse as the kernel's clock tick: a second rename within the same tick
            # would leave it unchanged, so a folder changed just now is looked at again a second later
            settled = time.time() - newest / 1e9 > _SETTLE
            self._due = now + (INDEX_RELOAD if settled else _SETTLE)

    def unit(self, token: str) -> str | None:
        """The id of the unit whose feed token this is, or ``None``."""
        self._fresh()
        return self._units.get(token)

    def has_plan(self, plan_id: str) -> bool:
        self._fresh()
        return plan_id in self._plans


class _Feeds:
    """``GET``/``HEAD`` of the feed files, answered in plain ASGI in front of the site (the FastAPI
    application with the subscribe and unit pages): a feed request costs a dict lookup, two or three
    ``stat`` calls and two messages built beforehand; no routing, no request object, no middleware.

    ``/u/<token>.ics`` (a unit's feed: a token the store does not hold now is the 404, whatever is on
    disk; a known token whose feed was never exported is written on the spot), ``/plans/<plan-id>.ics``
    and ``/public.ics``. Any other request goes on to the site."""

    def __init__(self, site: FastAPI, store: Store, settings: Settings, today: Callable[[], date]) -> None:
        self.site = site
        self.store, self.settings, self.today = store, settings, today
        self.files = _FileCache()
        self.index = _Index(store, settings)
        self.calendar = str(settings.calendar_dir)

    def _target(self, path: str) -> tuple[str, str | None, bool] | Literal[False] | None:
        """(file, unit id, private) for a feed path; ``False`` for a feed path that is a 404; ``None``
        for any other path."""
        if path == "/" + PUBLIC:
            return f"{self.calendar}/{PUBLIC}", None, False
        if not path.endswith(".ics"):
            return None
        if path.startswith("/u/"):
            token = path[3:-4]
            if "/" in token:
                return None
            unit_id = self.index.unit(token) if TOKEN_RE.match(token) else None
            if unit_id is None:
                return False
            return f"{self.calendar}/{unit_feed_name(token)}", unit_id, True
        if path.startswith("/plans/"):
            plan_id = path[7:-4]
            if "/" in plan_id:
                return None
            if not (PLAN_ID_RE.match(plan_id) and self.index.has_plan(plan_id)):
                return False
            return f"{self.calendar}/{plan_feed_name(plan_id)}", None, False
        return None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        target = self._target(scope["path"]) if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") else None
        if target is None:
            await self.site(scope, receive, send)
            return
        start, body = await self._answer(scope, target) if target is not False else _NOT_FOUND_ANSWER
        await send(start)
        await send(body)

    async def _answer(self, scope: Any, target: tuple[str, str | None, bool]) -> tuple[dict[str, Any], dict[str, Any]]:
        where, unit_id, private = target
        known = self.files.known(where)
        if known is False and unit_id is not None:  # a valid token, its feed not exported yet: write it now
            await asyncio.to_thread(write_unit_feed, self.store, self.settings, unit_id, self.today())
            known = True
        if known is False:
            return _NOT_FOUND_ANSWER
        headers = _PRIVATE_RAW if private else _PUBLIC_RAW
        # a new version is read and hashed once, off the event loop
        snap = known if isinstance(known, _Snapshot) else await asyncio.to_thread(self.files.read, where, headers)
        if snap is None:
            return _NOT_FOUND_ANSWER
        inm = ims = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                inm = value.decode("latin-1") if inm is None else f"{inm}, {value.decode('latin-1')}"
            elif name == b"if-modified-since":
                ims = value.decode("latin-1")
        if not_modified(inm, ims, snap.etag, snap.mtime):
            return snap.unchanged, _NO_BODY
        if snap.data is None:  # its contents were let go to keep memory bounded: read them again
            fresh = await asyncio.to_thread(self.files.read, where, headers)
            if fresh is None or fresh.etag != snap.etag:  # gone or rewritten in between: start again
                return await self._answer(scope, target)
            snap = fresh
        assert snap.data is not None
        return snap.ok, {"type": "http.response.body", "body": snap.data}


def create_app(store: Store, settings: Settings, *, today: Callable[[], date] | None = None,
               routers: Iterable[APIRouter] = ()) -> ASGIApp:
    """The feed server: the feeds (:class:`_Feeds`) in front of a FastAPI site with the subscribe page and
    ``routers`` (the web layer's pages). ``today`` (for feeds written on demand) defaults to the date in
    the plan time zone."""
    current_day = today or (lambda: datetime.now(settings.tz).date())
    templates = Environment(loader=FileSystemLoader(str(settings.templates_dir)), autoescape=True,
                            keep_trailing_newline=True)
    # no redirect_slashes: "/u/<token>.ics/" is the uniform 404, never a 307 whose Location echoes Host;
    # no OpenTelemetry hooks (their check costs every request)
    site = FastAPI(title="plancal feeds", docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False,
                   telemetry={"tracing": False, "metrics": False, "logs": False})

    @site.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return not_found()
        return PlainTextResponse(f"{exc.status_code}\n", status_code=exc.status_code, headers=exc.headers)

    @site.api_route("/u/{token}", methods=["GET", "HEAD"])
    def subscribe(token: str) -> Response:
        """The subscribe page (Vietnamese); the feeds themselves are answered by :class:`_Feeds`."""
        row = store.unit_by_token(token) if TOKEN_RE.match(token) else None
        if row is None:
            return not_found()
        url = feed_url(settings, unit_feed_name(row.feed_token))
        html = templates.get_template("subscribe.html.j2").render(
            unit=row, https_url=url, webcal_url=webcal_url(url),
            google_url="https://calendar.google.com/calendar/r?cid=" + quote(webcal_url(url), safe=""))
        return HTMLResponse(html, headers={**_COMMON, "Cache-Control": "private, no-cache",
                                           "X-Robots-Tag": "noindex, nofollow"})

    for router in routers:
        site.include_router(router)
    return _AccessLog(_Feeds(site, store, settings, current_day))  # outermost: it logs the feeds too


# -- standing alone ------------------------------------------------------------------------------------
class _HeadDeadline:
    """The guard both HTTP protocols below share: a request's head must come in within
    :data:`HEADER_TIMEOUT` seconds. uvicorn has an idle timeout between requests but none while the
    headers come in, so a client sending a byte now and then would hold its connection for ever. A
    request only notes when its connection began to await a head; one timer per connection looks at
    that (and sets itself again for the time left), so a request costs no timer of its own."""

    header_timeout = HEADER_TIMEOUT
    _awaited_since: float | None = None  # None while a request is being answered
    _deadline: asyncio.TimerHandle | None = None
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def _arm(self) -> None:
        self._awaited_since = self.loop.time()
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.header_timeout, self._check)

    def _disarm(self) -> None:
        self._awaited_since = None

    def _awaiting_head(self) -> bool:
        raise NotImplementedError

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)  # type: ignore[misc]

    def _check(self) -> None:
        self._deadline = None
        if self._awaited_since is None or not self._awaiting_head() or self.transport.is_closing():
            return  # a request is being answered: the next one sets the timer again
        left = self._awaited_since + self.header_timeout - self.loop.time()
        if left > 0:
            self._deadline = self.loop.call_later(left, self._check)
        else:
            self.transport.close()  # the headers did not come in time


class GuardedH11Protocol(_HeadDeadline, H11Protocol):
    """uvicorn's h11 protocol with the head deadline (its head size limit is ``h11_max_incomplete_event_size``)."""

    def _awaiting_head(self) -> bool:
        return self.conn.their_state is h11.IDLE

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # a whole request head came in

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()  # the next request on this connection gets its own deadline


class GuardedHttpToolsProtocol(_HeadDeadline, HttpToolsProtocol):
    """uvicorn's httptools protocol with the head deadline and a head size limit, which it lacks: a head
    still incomplete after :data:`MAX_HEAD` bytes is refused with a 400 and the connection closed."""

    _heads = 0  # request heads received whole
    _answered = 0  # responses sent whole
    _head_bytes = 0  # bytes received so far of the head being awaited

    def _awaiting_head(self) -> bool:
        return self._heads == self._answered

    def data_received(self, data: bytes) -> None:
        heads = self._heads
        super().data_received(data)
        if self._heads == heads and self._awaiting_head() and self.parser is not None:
            self._head_bytes += len(data)  # still no whole head (bodies are never counted)
            if self._head_bytes > MAX_HEAD and not self.transport.is_closing():
                self.send_400_response("Request header too large.")

    def on_headers_complete(self) -> None:
        self._heads += 1
        self._head_bytes = 0
        self._disarm()  # a whole request head came in
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._answered += 1
        super().on_response_complete()
        if not self.transport.is_closing() and self._awaiting_head():
            self._arm()  # the next request on this connection gets its own deadline


#: the guarded protocols by uvicorn's names for them, as import strings (a worker process imports its own)
PROTOCOLS = {"httptools": f"{__name__}:GuardedHttpToolsProtocol", "h11": f"{__name__}:GuardedH11Protocol"}


class _BufferedLogHandler(logging.StreamHandler):
    """The access log on standard error, written in blocks: each line reaches the stream within
    :data:`LOG_FLUSH` seconds (and at exit) instead of costing a system call per request."""

    def __init__(self) -> None:
        # stderr is line-buffered: a stream of its own over the same descriptor, with a real buffer
        super().__init__(open(sys.stderr.fileno(), "w", buffering=64 * 1024, encoding="utf-8",  # noqa: SIM115
                              errors="backslashreplace", closefd=False))
        self._timer: threading.Timer | None = None

    def flush(self) -> None:
        # called after every line: the stream's buffer is written out soon, by a timer, not now
        if self._timer is None and not self.stream.closed:
            self._timer = threading.Timer(LOG_FLUSH, self._flush_now)
            self._timer.daemon = True
            self._timer.start()

    def _flush_now(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._timer = None
            if not self.stream.closed:
                super().flush()

    def close(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if not self.stream.closed:
                self.stream.close()  # written out; standard error itself stays open (closefd=False)
        super().close()


def _log_config(access: bool) -> dict[str, Any]:
    """uvicorn's logging configuration, and the access log (:class:`_AccessLog`): on standard error in
    blocks when ``access``, else off (its logger's level above INFO)."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["plancal-access"] = {"format": "%(asctime)s %(message)s"}
    config["handlers"]["plancal-access"] = {"()": f"{__name__}._BufferedLogHandler", "formatter": "plancal-access"}
    config["loggers"][access_log.name] = ({"level": "INFO", "handlers": ["plancal-access"]} if access
                                          else {"level": "WARNING", "handlers": []})
    return config


def server_config(app: ASGIApp | str, settings: Settings, *, host: str | None = None, port: int | None = None,
                  http: Literal["httptools", "h11"] = "httptools", workers: int = 1,
                  access: bool = False) -> uvicorn.Config:
    """The uvicorn configuration of ``plancal feeds serve``: the guarded protocol (httptools, or h11), uvloop,
    timeouts, head size limit, no lifespan, no proxy headers, the access log only when ``access``. ``app``:
    what to serve (:func:`create_app`; the web layer's whole site), or for ``workers`` > 1 the import string of a
    factory each worker process calls (``"plancal.web.app:from_environment"``)."""
    return uvicorn.Config(app, factory=isinstance(app, str), workers=workers,
                          host=host or settings.feed_host, port=port or settings.feed_port,
                          http=PROTOCOLS[http], loop="uvloop", lifespan="off", timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
                          h11_max_incomplete_event_size=MAX_HEAD, access_log=False, log_config=_log_config(access),
                          log_level="info", proxy_headers=False, server_header=False, date_header=True)


def run(app: ASGIApp | str, settings: Settings, *, host: str | None = None, port: int | None = None, workers: int = 1,
        access: bool = False) -> None:
    """Serve until interrupted (``plancal feeds serve``): in this process, or in ``workers`` processes that
    share one listening socket (``app`` is then a factory's import string, see :func:`server_config`)."""
    from uvicorn.supervisors import Multiprocess

    config = server_config(app, settings, host=host, port=port, workers=workers, access=access)
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
