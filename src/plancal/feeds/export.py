"""Exporting feeds: render the calendars whose rows changed, write only those whose bytes changed, rotate tokens.

Every insert or change of an occurrence row takes the next *change number* of the store
(``OccurrenceRow.change_number``). After each complete export the store keeps what its files were made
from (:class:`plancal.store.FeedExport`): the *context* shared by all feeds (the plans, the unit names,
the settings that reach a feed and the code that writes them), the change number read before any row
and the day (cancelled rows leave the feeds some days after their cancellation). Each feed's row in
``feeds`` holds its *marker*, which starts with the context it was written in. The next export in the
same context reads only the rows changed since (one indexed query) and the cancellations that expired
or came back between the two days:

- none, and the folders hold exactly the expected files: nothing is read or rendered;
- only rows of units' own deadlines (not a conference, theme or anniversary, whose lists of units may
  have changed): it renders the plan feeds and the unit feeds of those rows, the missing files and the
  feeds something else wrote (a unit's feed written after its web form, whose digest is not a marker);
- otherwise (or in another context, or after no export yet) every row's version is read (one light
  query) and each feed's marker (a digest of the versions of the rows it shows and of the context) is
  compared with the stored one.

A plan feed shows every row of the plan (tens of thousands, tens of MB). When few of its rows changed
since its file was written in the same context, the file is not split nor rendered again: the old
events of the changed rows are found by their UID (one pass), their new events are rendered and put
at their place in the feed's order (a binary search over the file, reading the keys of a few rows), and
the rest of the file is written as it is. The result is byte for byte what a full render writes (tests
check it).

A full render streams each feed into its temporary file as its events are made (a national plan feed
is tens of MB, never joined in memory); all are synced once and then renamed.

An export and a token rotation exclude each other (an ``flock`` on a lock file in the calendar folder,
across processes, and a lock across threads): an export reads the tokens, renders and writes under the
lock, so it can never write a feed under a token that a rotation revoked meanwhile.
"""

from __future__ import annotations

import fcntl
import filecmp
import hashlib
import mmap
import os
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import icalendar

from plancal.collector import collector_paused
from plancal.errors import FeedError, Problem
from plancal.feeds import names as _names_module
from plancal.feeds import rendering as _rendering_module
from plancal.feeds.names import PLAN_DIR, PUBLIC, UID_SUFFIX, UNIT_DIR, feed_path, plan_feed_name, unit_feed_name
from plancal.feeds.rendering import (
    _BEGIN_EVENT,
    _END,
    _END_EVENT,
    INFORMATIONAL,
    EventRenderer,
    FeedBuilder,
    RenderedFeed,
    StreamedFeed,
    _sort_key,
    cancelled_kept,
)
from plancal.settings import Settings
from plancal.store import FeedExport, OccurrenceFacts, PlanRow, Store, UnitToken, json_list


@dataclass(frozen=True)
class ExportResult:
    written: int
    unchanged: int
    removed: int

    @property
    def total(self) -> int:
        return self.written + self.unchanged


# -- files ----------------------------------------------------------------------------------
def _temp_path(path: Path) -> Path:
    """The temporary file of ``path``: beside it, hidden from the exporter and from nginx's listing. One
    name per feed (not a random one per write): writers hold the export lock, and a file a crash left
    behind is overwritten by the next write instead of staying forever."""
    return path.with_name(f".{path.name}.tmp")


def _write_temp(path: Path, data: bytes | Iterable[bytes]) -> tuple[Path, int]:
    """The temporary file of ``path`` (in a folder that exists) holding ``data`` (or its chunks, written
    as they come), readable by the web server; and its size. A spliced feed's old file is closed, whatever
    happens."""
    tmp = _temp_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb", buffering=1 << 18) as fh:
            os.fchmod(fd, 0o644)  # served by nginx, whatever the umask
            if isinstance(data, _Spliced):
                data.write_to(fd)  # on the descriptor: nothing goes through fh
                size = os.fstat(fd).st_size
            elif isinstance(data, bytes):
                size = fh.write(data)
            else:
                fh.writelines(data)
                size = fh.tell()
    except BaseException:
        tmp.unlink(missing_ok=True)
        if isinstance(data, _Spliced):
            data.close()
        raise
    return tmp, size


