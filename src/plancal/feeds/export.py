"""Exporting feeds: render every calendar, write only those that changed, rotate tokens.

Each feed has a *marker*: a digest of everything its bytes are made from — the version of every row it
shows (uid, sequence, content hash, status, dates of completion and cancellation, modified_at), and a
context shared by all feeds (the plans, the unit names, the settings that reach a feed and the code
that writes them). The marker is stored with the feed (``feeds.digest``); an export reads the row
versions as plain tuples (one light query), and renders and writes only the feeds whose marker
changed or whose file is missing; after one submission, the unit's feed and the plan feed.

Before that, an export compares a *fingerprint*: one aggregate query over the rows (their number, the
sum of their sequences, the last ``modified_at``, the cancellations still shown), the tokens, the
context and the stored digests, saved (as the ``feeds`` row :data:`FINGERPRINT`) after each complete
export. When it is unchanged and the folders hold exactly the expected files, nothing is read or
rendered. Rows are never deleted and every change raises a row's sequence, so any change moves it.

A full render streams each feed into its temporary file as its events are made (a national plan feed
is tens of MB, never joined in memory); all are synced once and then renamed.

A plan feed shows every row of the plan (tens of thousands). When only a few of its rows changed and
the file on disk was written in the same context, the events whose UID, SEQUENCE and LAST-MODIFIED are
unchanged are taken from that file and only the others are rendered: every change of a row raises its
SEQUENCE (RFC 5545 asks it, clients would not notice the change otherwise), so the same three values
mean the same bytes. The result is byte for byte what a full render writes (a test checks it).

An export and a token rotation exclude each other (an ``flock`` on a lock file in the calendar folder,
across processes, and a lock across threads): an export reads the tokens, renders and writes under the
lock, so it can never write a feed under a token that a rotation revoked meanwhile.
"""

from __future__ import annotations

import fcntl
import filecmp
import hashlib
import json
import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar

from plancal.errors import FeedError, Problem
from plancal.feeds import names as _names_module
from plancal.feeds import rendering as _rendering_module
from plancal.feeds.names import PLAN_DIR, PUBLIC, UID_SUFFIX, UNIT_DIR, feed_path, plan_feed_name, unit_feed_name
from plancal.feeds.rendering import (
    _BEGIN_EVENT,
    _END,
    _END_EVENT,
    INFORMATIONAL,
    SPANNING,
    FeedBuilder,
    RenderedFeed,
    StreamedFeed,
)
from plancal.schedule.occurrence import KINDS
from plancal.settings import Settings
from plancal.store import PlanRow, Store


@dataclass(frozen=True)
class ExportResult:
    written: int
    unchanged: int
    removed: int

    @property
    def total(self) -> int:
        return self.written + self.unchanged


