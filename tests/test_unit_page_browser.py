"""The unit's page in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by Playwright
against the web app under uvicorn. A unit opens its page from the subscribe page, records a submission
with a file; the store, the unit's feed ("[Đã xong]") and the status table change; a rotated token gets
the same 404 as an unknown one. Screenshots of the unit page and of plan 003's year page are kept in
tests/artifacts/. Fails (does not skip) under CI=true when chromium is missing."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pytest
import uvicorn

from plancal.feeds.export import export_feeds, rotate_token, unit_feed
from plancal.lifecycle.issuance import issue_file
from plancal.settings import Settings
from plancal.store import Store, open_store
from plancal.views import status_rows
from plancal.web.app import create_app
from tests.feedfixtures import free_port

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
#: headless, no sandbox (root in CI), nothing that calls out of this closed network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--metrics-recording-only", "--disable-features=Translate,MediaRouter"]
PLAN = "ag-2021-tuyen-truyen-dhtt"
UNIT = "ag-bao-an-giang"
TODAY = date(2021, 7, 15)


def _browser_or_skip() -> None:
    if Path(CHROMIUM).is_file():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is required under CI (apt-get install -y chromium; scripts/bootstrap does it)")
    pytest.skip(f"{CHROMIUM} not installed")


class Server:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.port = free_port()
        app = create_app(store, settings, today=lambda: TODAY)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    settings = replace(Settings.from_env({}), home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'p.db'}",
                       calendar_dir=tmp_path / "calendar", upload_max_bytes=200_000)
    store = open_store(settings.db_url)
    issue_file(store, ROOT / "plans" / "003-an-giang-2021.yaml")
    export_feeds(store, settings, TODAY)
    yield store, settings
    store.engine.dispose()


@pytest.fixture
def browser() -> Iterator[object]:
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _done_cells(store: Store) -> int:
    rows = [r for r in status_rows(store, PLAN, TODAY) if r["Đơn vị"] == "Báo An Giang"]
    return sum(int(str(r["Đúng hạn"] or 0)) + int(str(r["Muộn"] or 0)) for r in rows)


def test_a_unit_records_a_submission_with_a_file(world: tuple[Store, Settings], browser: object,
                                                 tmp_path: Path) -> None:
    store, settings = world
    token = store.unit_row(UNIT).feed_token  # type: ignore[union-attr]
    target = store.find_occurrence(PLAN, "bao-an-giang-bai-viet", UNIT, "2021-07")
    assert target.status == "open" and b"[\xc4\x90\xc3\xa3 xong] " not in _event(store, settings, target.uid)
    before = _done_cells(store)
    report = tmp_path / "bao-cao-thang-7.pdf"
    report.write_bytes(b"%PDF-1.4\n" + os.urandom(20_000))
    ARTIFACTS.mkdir(exist_ok=True)
    with Server(store, settings) as server:
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)  # type: ignore[attr-defined]
        page.goto(f"{server.base}/u/{token}")
        page.get_by_text("Việc cần gửi và báo đã gửi").click()
        page.wait_for_url(f"**/u/{token}/viec")
        assert page.locator("meta[name=viewport]").count() == 1
        card = page.locator(f"#viec-{target.uid}")
        assert "quá hạn" not in card.inner_text() or target.due_effective < TODAY
        page.screenshot(path=str(ARTIFACTS / "unit-page.png"), full_page=False)
        card.get_by_text("Báo đã gửi").click()
        card.locator("input[name=received]").fill("2021-07-14")
        card.locator("input[name=number]").fill("15/BC-BAG")
        card.locator("textarea[name=note]").fill("Hai bài viết về gương điển hình")
        card.locator("input[name=file]").set_input_files(str(report))
        card.get_by_role("button", name="Ghi nhận đã gửi").click()
        page.wait_for_selector("#da-ghi")
        assert "Đã ghi nhận" in page.locator("#da-ghi").inner_text()
        assert page.locator(f"#viec-{target.uid}").count() == 0  # no longer open
        page.screenshot(path=str(ARTIFACTS / "unit-page-recorded.png"), full_page=False)

        # the store
        row = store.find_occurrence(PLAN, "bao-an-giang-bai-viet", UNIT, "2021-07")
        assert row.status == "done" and row.done_on == date(2021, 7, 14)
        sub = store.submission(row.uid)
        assert sub is not None and sub.document_number == "15/BC-BAG" and sub.source == "unit"
        assert sub.file_sha256 == hashlib.sha256(report.read_bytes()).hexdigest()
        kept = settings.uploads_dir / PLAN / UNIT / sub.file_sha256
        assert kept.read_bytes() == report.read_bytes()
        assert [h.status for h in store.history(row.uid)] == ["on_time"]
        # the unit's feed, as written on disk right after the submission
        assert b"[\xc4\x90\xc3\xa3 xong] " in _event(store, settings, row.uid)
        # the status artifact's rows
        assert _done_cells(store) == before + 1
        # no route serves the file back
        with httpx.Client(base_url=server.base) as c:
            for url in (f"/uploads/{PLAN}/{UNIT}/{sub.file_sha256}", f"/u/{token}/{sub.file_sha256}",
                        f"/u/{token}/viec/{sub.file_sha256}"):
                assert c.get(url).status_code == 404

        # a rotated token: the same 404 as a token that never existed
        rotate_token(store, settings, UNIT, TODAY)
        with httpx.Client(base_url=server.base) as c:
            old, unknown = c.get(f"/u/{token}/viec"), c.get("/u/" + "A" * 32 + "/viec")
        assert old.status_code == unknown.status_code == 404 and old.content == unknown.content
        assert old.headers["content-type"] == unknown.headers["content-type"]
        page.goto(f"{server.base}/u/{token}/viec")
        assert "Không tìm thấy" in page.content()


def test_an_oversized_file_is_refused_and_nothing_is_stored(world: tuple[Store, Settings], browser: object,
                                                           tmp_path: Path) -> None:
    store, settings = world
    token = store.unit_row(UNIT).feed_token  # type: ignore[union-attr]
    target = store.find_occurrence(PLAN, "bao-an-giang-bai-viet", UNIT, "2021-07")
    big = tmp_path / "qua-lon.pdf"
    big.write_bytes(b"%PDF" + b"0" * 300_000)
    with Server(store, settings) as server:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(f"{server.base}/u/{token}/viec")
        card = page.locator(f"#viec-{target.uid}")
        card.get_by_text("Báo đã gửi").click()
        card.locator("input[name=file]").set_input_files(str(big))
        card.get_by_role("button", name="Ghi nhận đã gửi").click()
        page.wait_for_selector("#loi")
        assert "quá lớn" in page.locator("#loi").inner_text()
    assert store.find_occurrence(PLAN, "bao-an-giang-bai-viet", UNIT, "2021-07").status == "open"
    assert store.history(target.uid) == [] and not settings.uploads_dir.exists()


def test_year_page_of_plan_003(world: tuple[Store, Settings], browser: object) -> None:
    store, settings = world
    july = store.find_occurrence(PLAN, "bao-an-giang-bai-viet", UNIT, "2021-06")
    with Server(store, settings) as server:
        page = browser.new_page(viewport={"width": 1366, "height": 900})  # type: ignore[attr-defined]
        response = page.goto(f"{server.base}/plans/{PLAN}/2021")
        assert response is not None and response.status == 200
        assert page.locator("section.month").count() == 12
        june = page.locator("#thang-6").inner_text()
        assert f"{july.due_effective.day}/6" in june
        assert page.locator("#thang-6 li.t-late").count() >= 1  # nothing recorded: June's items are late on 15/07
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "year-page-003.png"), full_page=True)
        with httpx.Client(base_url=server.base) as c:
            assert c.get(f"/plans/{PLAN}/2030").status_code == 404
            assert c.get("/plans/khong-co/2021").content == c.get("/u/" + "A" * 32 + "/viec").content


def _event(store: Store, settings: Settings, uid: str) -> bytes:
    """The VEVENT of ``uid`` in the unit's feed file on disk."""
    from plancal.feeds.names import feed_path, unit_feed_name

    token = store.unit_row(UNIT).feed_token  # type: ignore[union-attr]
    data = feed_path(settings, unit_feed_name(token)).read_bytes()
    assert data == unit_feed(store, settings, UNIT, TODAY).data or uid  # the file is what the store says
    for block in data.split(b"BEGIN:VEVENT")[1:]:
        if f"UID:{uid}@plancal".encode() in block.replace(b"\r\n ", b""):
            return block.replace(b"\r\n ", b"")
    raise AssertionError(f"{uid} not in the feed")
