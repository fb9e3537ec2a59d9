"""docs/nginx.conf (the configuration README.md documents) run by a real nginx over an exported
calendar/ folder: 200 with the calendar type and an ETag, 304 on If-None-Match, 404 for unknown tokens,
traversal attempts and listings. nginx runs unprivileged-style on a free port of 127.0.0.1 with its own
prefix, pid and logs in tmp_path; its ``/u/`` proxy goes to ``plancal feeds serve`` started for the test.

nginx is a Debian package (scripts/bootstrap installs it). Without it the test skips locally and fails
under CI=true."""

from __future__ import annotations

import http.client
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from plancal.feeds.names import plan_feed_name
from plancal.feeds.server import NOT_FOUND_BODY
from plancal.lifecycle.issuance import issue_file
from plancal.settings import Settings
from plancal.store import Store, open_store
from tests.conftest import ROOT
from tests.feedfixtures import PLAN_003, PLAN_003_ID, export, free_port

CONF = ROOT / "docs" / "nginx.conf"


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if found is None:
        message = "nginx is not installed (Debian: apt-get install -y nginx; scripts/bootstrap does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def wait_for(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, log.read_text(errors="replace") if log.exists() else "exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listening on 127.0.0.1:{port} after 30 s"
            time.sleep(0.05)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request with ``path`` sent exactly as given (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Store, Settings]]:
    """nginx with docs/nginx.conf over an exported calendar/, proxying /u/ to a real plancal feed server.
    One per module (SQLite: nginx reads the exported files, the store behind them does not matter here)."""
    binary = nginx_binary()
    tmp_path = tmp_path_factory.mktemp("nginx")
    settings = replace(Settings.from_env({}), home=tmp_path, database_url=f"sqlite:///{tmp_path / 'plancal.db'}",
                       calendar_dir=tmp_path / "calendar", outbox_dir=tmp_path / "outbox")
    store = open_store(settings.db_url)
    issue_file(store, PLAN_003)
    export(store, settings)
    (tmp_path / "secret.ics").write_text("BEGIN:VCALENDAR\r\nSECRET\r\n", encoding="utf-8")  # beside calendar/
    (settings.calendar_dir / "u" / "notes.txt").write_text("secret", encoding="utf-8")

    feed_port = free_port()
    env = {**os.environ, "PLANCAL_HOME": str(settings.home), "PLANCAL_DATABASE_URL": settings.db_url,
           "PLANCAL_CALENDAR_DIR": str(settings.calendar_dir)}
    feed_log = tmp_path / "serve.log"
    with feed_log.open("wb") as out:
        feeds = subprocess.Popen([sys.executable, "-c", "from plancal.cli import main; main()", "feeds", "serve",
                                  "--host", "127.0.0.1", "--port", str(feed_port)], env=env, stdout=out,
                                 stderr=subprocess.STDOUT)
    port = free_port()
    prefix = tmp_path / "nginx"
    (prefix / "logs").mkdir(parents=True)
    locations = CONF.read_text(encoding="utf-8")
    assert "/srv/plancal/calendar" in locations and "127.0.0.1:8765" in locations
    locations = locations.replace("/srv/plancal/calendar", str(settings.calendar_dir.resolve()))
    locations = locations.replace("127.0.0.1:8765", f"127.0.0.1:{feed_port}")
    # as root, workers would switch to 'nobody' and could not read tmp_path (0700)
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    temp = " ".join(f"{kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(
        f"daemon off; {user} worker_processes 1; pid {prefix}/nginx.pid; error_log {prefix}/logs/error.log;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{ access_log {prefix}/logs/access.log; {temp}\n"
        f"  server {{ listen 127.0.0.1:{port}; server_name localhost;\n{locations}\n  }}\n}}\n", encoding="utf-8")
    nginx = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                              "-e", str(prefix / "logs" / "error.log")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(feed_port, feeds, feed_log)
        wait_for(port, nginx, prefix / "logs" / "error.log")
        yield port, store, settings
    finally:
        for proc in (nginx, feeds):
            proc.terminate()
            proc.wait(timeout=10)
        if nginx.stderr is not None:
            nginx.stderr.close()
        store.engine.dispose()