# -- files ----------------------------------------------------------------------------------
def _write_temp(path: Path, data: bytes | Iterable[bytes]) -> tuple[Path, int]:
    """A temporary file next to ``path`` (in a folder that exists) holding ``data`` (or its chunks,
    written as they come), readable by the web server; and its size."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb", buffering=1 << 18) as fh:
            os.fchmod(fd, 0o644)  # served by nginx; mkstemp creates 0600
            if isinstance(data, bytes):
                fh.write(data)
            else:
                fh.writelines(data)
            size = fh.tell()
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp), size


class _Batch:
    """Many atomic writes with one flush to disk: every temporary file is written, then ``os.sync()``
    once, then each is renamed over its target. A reader sees each file old or new, never half
    written, and after a crash no renamed file can be empty (its data reached the disk first)."""

    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path]] = []
        self._folders: set[Path] = set()  # made (or found) already: one mkdir per folder, not per file

    def _temp(self, path: Path, data: bytes | Iterable[bytes]) -> tuple[Path, int]:
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        return _write_temp(path, data)

    def add(self, path: Path, data: bytes) -> None:
        self.pending.append((self._temp(path, data)[0], path))

    def add_stream(self, path: Path, chunks: Iterable[bytes]) -> bool:
        """Write the chunks to a temporary file; False (and nothing pending) if ``path`` holds them already."""
        tmp, size = self._temp(path, chunks)
        try:
            same = path.stat().st_size == size and filecmp.cmp(tmp, path, shallow=False)
        except OSError:
            same = False
        if same:
            tmp.unlink()
            return False
        self.pending.append((tmp, path))
        return True

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
        try:
            with os.scandir(root / folder) as entries:  # one listing; a file's type comes with its name
                names.update(f"{folder}/{e.name}" for e in entries
                             if e.name.endswith(".ics") and not e.name.startswith(".") and e.is_file())
        except (FileNotFoundError, NotADirectoryError):
            pass
    if (root / PUBLIC).is_file():
        names.add(PUBLIC)
    return names


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def publish(store: Store, settings: Settings, feeds: Iterable[RenderedFeed | StreamedFeed], *, prune: bool,
            expected: Iterable[str] = (), digests: dict[str, str] | None = None) -> ExportResult:
    """Write the feeds whose bytes differ from their file (or whose file is missing) and remember each
    one's marker (or, for a feed without one, the digest of its bytes). With ``prune``, delete feed
    files and digests that are neither among ``feeds`` nor ``expected`` (a rotated token's old file,
    for one)."""
    with feeds_locked(settings):
        return _publish(store, settings, feeds, prune=prune, expected=expected, digests=digests)


def _publish(store: Store, settings: Settings, feeds: Iterable[RenderedFeed | StreamedFeed], *, prune: bool,
             expected: Iterable[str] = (), digests: dict[str, str] | None = None) -> ExportResult:
    if digests is None:
        digests = store.feed_digests()
    written: dict[str, str] = {}
    remember: dict[str, str] = {}
    expected = set(expected)
    unchanged = 0
    batch = _Batch()
    try:
        for feed in feeds:
            expected.add(feed.name)
            path = feed_path(settings, feed.name)
            if isinstance(feed, StreamedFeed):  # always with a marker: only the export streams
                assert feed.marker is not None
                if digests.get(feed.name) == feed.marker and path.is_file():
                    unchanged += 1
                elif batch.add_stream(path, feed.chunks):
                    written[feed.name] = feed.marker
                else:
                    unchanged += 1
                    remember[feed.name] = feed.marker
                continue
            key = feed.marker or feed.digest
            if digests.get(feed.name) == key and path.is_file():
                unchanged += 1
                continue
            if _same_bytes(path, feed.data):
                unchanged += 1
                remember[feed.name] = key
                continue
            batch.add(path, feed.data)
            written[feed.name] = key
        batch.commit()
    finally:
        batch.discard()
    if written or remember:
        store.save_feed_digests({**remember, **written}, _now())
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


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def builder(store: Store, settings: Settings, today: date) -> FeedBuilder:
    return FeedBuilder(store.unit_tokens(), store.plans(), store.occurrence_facts(), settings, today)


# -- markers ----------------------------------------------------------------------------------
def _code_digest() -> str:
    """The code that writes feed bytes: a new version of it (or of icalendar) changes every marker."""
    h = hashlib.sha256(icalendar.__version__.encode())
    for module in (_rendering_module, _names_module):
        h.update(Path(module.__file__ or "").read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


_CODE = _code_digest()


#: positions in a row version (see ``Store.occurrence_versions``)
_UID, _PLAN, _KIND, _UNIT, _AUDIENCE, _STATUS, _CANCELLED_ON, _SEQUENCE, _HASH, _DONE_ON, _MODIFIED, _START, _DUE = range(13)


def _date(value: date | str) -> date:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _list(value: list[str] | str | None) -> list[str]:
    if isinstance(value, str):
        return json.loads(value) or []
    return value or []


def _row_token(v: Sequence[Any]) -> str:
    return f"{v[_UID]}|{v[_SEQUENCE]}|{v[_HASH]}|{v[_STATUS]}|{v[_DONE_ON]}|{v[_CANCELLED_ON]}|{v[_MODIFIED]}"


def _version_sort_key(v: Sequence[Any]) -> tuple[date, int, str, str]:
    """The order of :func:`plancal.feeds.rendering._sort_key`, from a row version."""
    kind = v[_KIND]
    return v[_START] if kind in SPANNING else v[_DUE], _KIND_ORDER.get(kind, len(KINDS)), v[_UNIT] or "", v[_UID]


_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}


def feed_context(units: Sequence[tuple[str, str, str]], plans: Sequence[PlanRow], settings: Settings) -> str:
    """What every feed is made from besides its rows: the code, the settings that reach a feed, the
    plans and the unit names."""
    context = (_CODE, settings.timezone, settings.cancelled_keep_days,
               [(p.id, p.number, p.title, p.issued, p.revision_date, p.period_start, p.period_end,
                 sorted(p.recipients or ()), p.revision, p.digest) for p in plans],
               [(uid, name) for uid, name, _ in units])
    return hashlib.sha256(repr(context).encode()).hexdigest()[:16]


#: the ``feeds`` row holding the fingerprint of the last complete export (no feed file has this name)
FINGERPRINT = ".export"


def _fingerprint(store: Store, settings: Settings, today: date, units: Sequence[tuple[str, str, str]],
                 plans: Sequence[PlanRow]) -> str:
    """Everything an export's files depend on, from one aggregate query: the context, every feed's name
    (the tokens), and the rows' summary (any added or changed row, or an expired cancellation, moves it)."""
    summary = store.occurrence_summary(today - timedelta(days=settings.cancelled_keep_days))
    h = hashlib.sha256(repr(([token for _, _, token in units], summary)).encode())
    return feed_context(units, plans, settings) + h.hexdigest()