#: up to this many files, a batch flushes each to disk (``fdatasync``) rather than all of the system's
#: dirty pages (``os.sync``), which may be other programs' hundreds of MB
_SYNCED_ONE_BY_ONE = 16


class _Batch:
    """Many atomic writes with one flush to disk: every temporary file is written, then ``os.sync()``
    once (or, for a few, ``fdatasync`` of each), then each is renamed over its target. A reader sees each
    file old or new, never half written, and after a crash no renamed file can be empty (its data reached
    the disk first).

    The files are written as the feeds are rendered, in the caller's thread: a writer thread would
    wait for the GIL after each of its system calls while the renderer holds it (measured: 15-20%
    slower than this on a national export)."""

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
        if len(self.pending) > _SYNCED_ONE_BY_ONE:
            os.sync()  # one flush of everything: thousands of files at once
        else:
            for tmp, _ in self.pending:  # a few files: theirs alone, not every dirty page
                fd = os.open(tmp, os.O_RDONLY | os.O_CLOEXEC)
                try:
                    os.fdatasync(fd)
                finally:
                    os.close(fd)
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
            expected: Iterable[str] = (), digests: dict[str, str] | None = None,
            existing: set[str] | None = None) -> ExportResult:
    """Write the feeds whose bytes differ from their file (or whose file is missing) and remember each
    one's marker (or, for a feed without one, the digest of its bytes). With ``prune``, delete feed
    files and digests that are neither among ``feeds`` nor ``expected`` (a rotated token's old file,
    for one); ``existing``: the feed files there before, if the caller listed them under the lock."""
    with feeds_locked(settings):
        return _publish(store, settings, feeds, prune=prune, expected=expected, digests=digests, existing=existing)


def _publish(store: Store, settings: Settings, feeds: Iterable[RenderedFeed | StreamedFeed], *, prune: bool,
             expected: Iterable[str] = (), digests: dict[str, str] | None = None,
             existing: set[str] | None = None) -> ExportResult:
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
        # what was there and is not expected: every file written here is expected
        stale = (_existing_feed_files(settings) if existing is None else existing) - expected
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


def _row_token(v: Sequence[Any]) -> str:
    """What of a row version makes its events' bytes, the same text whether the version came from the
    driver (dates as ISO text on SQLite) or from :class:`OccurrenceFacts` (typed): a feed shows its
    ``modified_at`` to the second."""
    return f"{v[_UID]}|{v[_SEQUENCE]}|{v[_HASH]}|{v[_STATUS]}|{v[_DONE_ON]}|{v[_CANCELLED_ON]}|{str(v[_MODIFIED])[:19]}"


def _version(r: OccurrenceFacts) -> tuple[Any, ...]:
    """A row's version (see ``Store.occurrence_versions``) from its facts, already read."""
    return (r.uid, r.plan_id, r.kind, r.unit_id, r.audience, r.status, r.cancelled_on, r.sequence, r.content_hash,
            r.done_on, r.modified_at, r.window_start, r.due_effective)


def feed_context(units: Sequence[tuple[str, str, str]], plans: Sequence[PlanRow], settings: Settings) -> str:
    """What every feed is made from besides its rows: the code, the settings that reach a feed, the
    plans and the unit names."""
    context = (_CODE, settings.timezone, settings.cancelled_keep_days,
               [(p.id, p.number, p.title, p.issued, p.revision_date, p.period_start, p.period_end,
                 sorted(p.recipients or ()), p.revision, p.digest) for p in plans],
               [(uid, name) for uid, name, _ in units])
    return hashlib.sha256(repr(context).encode()).hexdigest()[:16]


