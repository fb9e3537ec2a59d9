"""Exporting feeds: render every calendar, write only those that changed, rotate tokens.

An export and a token rotation exclude each other (an ``flock`` on a lock file in the calendar folder,
across processes, and a lock across threads): an export reads the tokens, renders and writes under the
lock, so it can never write a feed under a token that a rotation revoked meanwhile.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from plancal.errors import FeedError, Problem
from plancal.feeds.names import PLAN_DIR, PUBLIC, UNIT_DIR, feed_path, unit_feed_name
from plancal.feeds.rendering import INFORMATIONAL, FeedBuilder, RenderedFeed
from plancal.settings import Settings
from plancal.store import Store


@dataclass(frozen=True)
class ExportResult:
    written: int
    unchanged: int
    removed: int

    @property
    def total(self) -> int:
        return self.written + self.unchanged


# -- files ----------------------------------------------------------------------------------
def _write_temp(path: Path, data: bytes) -> Path:
    """A temporary file next to ``path`` holding ``data`` (readable by the web server)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # served by nginx; mkstemp creates 0600
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


class _Batch:
    """Many atomic writes with one flush to disk: every temporary file is written, then ``os.sync()``
    once, then each is renamed over its target. A reader sees each file old or new, never half
    written, and after a crash no renamed file can be empty (its data reached the disk first)."""

    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path]] = []

    def add(self, path: Path, data: bytes) -> None:
        self.pending.append((_write_temp(path, data), path))

    def commit(self) -> None:
        if self.pending:
            os.sync()
        for tmp, path in self.pending:
            os.replace(tmp, path)  # a failure leaves the rest to discard(): renamed ones are gone already
        self.pending.clear()

    def discard(self) -> None:
        for tmp, _ in self.pending:
            tmp.unlink(missing_ok=True)
        self.pending.clear()


#: the lock file in the calendar folder (not a feed: the exporter only looks at *.ics files)
LOCK_NAME = ".plancal-export.lock"
_thread_lock = threading.RLock()
_depth = 0


@contextmanager
def feeds_locked(settings: Settings) -> Iterator[None]:
    """Hold the calendar folder: one export or rotation at a time, across threads and processes.
    Re-entrant within a thread (a rotation writes the unit's feed under the lock it holds)."""
    global _depth
    with _thread_lock:
        if _depth:
            _depth += 1
            try:
                yield
            finally:
                _depth -= 1
            return
        settings.calendar_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(settings.calendar_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _depth = 1
            try:
                yield
            finally:
                _depth = 0
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _existing_feed_files(settings: Settings) -> set[str]:
    root = settings.calendar_dir
    names: set[str] = set()
    for folder in (UNIT_DIR, PLAN_DIR):
        if (root / folder).is_dir():
            names.update(f"{folder}/{p.name}" for p in (root / folder).glob("*.ics"))
    if (root / PUBLIC).is_file():
        names.add(PUBLIC)
    return names


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def publish(store: Store, settings: Settings, feeds: Iterable[RenderedFeed], *, prune: bool) -> ExportResult:
    """Write the feeds whose digest changed (or whose file is missing). With ``prune``, delete feed
    files and digests that are not among ``feeds`` (a rotated token's old file, for one). The caller
    should hold :func:`feeds_locked` from before it read the tokens it rendered the feeds with."""
    with feeds_locked(settings):
        return _publish(store, settings, feeds, prune=prune)


def _publish(store: Store, settings: Settings, feeds: Iterable[RenderedFeed], *, prune: bool) -> ExportResult:
    digests = store.feed_digests()
    written: dict[str, str] = {}
    expected: set[str] = set()
    unchanged = 0
    batch = _Batch()
    try:
        for feed in feeds:
            expected.add(feed.name)
            digest = feed.digest
            path = feed_path(settings, feed.name)
            if digests.get(feed.name) == digest and path.is_file():
                unchanged += 1
                continue
            batch.add(path, feed.data)
            written[feed.name] = digest
        batch.commit()
    finally:
        batch.discard()
    if written:
        store.save_feed_digests(written, _now())
    removed = 0
    if prune:
        stale = _existing_feed_files(settings) - expected
        for name in sorted(stale):
            feed_path(settings, name).unlink(missing_ok=True)
            removed += 1
        forget = (set(digests) - expected) | stale
        if forget:
            store.forget_feeds(forget)
    return ExportResult(len(written), unchanged, removed)


def builder(store: Store, settings: Settings, today: date) -> FeedBuilder:
    return FeedBuilder(store.unit_rows(), store.plans(), store.occurrences(include_cancelled=True), settings, today)


def export_feeds(store: Store, settings: Settings, today: date) -> ExportResult:
    """Write every feed (public, one per plan, one per unit) under ``settings.calendar_dir``; the tokens
    are read under the lock, so a rotation cannot slip in between reading and writing."""
    with feeds_locked(settings):
        return publish(store, settings, builder(store, settings, today).feeds(), prune=True)


def unit_feed(store: Store, settings: Settings, unit_id: str, today: date) -> RenderedFeed:
    """One unit's feed, reading only the rows it can contain."""
    unit = store.unit_row(unit_id)
    if unit is None:
        raise FeedError([Problem(f"không có đơn vị '{unit_id}'", field="unit", hint="xem 'plancal units list'")])
    rows = {r.uid: r for r in store.occurrences(unit_id=unit_id, include_cancelled=True)}
    for r in store.occurrences(kinds=("conference", *INFORMATIONAL), include_cancelled=True):
        rows.setdefault(r.uid, r)
    b = FeedBuilder([unit], store.plans(), rows.values(), settings, today)
    b.renderer.unit_names.update({u.id: u.name for u in store.unit_rows()})
    return b.unit_feed(unit)


def write_unit_feed(store: Store, settings: Settings, unit_id: str, today: date) -> RenderedFeed:
    with feeds_locked(settings):
        feed = unit_feed(store, settings, unit_id, today)
        publish(store, settings, [feed], prune=False)
    return feed


def rotate_token(store: Store, settings: Settings, unit_id: str, today: date) -> str:
    """Give a unit a new feed token. The old address stops working at once: its file is renamed to
    the new address in one step (or, if it was never written, the new one is written now). Waits for an
    export under way, which would otherwise write the old address back."""
    with feeds_locked(settings):
        return _rotate(store, settings, unit_id, today)


def _rotate(store: Store, settings: Settings, unit_id: str, today: date) -> str:
    old = store.unit_row(unit_id)
    if old is None:
        raise FeedError([Problem(f"không có đơn vị '{unit_id}'", field="unit", hint="xem 'plancal units list'")])
    old_name = unit_feed_name(old.feed_token)
    token = store.rotate_token(unit_id)
    new_name = unit_feed_name(token)
    old_path, new_path = feed_path(settings, old_name), feed_path(settings, new_name)
    try:
        os.replace(old_path, new_path)
    except FileNotFoundError:
        pass
    else:
        digest = store.feed_digests().get(old_name)
        if digest:
            store.save_feed_digests({new_name: digest}, _now())
    store.forget_feeds({old_name})
    write_unit_feed(store, settings, unit_id, today)
    return token