def _sealed(fingerprint: str, digests: dict[str, str]) -> str:
    """The fingerprint with what the ``feeds`` table says of each file: a digest saved by anything but
    an export (a single feed written, a rotation) makes the next export look at every marker."""
    h = hashlib.sha256(fingerprint.encode())
    for name in sorted(digests):
        if name != FINGERPRINT:
            h.update(f"{name}\x00{digests[name]}\x00".encode())
    return fingerprint[:16] + h.hexdigest()[:48]


def _feed_names(units: Sequence[tuple[str, str, str]], plans: Sequence[PlanRow]) -> set[str]:
    return {PUBLIC, *(plan_feed_name(p.id) for p in plans), *(unit_feed_name(token) for _, _, token in units)}


class FeedIndex:
    """Which rows each feed shows and the marker of each feed, from row versions alone (no rendering)."""

    def __init__(self, units: Sequence[tuple[str, str, str]], plans: Sequence[PlanRow],
                 versions: Iterable[Sequence[Any]], settings: Settings, today: date) -> None:
        """``units``: (id, name, feed token) of every unit, in the order of ``Store.unit_rows``."""
        self.context = feed_context(units, plans, settings)
        keep = timedelta(days=settings.cancelled_keep_days)
        self.by_plan: dict[str, list[Sequence[Any]]] = defaultdict(list)
        actionable: dict[str, list[str]] = defaultdict(list)
        informational: dict[str, list[str]] = defaultdict(list)
        plan_tokens: dict[str, list[str]] = defaultdict(list)
        plans_of: dict[str, set[str]] = defaultdict(set)
        for p in plans:
            for u in p.recipients or ():
                plans_of[u].add(p.id)
        for v in versions:
            if v[_STATUS] == "cancelled" and (v[_CANCELLED_ON] is None or today > _date(v[_CANCELLED_ON]) + keep):
                continue
            token = _row_token(v)
            self.by_plan[v[_PLAN]].append(v)
            plan_tokens[v[_PLAN]].append(token)
            if v[_KIND] in INFORMATIONAL:
                informational[v[_PLAN]].append(token)
                for u in _list(v[_AUDIENCE]):
                    plans_of[u].add(v[_PLAN])
                continue
            if v[_UNIT]:
                actionable[v[_UNIT]].append(token)
            if v[_KIND] == "conference":
                for u in dict.fromkeys(_list(v[_AUDIENCE])):
                    if u != v[_UNIT]:
                        actionable[u].append(token)
        info_digest = {pid: self._digest("info", pid, tokens) for pid, tokens in informational.items()}
        self.markers: dict[str, str] = {
            PUBLIC: self._digest("public", *(info_digest[p.id] for p in plans if p.id in info_digest))}
        for p in plans:
            self.markers[plan_feed_name(p.id)] = self._digest("plan", p.id, plan_tokens.get(p.id, []))
        for uid, _, token in units:
            infos = sorted(info_digest[pid] for pid in plans_of.get(uid, ()) if pid in info_digest)
            self.markers[unit_feed_name(token)] = self._digest("unit", uid, actionable.get(uid, []), *infos)
        self.unit_ids = {unit_feed_name(token): uid for uid, _, token in units}
        self.plan_ids = {plan_feed_name(p.id): p.id for p in plans}

    def _digest(self, *parts: object) -> str:
        h = hashlib.sha256()
        for part in parts:
            if isinstance(part, list):
                part.sort()
                h.update("\n".join(part).encode())
            else:
                h.update(str(part).encode())
            h.update(b"\x00")
        return self.context + h.hexdigest()[:48]

    def same_context(self, marker: str | None) -> bool:
        return marker is not None and marker.startswith(self.context)