def _feed_names(units: Sequence[tuple[str, str, str]], plans: Sequence[PlanRow]) -> set[str]:
    return {PUBLIC, *(plan_feed_name(p.id) for p in plans), *(unit_feed_name(token) for _, _, token in units)}


def _expiring(before: date, today: date, keep_days: int) -> tuple[date, date] | None:
    """The cancellation days (from, before) of the cancelled rows shown on one of the two days and not
    on the other (a cancelled row is shown for ``keep_days`` after its cancellation)."""
    if before == today:
        return None
    first, last = sorted((before, today))
    keep = timedelta(days=keep_days)
    return first - keep, last - keep


#: the kinds of rows whose feeds depend on lists of units an amendment may change (a conference's
#: audience, the units a theme reaches): when one changed, every feed's marker is compared
_REACHING = ("conference", *INFORMATIONAL)


def _changed_marker(context: str, name: str, change_number: int, today: date) -> str:
    """The marker of a feed rendered because some of its rows changed, without the versions of all of
    them: unique to the export (a later comparison of markers renders the feed again)."""
    return context + hashlib.sha256(f"{name}\x00{change_number}\x00{today}".encode()).hexdigest()[:48]


class FeedIndex:
    """Which rows each feed shows and the marker of each feed, from row versions alone (no rendering)."""

    def __init__(self, units: Sequence[tuple[str, str, str]], plans: Sequence[PlanRow],
                 versions: Iterable[Sequence[Any]], settings: Settings, today: date) -> None:
        """``units``: (id, name, feed token) of every unit, in the order of ``Store.unit_rows``."""
        self.context = feed_context(units, plans, settings)
        keep = timedelta(days=settings.cancelled_keep_days)
        actionable: dict[str, list[str]] = defaultdict(list)
        informational: dict[str, list[str]] = defaultdict(list)
        plan_tokens: dict[str, list[str]] = defaultdict(list)
        plans_of: dict[str, set[str]] = defaultdict(set)
        for p in plans:
            for u in p.recipients or ():
                plans_of[u].add(p.id)
        # (plan, audience) of the themes and anniversaries: a plan's themes mostly share one audience
        # (every unit of the country), added to the units once rather than once per row
        reached: set[tuple[str, str | tuple[str, ...] | None]] = set()
        for v in versions:
            if v[_STATUS] == "cancelled" and (v[_CANCELLED_ON] is None or today > _date(v[_CANCELLED_ON]) + keep):
                continue
            token = _row_token(v)
            plan_tokens[v[_PLAN]].append(token)
            if v[_KIND] in INFORMATIONAL:
                informational[v[_PLAN]].append(token)
                audience = v[_AUDIENCE]
                reached.add((v[_PLAN], audience if audience is None or isinstance(audience, str) else tuple(audience)))
                continue
            if v[_UNIT]:
                actionable[v[_UNIT]].append(token)
            if v[_KIND] == "conference":
                for u in dict.fromkeys(json_list(v[_AUDIENCE])):
                    if u != v[_UNIT]:
                        actionable[u].append(token)
        for plan_id, audience in reached:
            for u in json_list(audience):
                plans_of[u].add(plan_id)
        info_digest = {pid: self._digest("info", pid, tokens) for pid, tokens in informational.items()}
        self.markers: dict[str, str] = {
            PUBLIC: self._digest("public", *(info_digest[p.id] for p in plans if p.id in info_digest))}
        for p in plans:
            self.markers[plan_feed_name(p.id)] = self._digest("plan", p.id, plan_tokens.get(p.id, []))
        for uid, _, token in units:
            infos = sorted(info_digest[pid] for pid in plans_of.get(uid, ()) if pid in info_digest)
            self.markers[unit_feed_name(token)] = self._digest("unit", uid, actionable.get(uid, []), *infos)

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


