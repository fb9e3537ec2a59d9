"""The feed server over HTTP: 200 then 304, conditional requests done right, one 404 for everything
unknown, no traversal or listing, rotated tokens refused at once.

Requests go through httpx's ASGI transport (Starlette's TestClient warns about httpx, and warnings are
errors here); one test runs ``plancal feeds serve`` for real under uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import httpx
import pytest

from plancal.feeds.export import export_feeds, rotate_token
from plancal.feeds.names import PUBLIC, feed_path, unit_feed_name
from plancal.feeds.server import NOT_FOUND_BODY, ASGIApp, create_app
from plancal.lifecycle.issuance import issue_file
from plancal.settings import Settings
from plancal.store import Store, Submission
from plancal.units.directory import Unit
from tests.feedfixtures import TODAY, free_port
from tests.helpers import write_plan

BODY = """\
duties:
  - {id: send, what: Gửi bài viết, who: [bao], to: snv, when: {every: month, day: 25, before: true}}
"""


class Client:
    """A synchronous client that calls the ASGI app in process."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def request(self, method: str, url: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://feeds.test") as c:
                return await c.request(method, url, headers=headers)

        return asyncio.run(go())

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        return self.request("GET", url, headers)

    def head(self, url: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        return self.request("HEAD", url, headers)


@pytest.fixture
def client(store: Store, settings: Settings, tmp_path: Path) -> Client:
    issue_file(store, write_plan(tmp_path / "plan", BODY))
    export_feeds(store, settings, TODAY)
    return Client(create_app(store, settings, today=lambda: TODAY))


def token(store: Store, unit_id: str = "bao") -> str:
    row = store.unit_row(unit_id)
    assert row is not None
    return row.feed_token


def test_200_then_304_with_etag_and_last_modified(client: Client, store: Store, settings: Settings) -> None:
    url = f"/u/{token(store)}.ics"
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    assert first.content == feed_path(settings, unit_feed_name(token(store))).read_bytes()
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert email.utils.parsedate_to_datetime(modified).tzinfo is not None
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "not a date"}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
    both = client.get(url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert both.status_code == 200
    head = client.head(url)
    assert head.status_code == 200 and head.headers["etag"] == etag and head.content == b""


def test_new_content_gets_a_new_etag(client: Client, store: Store, settings: Settings) -> None:
    url = f"/u/{token(store)}.ics"
    etag = client.get(url).headers["etag"]
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-02")
    store.record_submission(Submission(row.uid, "bao", date(2021, 2, 20)))
    export_feeds(store, settings, TODAY)
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag and "[Đã xong]".encode() in fresh.content


NOT_FOUND_PATHS = [
    "/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",  # well-formed, unknown
    "/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "/u/short.ics",
    "/u/",
    "/u",
    "/",
    "/plans/",
    "/plans/no-such-plan.ics",
    "/plans/thu-nghiem",
    "/u/%2e%2e%2fpublic.ics",
    "/u/..%2F..%2Fplancal.db",
    "/u/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/plans/..%2fpublic.ics",
    "/plans/%2e%2e%2f..%2fplancal.db.ics",
    "/u/..%5c..%5cplancal.db.ics",
    "/calendar/public.ics",
    "/plancal.db",
    "/docs",
    "/openapi.json",
]


@pytest.mark.parametrize("path", NOT_FOUND_PATHS)
def test_everything_unknown_is_the_same_404(client: Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.text == NOT_FOUND_BODY


def test_a_real_file_next_to_the_feeds_is_not_reachable(client: Client, settings: Settings) -> None:
    (settings.calendar_dir / "u" / "notes.txt").write_text("secret", encoding="utf-8")
    for path in ("/u/notes.txt", "/u/notes.txt.ics", "/u/notes"):
        r = client.get(path)
        assert r.status_code == 404 and r.text == NOT_FOUND_BODY


def test_rotated_token_is_refused_at_once(client: Client, store: Store, settings: Settings) -> None:
    old = token(store)
    assert client.get(f"/u/{old}.ics").status_code == 200
    new = rotate_token(store, settings, "bao", TODAY)
    r = client.get(f"/u/{old}.ics")
    assert r.status_code == 404 and r.text == NOT_FOUND_BODY
    assert client.get(f"/u/{old}").status_code == 404
    assert client.get(f"/u/{new}.ics").status_code == 200


def test_token_checked_in_store_even_if_old_file_lingers(client: Client, store: Store, settings: Settings) -> None:
    old = token(store)
    store.rotate_token("bao")  # the store alone: the old file is still on disk
    assert feed_path(settings, unit_feed_name(old)).exists()
    assert client.get(f"/u/{old}.ics").status_code == 404
    # the new token works at once: its feed is written on first request, as the export would write it
    r = client.get(f"/u/{token(store)}.ics")
    assert r.status_code == 200 and r.content == feed_path(settings, unit_feed_name(old)).read_bytes()
    export_feeds(store, settings, TODAY)
    assert feed_path(settings, unit_feed_name(token(store))).read_bytes() == r.content
    assert not feed_path(settings, unit_feed_name(old)).exists()


def test_plan_and_public_feeds(client: Client, settings: Settings) -> None:
    for url, path in (("/plans/thu-nghiem.ics", settings.calendar_dir / "plans" / "thu-nghiem.ics"),
                      (f"/{PUBLIC}", settings.calendar_dir / PUBLIC)):
        r = client.get(url)
        assert r.status_code == 200 and r.content == path.read_bytes()
        assert client.get(url, headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_subscribe_page_is_vietnamese_and_escaped(client: Client, store: Store, settings: Settings) -> None:
    store.import_units([Unit("xa-la", 'Xã <b>"Lạ"</b> & <script>alert(1)</script>', "commune", "tinh")])
    tok = token(store, "xa-la")
    r = client.get(f"/u/{tok}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    url = f"{settings.feed_base_url}/u/{tok}.ics"
    assert url in html and url.replace("http://", "webcal://") in html
    for words in ("Google Calendar", "Outlook", "Apple Calendar", "Đăng ký lịch mới", "Từ URL"):
        assert words in html
    assert r.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("workers", [1, 2])
def test_plancal_feeds_serve_over_real_http(store: Store, settings: Settings, tmp_path: Path, workers: int) -> None:
    """One process, or two on the same port (each builds the whole site from the environment): the same
    answers, the same ETag, whichever answers."""
    issue_file(store, write_plan(tmp_path / "plan", BODY))
    export_feeds(store, settings, TODAY)
    port = free_port()
    env = {**os.environ, "PLANCAL_HOME": str(settings.home), "PLANCAL_DATABASE_URL": settings.db_url,
           "PLANCAL_CALENDAR_DIR": str(settings.calendar_dir), "PLANCAL_FEED_BASE_URL": f"http://127.0.0.1:{port}"}
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, "-c", "from plancal.cli import main; main()", "feeds", "serve",
                             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/u/{token(store)}.ics"
    try:
        deadline = time.monotonic() + 60
        while log_path.read_bytes().count(b"Started server process") < workers:  # each has built its site
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.1)
        first = httpx.get(url, timeout=5)
        assert first.status_code == 200 and first.headers["content-type"] == "text/calendar; charset=utf-8"
        for _ in range(4 * workers):  # a new connection each: any worker may answer
            assert httpx.get(url, timeout=5).headers["etag"] == first.headers["etag"]
            assert httpx.get(url, headers={"If-None-Match": first.headers["etag"]}, timeout=5).status_code == 304
        assert httpx.get(url.replace(token(store), "A" * 32), timeout=5).text == NOT_FOUND_BODY
        page = httpx.get(url.removesuffix(".ics"), timeout=5)
        assert page.status_code == 200 and "webcal://" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
    assert '"GET ' not in log_path.read_text(errors="replace")  # no access log unless asked for


# -- hostile clients ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["Mon, 01 Jan 2024 00:00:00 +9999", "Fri, 31 Dec 9999 23:59:59 -2359",
                                   "Sat, 01 Jan 0001 00:00:00 +2359", "Mon, 99 Foo 2021 99:99:99 GMT",
                                   "Thu, 01 Jan 1970 00:00:00 +99999999999999999999", "\x7f\x01 garbage", ","])
def test_an_absurd_if_modified_since_is_ignored(client: Client, store: Store, value: str) -> None:
    r = client.get(f"/u/{token(store)}.ics", headers={"If-Modified-Since": value})
    assert r.status_code == 200 and r.content.startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize("suffix", [".ics/", "/", ".ics//"])
def test_a_trailing_slash_is_the_uniform_404_not_a_redirect(client: Client, store: Store, suffix: str) -> None:
    for path in (f"/u/{token(store)}{suffix}", f"/plans/thu-nghiem.ics{suffix[-1]}", f"/{PUBLIC}/"):
        r = client.get(path, headers={"Host": "evil.example"})
        assert r.status_code == 404 and r.text == NOT_FOUND_BODY and "location" not in r.headers


class _Running:
    """The standalone server (``plancal feeds serve``'s configuration) on a free port, in a thread."""

    def __init__(self, store: Store, settings: Settings, http: str = "httptools", access: bool = False) -> None:
        import threading

        import uvicorn

        from plancal.feeds.server import server_config

        self.port = free_port()
        app = create_app(store, settings)
        self.server = uvicorn.Server(server_config(app, settings, host="127.0.0.1", port=self.port, http=http,
                                                   access=access))
        self.server.config.log_level = "warning"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Running:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive()
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _served(store: Store, settings: Settings, tmp_path: Path, http: str = "httptools", access: bool = False) -> _Running:
    issue_file(store, write_plan(tmp_path / "plan", BODY))
    export_feeds(store, settings, TODAY)
    return _Running(store, settings, http, access)


# both HTTP protocols carry the guards: httptools (what runs) and h11 (``server_config(http="h11")``)
PROTOCOLS = pytest.mark.parametrize("http", ["httptools", "h11"])


@PROTOCOLS
def test_a_client_trickling_its_headers_is_cut_off(store: Store, settings: Settings, tmp_path: Path, http: str) -> None:
    import socket

    from plancal.feeds.server import HEADER_TIMEOUT

    with _served(store, settings, tmp_path, http) as running:
        sock = socket.create_connection(("127.0.0.1", running.port), timeout=2)
        started = time.monotonic()
        closed = False
        try:
            sock.sendall(b"GET /public.ics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            while time.monotonic() - started < HEADER_TIMEOUT + 10:  # bounded: it used to stay 40 s and more
                try:
                    sock.sendall(b"a")
                    sock.settimeout(0.2)
                    if sock.recv(1) == b"":
                        closed = True
                        break
                except TimeoutError:
                    continue
                except OSError:
                    closed = True
                    break
        finally:
            sock.close()
        assert closed
        assert time.monotonic() - started < HEADER_TIMEOUT + 3
        # a normal request on a fresh connection is still answered
        assert httpx.get(running.url(f"/{PUBLIC}"), timeout=5).status_code == 200


@PROTOCOLS
def test_a_request_head_too_large_is_refused(store: Store, settings: Settings, tmp_path: Path, http: str) -> None:
    import socket

    from plancal.feeds.server import MAX_HEAD

    with _served(store, settings, tmp_path, http) as running:
        sock = socket.create_connection(("127.0.0.1", running.port), timeout=5)
        answer = b""
        try:
            sock.sendall(b"GET /public.ics HTTP/1.1\r\nHost: x\r\n")
            with contextlib.suppress(OSError):  # the server may close while the head is still coming
                for _ in range(MAX_HEAD // 1024 + 4):  # never finished: a header line grows past the limit
                    sock.sendall(b"X-Big: " + b"a" * 1017 + b"\r\n")
            with contextlib.suppress(OSError):
                while chunk := sock.recv(4096):
                    answer += chunk
        finally:
            sock.close()
        assert answer.startswith(b"HTTP/1.1 400 ")  # and then closed: recv saw the end
        # a request head of a normal size is still answered, on a fresh connection
        r = httpx.get(running.url(f"/{PUBLIC}"), headers={"X-Fine": "a" * 4000}, timeout=5)
        assert r.status_code == 200


@PROTOCOLS
def test_keep_alive_requests_each_get_an_answer(store: Store, settings: Settings, tmp_path: Path, http: str) -> None:
    """The guards re-arm after each response: many requests on one connection, and a HEAD, all answered."""
    with _served(store, settings, tmp_path, http) as running, httpx.Client(timeout=5) as c:
        url = running.url(f"/u/{token(store)}.ics")
        first = c.get(url)
        for _ in range(20):
            assert c.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
            assert c.get(url).content == first.content
        head = c.head(url)
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) == len(first.content)


def test_300_half_open_connections_do_not_stop_it_answering(store: Store, settings: Settings,
                                                            tmp_path: Path) -> None:
    import socket

    with _served(store, settings, tmp_path) as running:
        idle = []
        try:
            for i in range(300):
                sock = socket.create_connection(("127.0.0.1", running.port), timeout=5)
                if i % 2:
                    sock.sendall(b"GET /public.ics HTTP/1.1\r\nHost: x\r\n")  # half a request, then nothing
                idle.append(sock)
            r = httpx.get(running.url(f"/u/{token(store)}.ics"), timeout=5)
            assert r.status_code == 200 and r.content.startswith(b"BEGIN:VCALENDAR")
        finally:
            for sock in idle:
                sock.close()


def test_the_access_log_is_off_unless_asked_for_and_never_holds_a_token(
        store: Store, settings: Settings, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """``plancal feeds serve`` logs no request; with ``--access-log`` one line each on standard error."""
    import logging.config

    from plancal.feeds import server

    with _served(store, settings, tmp_path) as running:
        tok = token(store)
        paths = (f"/u/{tok}.ics", f"/u/{tok}", f"/u/{tok}.ics/", f"/u/{tok}.ics?x={tok}")
        for path in paths:
            httpx.get(running.url(path), timeout=5)
    assert '"GET ' not in capfd.readouterr().err
    try:
        with _Running(store, settings, access=True) as running:
            for path in paths:
                httpx.get(running.url(path), timeout=5)
    finally:
        logging.config.dictConfig(server._log_config(False))  # closes the access log: written out, and off again
    lines = capfd.readouterr().err.splitlines()
    access = [line for line in lines if '"GET ' in line]
    assert len(access) == 4
    assert f'"GET /u/{tok[:4]}….ics" 200' in access[0] and f'"GET /u/{tok[:4]}…" 200' in access[1]
    assert not [line for line in lines if tok in line or tok[4:12] in line]


def test_a_rotation_racing_an_export_never_restores_the_revoked_file(client: Client, store: Store, settings: Settings,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The export has read the tokens and is rendering when the rotation comes: the rotation waits, and
    the export cannot write the old token's file back."""
    import threading

    from plancal.feeds import export

    old = token(store)
    read_tokens = threading.Event()
    real_tokens = store.unit_tokens

    def slow_tokens() -> object:
        tokens = real_tokens()
        read_tokens.set()
        time.sleep(0.5)  # rendering takes a while: the rotation comes now
        return tokens

    monkeypatch.setattr(store, "unit_tokens", slow_tokens)
    exporting = threading.Thread(target=export.export_feeds, args=(store, settings, TODAY))
    exporting.start()
    assert read_tokens.wait(30)
    new = rotate_token(store, settings, "bao", TODAY)
    exporting.join(30)
    assert not exporting.is_alive()
    assert not feed_path(settings, unit_feed_name(old)).exists()
    assert feed_path(settings, unit_feed_name(new)).is_file()
    assert client.get(f"/u/{old}.ics").status_code == 404 and client.get(f"/u/{new}.ics").status_code == 200
    export_feeds(store, settings, TODAY)  # and a later export leaves it so
    assert not feed_path(settings, unit_feed_name(old)).exists()


def _rotate_in_child(db_url: str, settings: Settings, rounds: int) -> None:
    from plancal.store import open_store

    st = open_store(db_url, migrate=False)
    for _ in range(rounds):
        rotate_token(st, settings, "bao", TODAY)
    st.engine.dispose()


def test_rotations_and_exports_in_two_processes_leave_only_the_current_token(
        client: Client, store: Store, settings: Settings, db_url: str) -> None:
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=_rotate_in_child, args=(db_url, settings, 15))
    child.start()
    deadline = time.monotonic() + 120
    while child.is_alive() and time.monotonic() < deadline:
        export_feeds(store, settings, TODAY)
    child.join(60)
    assert child.exitcode == 0
    files = sorted(p.name for p in (settings.calendar_dir / "u").glob("*.ics"))
    current = {unit_feed_name(r.feed_token).split("/", 1)[1] for r in store.unit_rows()}
    assert set(files) == current


def test_a_rotation_by_another_process_is_refused_at_the_next_request(client: Client, store: Store,
                                                                     settings: Settings, db_url: str) -> None:
    """The server holds the tokens in memory; ``plancal feeds rotate`` in another process renames the feed
    in calendar/u, and that change of the folder makes the next request reload them."""
    import multiprocessing

    old = token(store)
    assert client.get(f"/u/{old}.ics").status_code == 200  # the tokens are loaded now
    child = multiprocessing.get_context("spawn").Process(target=_rotate_in_child, args=(db_url, settings, 1))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert client.get(f"/u/{old}.ics").status_code == 404
    assert client.get(f"/u/{token(store)}.ics").status_code == 200


def test_a_304_and_a_repeated_200_read_no_file(client: Client, store: Store, settings: Settings,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from plancal.feeds import server

    reads: list[str] = []
    real_read = server._FileCache.read

    def counting(self: server._FileCache, path: str, headers: list[tuple[bytes, bytes]]) -> object:
        reads.append(path)
        return real_read(self, path, headers)

    monkeypatch.setattr(server._FileCache, "read", counting)
    url = f"/u/{token(store)}.ics"
    first = client.get(url)
    assert first.status_code == 200 and len(reads) == 1
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert client.get(url).content == first.content
    assert len(reads) == 1


def test_feeds_beyond_the_memory_budget_are_read_again(store: Store, settings: Settings, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from plancal.feeds import server

    monkeypatch.setattr(server, "CONTENT_CACHE_BYTES", 8)  # nothing is held: every 200 reads its file
    issue_file(store, write_plan(tmp_path / "plan", BODY))
    export_feeds(store, settings, TODAY)
    client = Client(create_app(store, settings, today=lambda: TODAY))
    for path, name in ((f"/u/{token(store)}.ics", unit_feed_name(token(store))), (f"/{PUBLIC}", PUBLIC)):
        on_disk = feed_path(settings, name).read_bytes()
        for _ in range(2):
            r = client.get(path)
            assert r.status_code == 200 and r.content == on_disk
        assert client.get(path, headers={"If-None-Match": r.headers["etag"]}).status_code == 304