#: above this many feeds to render, all rows are read at once (the first export, a renamed unit)
_FEW = 64


def _old_events(data: bytes) -> tuple[bytes, dict[bytes, bytes]] | None:
    """A feed file's head (calendar properties and time zone) and its events by UID; None if it is not
    a feed as this module writes them."""
    if not data.endswith(_END):
        return None
    chunks = data[: -len(_END)].split(_BEGIN_EVENT)
    events: dict[bytes, bytes] = {}
    for chunk in chunks[1:]:
        if not chunk.endswith(_END_EVENT):
            return None
        # a short line (a 40-character uid), never folded
        start = chunk.find(b"\r\nUID:") + 6
        if start < 6:
            return None
        events[chunk[start:chunk.index(b"\r\n", start)]] = chunk
    return chunks[0], events


def _reusable(events: dict[bytes, bytes], v: Sequence[Any]) -> bytes | None:
    """The old event of this row version if its UID, SEQUENCE and LAST-MODIFIED are the row's."""
    uid, sequence, modified = _event_key(v)
    chunk = events.get(uid)
    if chunk is None or b"\r\nSEQUENCE:" + sequence + b"\r\n" not in chunk \
            or b"\r\nLAST-MODIFIED:" + modified + b"\r\n" not in chunk:
        return None
    return _BEGIN_EVENT + chunk


def _event_key(v: Sequence[Any]) -> tuple[bytes, bytes, bytes]:
    m = v[_MODIFIED]
    if isinstance(m, str) and len(m) >= 19:  # SQLite's ISO text: cut, not parsed (tens of thousands of rows)
        stamp = f"{m[0:4]}{m[5:7]}{m[8:10]}T{m[11:13]}{m[14:16]}{m[17:19]}Z"
    else:
        stamp = f"{datetime.fromisoformat(m) if isinstance(m, str) else m:%Y%m%dT%H%M%S}Z"
    return (f"{v[_UID]}{UID_SUFFIX}".encode(), str(v[_SEQUENCE]).encode(), stamp.encode())