def test_readme_refers_to_the_tested_configuration() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/nginx.conf" in readme
    assert "```nginx" not in readme.split("## Calendar feeds", 1)[1].split("\n## ", 1)[0], \
        "the nginx locations live in docs/nginx.conf only, so that what is tested is what is documented"


def test_unit_feed_200_then_304(served: tuple[int, Store, Settings]) -> None:
    port, store, settings = served
    unit = store.unit_row("ag-bao-an-giang")
    assert unit is not None
    path = f"/u/{unit.feed_token}.ics"
    status, headers, body = get(port, path)
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert body == (settings.calendar_dir / "u" / f"{unit.feed_token}.ics").read_bytes()
    assert headers["etag"].startswith('"') and headers["last-modified"]
    assert headers["cache-control"] == "private, no-cache"
    assert headers["x-robots-tag"] == "noindex, nofollow" and headers["referrer-policy"] == "no-referrer"
    status, headers2, body = get(port, path, {"If-None-Match": headers["etag"]})
    assert (status, body) == (304, b"")
    assert headers2["etag"] == headers["etag"]
    assert get(port, path, {"If-None-Match": '"something-else"'})[0] == 200


def test_plan_and_public_feeds(served: tuple[int, Store, Settings]) -> None:
    port, _, settings = served
    for name in (plan_feed_name(PLAN_003_ID), "public.ics"):
        status, headers, body = get(port, f"/{name}")
        assert status == 200, name
        assert headers["content-type"] == "text/calendar; charset=utf-8"
        assert headers["cache-control"] == "public, no-cache"
        assert body == (settings.calendar_dir / name).read_bytes()
        assert get(port, f"/{name}", {"If-None-Match": headers["etag"]})[0] == 304


def test_unknown_tokens_are_404(served: tuple[int, Store, Settings]) -> None:
    port = served[0]
    for path in (f"/u/{'A' * 32}.ics", f"/u/{'A' * 32}", "/u/short.ics", "/plans/khong-co.ics"):
        status, _, body = get(port, path)
        assert status == 404, path
        assert b"BEGIN:VCALENDAR" not in body


@pytest.mark.parametrize("path", [
    "/u/../secret.ics", "/u/%2e%2e/secret.ics", "/u/..%2fsecret.ics", "/u/notes.txt", "/u/..%5c..%5csecret.ics",
    "/secret.ics", "/plancal.db", "/calendar/public.ics",
])
def test_traversal_and_stray_files_are_404(served: tuple[int, Store, Settings], path: str) -> None:
    status, _, body = get(served[0], path)
    assert status == 404, path
    assert b"SECRET" not in body and b"secret" not in body


@pytest.mark.parametrize("path", ["/plans/../../secret.ics", "/u/%2e%2e%2f%2e%2e%2fsecret.ics", "/../secret.ics",
                                  "/plans/..%2f..%2fsecret.ics"])
def test_traversal_above_the_root_is_refused(served: tuple[int, Store, Settings], path: str) -> None:
    """nginx itself answers 400 to a path that climbs above "/" (before any location): refused, never served."""
    status, _, body = get(served[0], path)
    assert status == 400, path
    assert b"SECRET" not in body


@pytest.mark.parametrize("path", ["/", "/u/", "/plans/", "/plans", "/calendar/", "/u/?C=M;O=A"])
def test_no_directory_listing(served: tuple[int, Store, Settings], path: str) -> None:
    status, _, body = get(served[0], path)
    assert status == 404, path
    assert b".ics" not in body and b"Index of" not in body


def test_bare_u_redirects_to_the_proxied_404(served: tuple[int, Store, Settings]) -> None:
    """``location /u/`` with proxy_pass makes nginx answer "/u" with a 301 to "/u/", which is plancal's 404."""
    status, headers, body = get(served[0], "/u")
    assert status == 301 and headers["location"].endswith("/u/")
    assert b".ics" not in body
    assert get(served[0], "/u/")[0] == 404


def test_unknown_token_through_the_proxy_is_plancals_404(served: tuple[int, Store, Settings]) -> None:
    status, _, body = get(served[0], f"/u/{'B' * 40}")
    assert status == 404 and body.decode() == NOT_FOUND_BODY