#: above this many feeds to render, all rows are read at once (the first export, a renamed unit)
_FEW = 64

#: above this many changed rows of a plan, its feed is rendered whole rather than spliced (each changed
#: row costs the keys of its neighbours, read by uid)
_SPLICED = 256

# -- splicing a plan feed ----------------------------------------------------------------------------
#: an event's first and last line with the line break before it: a TEXT value holds no bare line
#: break and a folded line goes on with a space, so these are found only where an event starts or ends
_EVENT_LINE = b"\r\n" + _BEGIN_EVENT
_EVENT_END = b"\r\n" + _END_EVENT
_UID_LINE = b"\r\nUID:"
_SortKey = tuple[date, int, str, str]


class _NotOurs(Exception):
    """A feed file that is not what this module wrote for the rows it is spliced with."""


#: a range (start, stop) of the bytes of the file being spliced
_Span = tuple[int, int]


class _Spliced(Iterator[bytes]):
    """A spliced feed: spans of the file it replaces and the new events between them. Written to a file
    (:meth:`write_to`), the spans are copied by the kernel (``copy_file_range``: tens of MB never pass
    through Python); read as an iterator, they are read. The old file is closed when done."""

    def __init__(self, source: BinaryIO, parts: list[bytes | _Span]) -> None:
        self._source = source
        self._parts = parts
        self._read = self._chunks()

    def __next__(self) -> bytes:
        return next(self._read)

    def close(self) -> None:
        self._source.close()

    def _chunks(self) -> Iterator[bytes]:
        try:
            for part in self._parts:
                yield part if isinstance(part, bytes) else os.pread(self._source.fileno(), part[1] - part[0], part[0])
        finally:
            self._source.close()

    def write_to(self, fd: int) -> None:
        """Write every part at the position of ``fd`` (a regular file)."""
        src = self._source.fileno()
        try:
            for part in self._parts:
                if isinstance(part, bytes):
                    _write_all(fd, part)
                    continue
                start, stop = part
                while start < stop:
                    try:
                        copied = os.copy_file_range(src, fd, stop - start, start)
                    except OSError:  # a file system that cannot (another device, an old kernel)
                        copied = 0
                    if not copied:  # read and write what is left of the span
                        _write_all(fd, os.pread(src, stop - start, start))
                        break
                    start += copied
        finally:
            self._source.close()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _spliced(path: Path, changed: Iterable[str], events: Iterable[tuple[_SortKey, bytes]],
             key_of: Callable[[str], _SortKey]) -> _Spliced | None:
    """The feed file ``path`` with the events of the ``changed`` uids taken out and ``events`` (sort key,
    bytes) put in, each before the first remaining event of a greater key; the rest of the file is kept
    as it is (spans of it, not copies). ``key_of``: the sort key of an unchanged row. None if the file
    is missing or not a feed as this module writes them."""
    try:
        source = open(path, "rb")  # noqa: SIM115 (closed by the _Spliced, or here)
    except OSError:
        return None
    try:
        with mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as data:
            parts = _splice(data, changed, events, key_of)
    except (OSError, ValueError, _NotOurs):  # empty (an empty file cannot be mapped), or not ours
        source.close()
        return None
    except BaseException:
        source.close()
        raise
    return _Spliced(source, parts)