def _render_few(store: Store, settings: Settings, today: date, index: FeedIndex, units: Sequence[tuple[str, str, str]],
                plans: Sequence[PlanRow], dirty: Sequence[str], digests: dict[str, str]) -> list[RenderedFeed]:
    """Render a few feeds, reading only the rows they show; a plan feed reuses its file's unchanged events."""
    unit_ids = [index.unit_ids[n] for n in dirty if n in index.unit_ids]
    spliced: dict[str, tuple[bytes, list[bytes | Sequence[Any]]]] = {}
    missing: set[str] = set()
    for name in dirty:
        plan_id = index.plan_ids.get(name)
        if plan_id is None or not index.same_context(digests.get(name)):
            continue
        try:
            old = _old_events(feed_path(settings, name).read_bytes())
        except OSError:
            old = None
        if old is None:
            continue
        head, events = old
        kept = sorted(index.by_plan.get(plan_id, ()), key=_version_sort_key)
        parts: list[bytes | Sequence[Any]] = []
        for v in kept:
            data = _reusable(events, v)
            if data is None:
                missing.add(v[_UID])
                parts.append(v)
            else:
                parts.append(data)
        spliced[name] = (head, parts)
    whole_plans = [n for n in dirty if n in index.plan_ids and n not in spliced]
    if whole_plans:
        rows = store.occurrence_facts()
    else:  # the rows of these units, those that reach many feeds, and the plan feeds' changed rows
        rows = store.occurrence_facts(uids=missing, unit_ids=unit_ids, kinds=("conference", *INFORMATIONAL))
    by_uid = {r.uid: r for r in rows}
    # only the units whose feeds are rendered, and every unit's name (events name other units)
    b = FeedBuilder([u for u in map(store.unit_row, unit_ids) if u is not None], plans, rows, settings, today)
    b.renderer.unit_names.update({uid: name for uid, name, _ in units})
    out: list[RenderedFeed] = []
    for name in dirty:
        if name in spliced:
            head, parts = spliced[name]
            body = [p if isinstance(p, bytes) else b.renderer.render(by_uid[str(p[_UID])], "plan") for p in parts]
            out.append(RenderedFeed(name, b"".join((head, *body, _END)), index.markers[name]))
    rest = set(dirty) - set(spliced)
    out.extend(RenderedFeed(f.name, f.data, index.markers[f.name]) for f in b.feeds(rest))
    return out


def export_feeds(store: Store, settings: Settings, today: date) -> ExportResult:
    """Write every feed (public, one per plan, one per unit) under ``settings.calendar_dir``: only those
    whose marker changed are rendered, and only those whose bytes changed are written. The tokens are read
    under the lock, so a rotation cannot slip in between reading and writing."""
    with feeds_locked(settings):
        return _export(store, settings, today)


def _export(store: Store, settings: Settings, today: date) -> ExportResult:
    plans = store.plans()
    units = store.unit_tokens()
    # taken before the rows are read: a change made meanwhile leaves the next export to find it
    fingerprint = _fingerprint(store, settings, today, units, plans)
    digests = store.feed_digests()
    if digests.get(FINGERPRINT) == _sealed(fingerprint, digests):
        names = _feed_names(units, plans)
        if _existing_feed_files(settings) == names:  # nothing changed, nothing missing, no stray file
            return ExportResult(0, len(names), 0)
    index = FeedIndex(units, plans, store.occurrence_versions(), settings, today)
    existing = _existing_feed_files(settings)
    dirty = [name for name, marker in index.markers.items() if digests.get(name) != marker or name not in existing]
    clean = len(index.markers) - len(dirty)
    if not dirty:
        feeds: Iterable[RenderedFeed | StreamedFeed] = ()
    elif len(dirty) > _FEW:
        index.by_plan.clear()  # only the few-feeds path splices plan feeds: free the row versions
        b = FeedBuilder(units, plans, store.occurrence_facts(), settings, today)
        feeds = (StreamedFeed(f.name, f.chunks, index.markers[f.name]) for f in b.streams(set(dirty)))
    else:
        feeds = _render_few(store, settings, today, index, units, plans, dirty, digests)
    result = publish(store, settings, feeds, prune=True, expected=[*index.markers, FINGERPRINT], digests=digests)
    store.save_feed_digests({FINGERPRINT: _sealed(fingerprint, store.feed_digests())}, _now())
    return ExportResult(result.written, result.unchanged + clean, result.removed)


def unit_feed(store: Store, settings: Settings, unit_id: str, today: date) -> RenderedFeed:
    """One unit's feed, reading only the rows it can contain."""
    unit = store.unit_row(unit_id)
    if unit is None:
        raise FeedError([Problem(f"không có đơn vị '{unit_id}'", field="unit", hint="xem 'plancal units list'")])
    rows = store.occurrence_facts(unit_ids=[unit_id], kinds=("conference", *INFORMATIONAL))
    b = FeedBuilder([unit], store.plans(), rows, settings, today)
    b.renderer.unit_names.update({uid: name for uid, name, _ in store.unit_tokens()})
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