def _splice(data: mmap.mmap, changed: Iterable[str], events: Iterable[tuple[_SortKey, bytes]],
            key_of: Callable[[str], _SortKey]) -> list[bytes | _Span]:
    end = len(data) - len(_END)
    if end < 0 or data[end:] != _END:
        raise _NotOurs
    first = data.find(_EVENT_LINE, 0, end + 2)
    start = end if first < 0 else first + 2
    # the old events of the changed rows (start → end) and where each uid was: a few found one by one
    # (a byte search is several times faster than a pattern), more in one pass of a pattern
    cut: dict[int, int] = {}
    was: dict[str, int] = {}
    uids = list(changed)
    found: Iterator[tuple[int, int, str]]  # (start, end) of a UID line and its uid
    if len(uids) <= _FOUND_ONE_BY_ONE:
        found = _uid_lines(data, uids, start, end)
    else:
        pattern = re.compile(_UID_LINE + b"(" + b"|".join(re.escape(f"{uid}{UID_SUFFIX}".encode()) for uid in uids)
                             + b")\r\n")
        found = ((m.start(), m.end(), m.group(1).decode().removesuffix(UID_SUFFIX))
                 for m in pattern.finditer(data, start, end))
    for line_start, line_end, uid in found:
        at = data.rfind(_EVENT_LINE, start - 2, line_start + 2) + 2
        stop = data.find(_EVENT_END, line_end - 2, end + 2)
        if at < start or stop < 0:
            raise _NotOurs
        cut[at] = stop + len(_EVENT_END)
        was[uid] = at
    gaps: list[list[int]] = []  # the cut events, those that touch joined
    for at in sorted(cut):
        if gaps and gaps[-1][1] == at:
            gaps[-1][1] = cut[at]
        else:
            gaps.append([at, cut[at]])
    placed: list[tuple[int, _SortKey, bytes]] = []
    for key, event in events:
        gap = next((g for g in gaps if g[0] <= was.get(key[-1], -1) < g[1]), None)
        if gap is not None and _fits(data, start, end, gap, key, key_of):  # where it was (a date kept)
            at = gap[0]
        else:
            at = _position(data, start, end, key, key_of, cut)
            at = next((a for a, b in gaps if a < at <= b), at)  # the place before a gap stands for all of it
        placed.append((at, key, event))
    placed.sort(key=lambda item: item[:2])
    out: list[bytes | _Span] = [(0, start)]
    pos = start
    for at, _, event in placed:
        pos = _kept(pos, at, gaps, out)
        out.append(event)
    _kept(pos, end, gaps, out)
    out.append(_END)
    return out


#: up to this many changed rows, their UID lines are found by a byte search each
_FOUND_ONE_BY_ONE = 8


def _uid_lines(data: mmap.mmap, uids: Iterable[str], start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, uid) of every UID line of these uids between ``start`` and ``end``."""
    for uid in uids:
        line = _UID_LINE + f"{uid}{UID_SUFFIX}".encode() + b"\r\n"
        at = data.find(line, start, end)
        while at >= 0:
            yield at, at + len(line), uid
            at = data.find(line, at + len(line), end)


def _kept(pos: int, stop: int, gaps: Sequence[Sequence[int]], out: list[bytes | _Span]) -> int:
    """Add the spans from ``pos`` to ``stop`` but the gaps (neither is inside one) to ``out``."""
    for a, b in gaps:
        if b <= pos or a >= stop:
            continue
        if pos < a:
            out.append((pos, a))
        pos = b
    if pos < stop:
        out.append((pos, stop))
    return stop


def _fits(data: mmap.mmap, start: int, end: int, gap: Sequence[int], key: _SortKey,
          key_of: Callable[[str], _SortKey]) -> bool:
    """Whether an event of ``key`` goes in ``gap`` (taken-out events): after the event before it and
    before the event after it (the changed row kept its place: two keys read, not a search)."""
    before = data.rfind(_EVENT_LINE, start - 2, gap[0]) + 2
    if gap[0] > start and not _key_at(data, before, end, key_of) < key:
        return False
    return gap[1] >= end or key < _key_at(data, gap[1], end, key_of)


def _key_at(data: mmap.mmap, at: int, end: int, key_of: Callable[[str], _SortKey]) -> _SortKey:
    """The sort key of the event starting at ``at``, by its UID."""
    stop = data.find(_EVENT_END, at, end + 2)
    uid_at = data.find(_UID_LINE, at, stop) if stop >= 0 else -1
    if uid_at < 0:
        raise _NotOurs
    uid_at += len(_UID_LINE)
    uid = data[uid_at:data.find(b"\r\n", uid_at)].decode()
    if not uid.endswith(UID_SUFFIX):
        raise _NotOurs
    return key_of(uid.removesuffix(UID_SUFFIX))


def _position(data: mmap.mmap, lo: int, hi: int, key: _SortKey, key_of: Callable[[str], _SortKey],
              cut: Mapping[int, int]) -> int:
    """Where an event of ``key`` goes among the events from ``lo`` to ``hi`` (whole events, in the order
    of their keys): the start of the first of a greater key, or ``hi``. A binary search over the bytes;
    the events starting at a key of ``cut`` (taken out) do not count."""
    while lo < hi:
        at = data.rfind(_EVENT_LINE, lo - 2, (lo + hi) // 2 + len(_BEGIN_EVENT)) + 2  # an event at or before the middle
        probe = at
        while probe in cut:
            probe = cut[probe]
        if probe >= hi:  # only events taken out from there: any place among them is the same
            hi = at
            continue
        if _key_at(data, probe, hi, key_of) < key:
            lo = data.find(_EVENT_END, probe, hi + 2) + len(_EVENT_END)
        else:
            hi = probe
    return lo


def _sort_keys(store: Store) -> Callable[[str], _SortKey]:
    """The sort key of a row by its uid, read when first asked (a binary search asks for a few)."""
    keys: dict[str, _SortKey] = {}

    def key_of(uid: str) -> _SortKey:
        key = keys.get(uid)
        if key is None:
            rows = store.occurrence_facts(uids=[uid])
            if not rows:
                raise _NotOurs
            key = keys[uid] = _sort_key(rows[0])
        return key

    return key_of


# -- rendering what changed ----------------------------------------------------------------------------
def _render(store: Store, settings: Settings, today: date, units: Sequence[UnitToken],
            plans: Sequence[PlanRow], dirty: Sequence[str], markers: Mapping[str, str],
            changed: Sequence[OccurrenceFacts] | None, spliceable: Container[str],
            every_row: Sequence[OccurrenceFacts] | None = None) -> Iterator[RenderedFeed | StreamedFeed]:
    """The ``dirty`` feeds. A plan feed in ``spliceable`` (its file written in this context) is spliced
    from its file and the ``changed`` rows (those changed since every file was written; None: unknown)
    when they are few; a few other feeds are rendered from the rows they show alone, many from every row
    (``every_row``, if the caller read them already)."""
    plan_ids = {plan_feed_name(p.id): p.id for p in plans}
    renderer = EventRenderer({uid: name for uid, name, _ in units}, {p.id: p for p in plans}, settings.timezone)
    changed_of: dict[str, list[OccurrenceFacts]] = defaultdict(list)
    for r in changed or ():
        changed_of[r.plan_id].append(r)
    rest: list[str] = []
    for name in dirty:
        plan_id = plan_ids.get(name)
        mine = changed_of.get(plan_id or "", [])
        chunks = None
        if plan_id is not None and changed is not None and name in spliceable and len(mine) <= _SPLICED:
            events = [(_sort_key(r), renderer.render(r, "plan")) for r in mine
                      if cancelled_kept(r, today, settings.cancelled_keep_days)]
            chunks = _spliced(feed_path(settings, name), [r.uid for r in mine], events, _sort_keys(store))
        if chunks is None:
            rest.append(name)
        else:
            yield StreamedFeed(name, chunks, markers[name])
    if not rest:
        return
    if len(rest) > _FEW:
        b = FeedBuilder(units, plans, store.occurrence_facts() if every_row is None else every_row, settings, today)
        yield from (StreamedFeed(f.name, f.chunks, markers[f.name]) for f in b.streams(set(rest)))
        return
    unit_ids = {unit_feed_name(u.feed_token): u.id for u in units}
    mine_units = [unit_ids[n] for n in rest if n in unit_ids]
    if every_row is not None:
        rows = every_row
    elif any(n in plan_ids for n in rest):
        rows = store.occurrence_facts()
    else:  # the rows of these units, and those that reach many feeds
        rows = store.occurrence_facts(unit_ids=mine_units, kinds=_REACHING)
    # only the units whose feeds are rendered, and every unit's name (events name other units)
    wanted = set(mine_units)
    b = FeedBuilder([u for u in units if u.id in wanted], plans, rows, settings, today)
    b.renderer.unit_names.update(renderer.unit_names)
    yield from (RenderedFeed(f.name, f.data, markers[f.name]) for f in b.feeds(set(rest)))


def export_feeds(store: Store, settings: Settings, today: date) -> ExportResult:
    """Write every feed (public, one per plan, one per unit) under ``settings.calendar_dir``: only those
    whose rows changed are rendered, and only those whose bytes changed are written. The tokens are read
    under the lock, so a rotation cannot slip in between reading and writing. The cyclic garbage collector
    is paused meanwhile (see :func:`collector_paused`): the rows and events of a national export hold no
    cycles, and full collections over them took a tenth of its time."""
    with feeds_locked(settings), collector_paused():
        return _export(store, settings, today)


def _export(store: Store, settings: Settings, today: date) -> ExportResult:
    plans = store.plans()
    units = store.unit_tokens()
    context = feed_context(units, plans, settings)
    # read before any row: a change committed meanwhile has a higher number and is the next export's
    change_number = store.last_change_number()
    last = store.feed_export()
    if last is not None and last.context != context:
        store.save_feed_export(None, _now())  # files of another context: nothing in them can be reused
        last = None
    digests = store.feed_digests()
    names = _feed_names(units, plans)
    existing = _existing_feed_files(settings)
    changed: list[OccurrenceFacts] | None = None
    rows: list[OccurrenceFacts] | None = None  # every row, when read
    if last is not None:
        expiring = _expiring(last.today, today, settings.cancelled_keep_days)
        changed = [] if change_number == last.change_number and expiring is None else \
            store.occurrence_facts(changed_after=last.change_number, cancelled_between=expiring)
    if changed is not None and not any(r.kind in _REACHING for r in changed):
        # the feeds something else wrote (a unit's feed after its web form, one put there by hand)
        foreign = {name for name in names if not digests.get(name, "").startswith(context)}
        if not changed and not foreign and existing == names:  # nothing missing, no stray file
            return ExportResult(0, len(names), 0)
        tokens = {uid: token for uid, _, token in units}
        touched = {plan_feed_name(r.plan_id) for r in changed}
        touched.update(unit_feed_name(tokens[r.unit_id]) for r in changed if r.unit_id in tokens)
        dirty = sorted((touched & names) | foreign | (names - existing))
        markers = {name: _changed_marker(context, name, change_number, today) for name in dirty}
    else:
        if last is None:  # no export in this context yet: nearly every feed is rendered, from rows read once
            rows = store.occurrence_facts()
            markers = FeedIndex(units, plans, map(_version, rows), settings, today).markers
        else:  # which feeds the changed rows reach is not known: compare every feed's marker
            markers = FeedIndex(units, plans, store.occurrence_versions(), settings, today).markers
        dirty = [name for name, marker in markers.items() if digests.get(name) != marker or name not in existing]
    spliceable = {name for name in dirty if name in existing and digests.get(name, "").startswith(context)}
    feeds = _render(store, settings, today, units, plans, dirty, markers, changed, spliceable, rows)
    result = publish(store, settings, feeds, prune=True, expected=names, digests=digests, existing=existing)
    store.save_feed_export(FeedExport(context, change_number, today), _now())
    return ExportResult(result.written, result.unchanged + len(names) - len(dirty), result.removed)


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
