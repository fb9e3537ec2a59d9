"""National scale at the speed of its bounds (issue 14): every row of work measured beside its bound in
one run, on the real national directory of bench/national.py.

    python bench/run.py [--scale 0.25..2] [--only ROW[,ROW]] [--quick] [--profile] [--pg URL]

Prints ``work | plancal | bound | ratio`` and writes bench/results.md (machine, figures, ratios, what
each bound measures). Ratios are "how many times the bound's cost plancal pays": time / time,
bound req/s / plancal req/s, memory / memory. Rows (for --only): expand, export, export-unchanged,
export-one, memory, reminders, daily, rerun, mail, server, growth.

--profile runs the plancal side of each row under cProfile and prints its top 5 functions by
cumulative time (the timings of that run are then profiler-inflated; do not publish them).

Load tests go to 127.0.0.1 only and are bounded in time (wrk -d, a few seconds per URL) and in
connections (10).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import math
import multiprocessing
import os
import platform
import pstats
import pwd
import re
import shutil
import smtplib
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import national  # noqa: E402
from sqlalchemy import JSON  # noqa: E402

# -- every plancal entry point this harness uses, in one place ---------------------------------------
from plancal.feeds.export import export_feeds  # noqa: E402
from plancal.mail.composition import compose  # noqa: E402
from plancal.mail.daily import due_recipients, send_daily, send_reminders  # noqa: E402
from plancal.mail.mailers import SmtpMailer  # noqa: E402
from plancal.mail.planners.digests import digests  # noqa: E402
from plancal.mail.planners.escalations import escalations  # noqa: E402
from plancal.plans.loading import load_plan  # noqa: E402
from plancal.schedule.expansion import expand  # noqa: E402
from plancal.schedule.occurrence import ACTIONABLE  # noqa: E402
from plancal.settings import Settings  # noqa: E402
from plancal.store import OccurrenceRow, Store, Submission, open_store  # noqa: E402

PLANCAL_CLI = [sys.executable, "-c", "from plancal.cli import main; main()"]
EXPORT_IN_SUBPROCESS = textwrap.dedent("""\
    import sys
    from plancal.feeds.export import export_feeds
    from plancal.settings import Settings
    from plancal.store import open_store
    from datetime import date
    s = Settings.from_env()
    store = open_store(s.db_url)
    def peak():  # KiB; ru_maxrss would carry the parent's peak over fork + exec on Linux
        return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    base = peak()
    if sys.argv[1] == "export":
        r = export_feeds(store, s, date.fromisoformat(sys.argv[2]))
        assert r.written > 0, r
    print(base, peak())
    """)
# -------------------------------------------------------------------------------------------------------

FEEDS_TODAY = date(2025, 4, 1)
PLAN_ID = "quoc-gia-2025"
SOURCE_COMMUNE_DUTY = "xa-bai-viet"
MAIL_DIGESTS = 10_000
ACTIONABLE_KINDS = tuple(sorted(ACTIONABLE))

# the bound of "export when nothing changed": what would tell that nothing changed
CHANGE_MARKER = """SELECT (SELECT max(modified_at) FROM occurrences), (SELECT count(*) FROM occurrences),
       (SELECT count(*) FROM units), (SELECT max(written_at) FROM feeds), (SELECT count(*) FROM feeds)"""

# the bound of "the day's digests + escalations": the rows both letters are made of, with the
# addresses of the unit and of its parent (escalations go to the parent and the standing agency)
TRIGGER_ROWS = """SELECT o.uid, o.plan_id, o.kind, o.unit_id, o.title, o.detail, o.period_label, o.due_stated,
       o.due_effective, o.to_unit_id, o.quota, u.name, u.emails, u.parent_id, pu.name, pu.emails
FROM occurrences o JOIN units u ON u.id = o.unit_id LEFT JOIN units pu ON pu.id = u.parent_id
WHERE o.due_effective IN ({days}) AND o.status = 'open' AND o.kind IN ({kinds})"""

# the rest of the day's letters (the daily mix): weekly summary rows, open counts, conferences and
# their preparations ahead, report calls, themes and anniversaries of the month
DAILY_ROWS = (
    """SELECT o.uid, o.plan_id, o.kind, o.unit_id, o.title, o.period_label, o.due_effective, o.status, o.done_on, u.name
       FROM occurrences o LEFT JOIN units u ON u.id = o.unit_id
       WHERE o.kind IN ({kinds}) AND ((o.status = 'open' AND o.due_effective <= :week_end)
             OR (o.status = 'done' AND o.done_on >= :last_monday AND o.done_on < :monday))""",
    "SELECT plan_id, count(*) FROM occurrences WHERE kind IN ({kinds}) AND status = 'open' GROUP BY plan_id",
    """SELECT uid, plan_id, kind, source_id, unit_id, audience, due_effective FROM occurrences
       WHERE kind IN ('conference', 'preparation') AND status = 'open' AND due_effective >= :today""",
    """SELECT uid, plan_id, kind, unit_id, period_key, due_effective FROM occurrences
       WHERE kind IN ('report', 'consolidation') AND status = 'open' AND due_effective BETWEEN :today AND :calls_end""",
    """SELECT uid, plan_id, kind, title, audience, window_start, due_effective FROM occurrences
       WHERE kind IN ('theme', 'anniversary') AND due_effective >= :month_start AND window_start <= :month_end""",
)


# -- small helpers -----------------------------------------------------------------------------------
def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes] | None, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {seconds} s")


def fmt_seconds(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:,.0f} µs"
    if s < 1:
        return f"{s * 1e3:,.1f} ms"
    return f"{s:,.2f} s"


@dataclass
class Row:
    work: str
    plancal: str
    bound: str
    ratio: float | None
    note: str = ""

    def ratio_text(self) -> str:
        return "—" if self.ratio is None else f"{self.ratio:,.1f}×"


@dataclass
class Profiler:
    enabled: bool
    reports: list[str] = field(default_factory=list)

    def run(self, label: str, fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
        """Call ``fn`` (the plancal side of a row) and time it, best of ``repeat`` calls (for reads, whose
        bound is a best of 3 too); under --profile, profile one call instead."""
        if not self.enabled:
            best = math.inf
            for _ in range(repeat):
                t0 = time.perf_counter()
                out = fn()
                best = min(best, time.perf_counter() - t0)
            return out, best
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        out = prof.runcall(fn)
        elapsed = time.perf_counter() - t0
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats("cumulative")
        picked = [(func, st) for func, st in sorted(stats.stats.items(), key=lambda kv: -kv[1][3])  # type: ignore[attr-defined]
                  if "run.py" not in func[0] and func[2] not in ("<built-in method builtins.exec>",)][:5]
        lines = [f"profile: {label} ({elapsed:.2f} s under cProfile), top 5 by cumulative time"]
        for (file, line, name), (_cc, ncalls, _tt, ct, _callers) in picked:
            where = file.split("/src/")[-1].split("site-packages/")[-1]
            lines.append(f"    {ct:8.3f} s  {ncalls:>9,} calls  {where}:{line}({name})")
        text = "\n".join(lines)
        print(text)
        self.reports.append(text)
        return out, elapsed


# -- the SMTP sink, in its own process ---------------------------------------------------------------
class _Counter:
    def __init__(self) -> None:
        self.messages = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages += 1
        return "250 2.0.0 Ok"


def _smtp_sink(port: int, pipe: Connection) -> None:
    from aiosmtpd.controller import Controller

    counter = _Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    while True:
        command = pipe.recv()
        if command == "count":
            pipe.send(counter.messages)
        elif command == "stop":
            controller.stop()
            pipe.send("stopped")
            return


class SmtpSink:
    def __init__(self) -> None:
        self.port = free_port()
        ctx = multiprocessing.get_context("spawn")
        self.pipe, child = ctx.Pipe()
        self.proc = ctx.Process(target=_smtp_sink, args=(self.port, child), daemon=True)
        self.proc.start()
        assert self.pipe.recv() == "ready"

    def count(self) -> int:
        self.pipe.send("count")
        return int(self.pipe.recv())

    def stop(self) -> None:
        self.pipe.send("stop")
        self.pipe.recv()
        self.proc.join(10)


# -- PostgreSQL scratch databases ----------------------------------------------------------------------
@contextlib.contextmanager
def scratch_database(server: str) -> Iterator[str]:
    """A fresh database on ``server`` (postgresql://user@host:port/db, trust auth), dropped afterwards."""
    import psycopg

    name = f"plancal_bench_{uuid.uuid4().hex[:10]}"
    base = server.rsplit("/", 1)[0]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sa_url(libpq: str) -> str:
    return libpq.replace("postgresql://", "postgresql+psycopg://", 1)


# -- the run ------------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.scale: float = args.scale
        self.tmp = Path(tempfile.mkdtemp(prefix="plancal-bench-"))
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.profiler = Profiler(args.profile)
        self._sink: SmtpSink | None = None

    # -- shared set-up (lazy: --only runs what its rows need) --------------------------------------
    @cached_property
    def plan_path(self) -> Path:
        return national.write(self.tmp / "plan", self.scale)

    @cached_property
    def loaded(self) -> Any:
        return load_plan(self.plan_path)

    @cached_property
    def db_file(self) -> Path:
        return self.tmp / "plancal.db"

    @cached_property
    def settings(self) -> Settings:
        return replace(Settings.from_env({}), home=self.tmp / "var", database_url=f"sqlite:///{self.db_file}",
                       calendar_dir=self.tmp / "calendar", outbox_dir=self.tmp / "outbox",
                       smtp_host="127.0.0.1", smtp_port=self.sink.port, smtp_security="none",
                       mail_from="Lịch kế hoạch <lich@btdkt.gov.vn>")

    @cached_property
    def store(self) -> Store:
        """The SQLite store every row after 'expand' works on (issued by the expand row or here)."""
        if "expand_done" not in self.__dict__:
            store = open_store(f"sqlite:///{self.db_file}")
            store.issue(self.loaded, expand(self.loaded))
            return store
        return open_store(f"sqlite:///{self.db_file}")

    @property
    def sink(self) -> SmtpSink:
        if self._sink is None:
            self._sink = SmtpSink()
        return self._sink

    def counts(self) -> dict[str, int]:
        with contextlib.closing(sqlite3.connect(self.db_file)) as db:
            return {"units": db.execute("SELECT count(*) FROM units").fetchone()[0],
                    "occurrences": db.execute("SELECT count(*) FROM occurrences").fetchone()[0]}

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(f"{row.work:<52} | {row.plancal:>22} | {row.bound:>30} | {row.ratio_text():>8}"
              + (f"   {row.note}" if row.note else ""), flush=True)

    # -- row: expand + insert ----------------------------------------------------------------------
    def row_expand(self) -> None:
        loaded = self.loaded
        occurrences, t_expand = self.profiler.run("expand", lambda: expand(loaded))
        n = len(occurrences)
        store = open_store(f"sqlite:///{self.db_file}")
        result, t_issue = self.profiler.run("Store.issue (SQLite)", lambda: store.issue(loaded, occurrences))
        assert result.added == n, result
        self.__dict__["expand_done"] = True
        store.engine.dispose()
        # the bounds insert the very values plancal stored (every column, read back beforehand, in its order)
        cols = ", ".join(OCCURRENCE_COLUMNS)
        with contextlib.closing(sqlite3.connect(self.db_file)) as db:
            rows = db.execute(f"SELECT {cols} FROM occurrences ORDER BY rowid").fetchall()
        # bound, SQLite: the same rows into an identical empty table, one executemany in one transaction
        bound_file = self.tmp / "bound.db"
        bstore = open_store(f"sqlite:///{bound_file}")
        bstore.issue(loaded, [])  # units and the plan row the foreign key needs
        bstore.engine.dispose()
        with contextlib.closing(sqlite3.connect(bound_file)) as db:
            db.execute("PRAGMA foreign_keys = ON")
            t0 = time.perf_counter()
            with db:
                db.executemany(f"INSERT INTO occurrences ({cols}) VALUES ({', '.join('?' * len(OCCURRENCE_COLUMNS))})",
                               rows)
            t_bound = time.perf_counter() - t0
        self.add(Row(f"expand + insert {n:,} rows (SQLite)", f"{fmt_seconds(t_expand + t_issue)}",
                     f"executemany {fmt_seconds(t_bound)}", (t_expand + t_issue) / t_bound,
                     f"expand {fmt_seconds(t_expand)}, Store.issue {fmt_seconds(t_issue)}"))
        pg = self.args.pg
        if not pg:
            return
        import psycopg

        with scratch_database(pg) as plancal_db, scratch_database(pg) as bound_db:
            pstore = open_store(sa_url(plancal_db))
            result, t_pg = self.profiler.run("Store.issue (PostgreSQL)", lambda: pstore.issue(loaded, occurrences))
            assert result.added == n
            pstore.engine.dispose()
            bstore = open_store(sa_url(bound_db))
            bstore.issue(loaded, [])
            bstore.engine.dispose()
            # typed Python values (dates, booleans), JSON as its text: what a client has in hand
            select_cols = ", ".join(f"{c}::text" if c in JSON_COLUMNS else c for c in OCCURRENCE_COLUMNS)
            with psycopg.connect(plancal_db) as conn:
                pg_rows = conn.execute(f"SELECT {select_cols} FROM occurrences ORDER BY ctid").fetchall()
            with psycopg.connect(bound_db) as conn:
                t0 = time.perf_counter()
                with conn.cursor() as cur, cur.copy(f"COPY occurrences ({cols}) FROM STDIN") as copy:
                    for r in pg_rows:
                        copy.write_row(r)
                conn.commit()
                t_copy = time.perf_counter() - t0
        self.add(Row(f"expand + insert {n:,} rows (PostgreSQL)", f"{fmt_seconds(t_expand + t_pg)}",
                     f"COPY {fmt_seconds(t_copy)}", (t_expand + t_pg) / t_copy,
                     f"expand {fmt_seconds(t_expand)}, Store.issue {fmt_seconds(t_pg)}"))

    # -- rows: feed exports ------------------------------------------------------------------------
    def row_export(self) -> None:
        """Three rounds, each a first export and then the bounds, best of each (as the reads are best of 3).
        No file is deleted while a side is timed: on this machine's ext4 (mounted with ``discard``) the
        creation of files pays for blocks freed just before, several seconds for 250 MB, and whichever side
        came first after a deletion would pay for it. Each round's folders are moved aside, not deleted, and
        go at the end."""
        store, settings = self.store, self.settings
        aside = self.tmp / "aside"
        aside.mkdir(exist_ok=True)

        def move_aside(folder: Path) -> None:
            if folder.exists():
                folder.rename(aside / f"{folder.name}-{uuid.uuid4().hex}")

        def first_export() -> Any:
            move_aside(settings.calendar_dir)
            with contextlib.closing(sqlite3.connect(self.db_file)) as db, db:
                db.execute("DELETE FROM feeds")
                db.execute("DELETE FROM feed_exports")
            os.sync()
            return self.profiler.run("export_feeds (first)", lambda: export_feeds(store, settings, FEEDS_TODAY))

        plain_dir, atomic_dir = self.tmp / "bound-plain", self.tmp / "bound-atomic"
        result, t_plancal = first_export()
        files = sorted(p for p in settings.calendar_dir.rglob("*.ics"))
        assert result.written == len(files), (result, len(files))
        size = sum(p.stat().st_size for p in files)
        feeds, pieces = split_feeds(settings.calendar_dir, files)
        t_plain = t_atomic = math.inf
        for round_ in range(1 if self.args.profile else 3):
            if round_:
                t_plancal = min(t_plancal, first_export()[1])
            for folder in (plain_dir, atomic_dir):
                move_aside(folder)
            os.sync()
            t_plain = min(t_plain, best_of(lambda: write_plain(plain_dir, feeds), 1))
            t_atomic = min(t_atomic, best_of(lambda: write_atomic(atomic_dir, feeds), 1))
        assert (plain_dir / files[-1].relative_to(settings.calendar_dir)).read_bytes() == files[-1].read_bytes()
        shutil.rmtree(aside)
        n_events = sum(len(refs) - 2 for _, refs in feeds)
        self.add(Row(f"first feed export ({len(files):,} files, {size / 1e6:,.0f} MB)", fmt_seconds(t_plancal),
                     f"join+temp+sync+rename {fmt_seconds(t_atomic)}", t_plancal / t_atomic,
                     f"{n_events:,} events in feeds, {pieces:,} distinct; best of 3 rounds each"))
        self.add(Row("first feed export, against a plain write", fmt_seconds(t_plancal),
                     f"join+plain write {fmt_seconds(t_plain)}", t_plancal / t_plain))

    def row_export_unchanged(self) -> None:
        store, settings = self.store, self.settings
        if not settings.calendar_dir.exists():
            export_feeds(store, settings, FEEDS_TODAY)
        result, t_plancal = self.profiler.run("export_feeds (nothing changed)",
                                              lambda: export_feeds(store, settings, FEEDS_TODAY))
        assert result.written == 0, result
        with contextlib.closing(sqlite3.connect(self.db_file)) as db:
            t_bound = best_of(lambda: db.execute(CHANGE_MARKER).fetchall(), 5)
        self.add(Row("export when nothing changed", fmt_seconds(t_plancal), f"change marker {fmt_seconds(t_bound)}",
                     t_plancal / t_bound))

    def row_export_one(self) -> None:
        store, settings = self.store, self.settings
        if not settings.calendar_dir.exists():
            export_feeds(store, settings, FEEDS_TODAY)
        commune = next(u for u in self.loaded.directory if u.kind == "commune")
        row = store.find_occurrence(PLAN_ID, SOURCE_COMMUNE_DUTY, commune.id, "2025-03")
        t0 = time.perf_counter()
        store.record_submission(Submission(row.uid, commune.id, date(2025, 3, 20)))
        t_record = time.perf_counter() - t0
        before = {p: p.stat().st_mtime_ns for p in settings.calendar_dir.rglob("*.ics")}
        result, t_plancal = self.profiler.run("export_feeds (one submission)",
                                              lambda: export_feeds(store, settings, FEEDS_TODAY))
        assert result.written == 2, result
        changed = [p for p in settings.calendar_dir.rglob("*.ics") if p.stat().st_mtime_ns != before.get(p)]
        assert len(changed) == 2, changed
        feeds = [(str(p.relative_to(settings.calendar_dir)), [p.read_bytes()]) for p in changed]
        out = self.tmp / "bound-two"
        write_plain(out, feeds)  # directories exist, files exist: a rewrite like plancal's
        t_atomic = best_of(lambda: write_atomic(out, feeds), 3)
        t_plain = best_of(lambda: write_plain(out, feeds), 3)
        self.add(Row("export after one submission (2 files change)", fmt_seconds(t_plancal),
                     f"write 2 files atomically {fmt_seconds(t_atomic)}", t_plancal / t_atomic,
                     f"plain write {fmt_seconds(t_plain)}; record_submission {fmt_seconds(t_record)}"))

    # -- row: peak memory of an export ---------------------------------------------------------------
    def row_memory(self) -> None:
        store, settings = self.store, self.settings
        if not settings.calendar_dir.exists():
            export_feeds(store, settings, FEEDS_TODAY)
        env = {**os.environ, "PLANCAL_DATABASE_URL": settings.db_url, "PLANCAL_HOME": str(self.tmp / "var"),
               "PLANCAL_CALENDAR_DIR": str(self.tmp / "calendar-mem"), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}

        def peak(*argv: str) -> tuple[int, int]:
            out = subprocess.run([sys.executable, "-c", EXPORT_IN_SUBPROCESS, *argv], env=env, check=True,
                                 capture_output=True, text=True).stdout.split()
            return int(out[0]), int(out[1])

        baseline, _ = peak("baseline", "")
        _, plancal_kib = peak("export", FEEDS_TODAY.isoformat())
        bound = subprocess.run([sys.executable, "-c", STREAMING_BOUND, str(settings.calendar_dir),
                                str(self.tmp / "calendar-stream")], check=True, capture_output=True, text=True).stdout.split()
        bound_kib = int(bound[1])
        self.add(Row("peak memory of an export (VmHWM)", f"{plancal_kib / 1024:,.0f} MiB",
                     f"streaming {bound_kib / 1024:,.0f} MiB", plancal_kib / bound_kib,
                     f"plancal imported + store opened: {baseline / 1024:,.0f} MiB; bare python {int(bound[0]) / 1024:,.0f} MiB"))

    # -- rows: the day's letters ---------------------------------------------------------------------
    @cached_property
    def day(self) -> date:
        """The busiest Monday of the plan for reminders (most rows at a lead or overdue mark), with
        everything due more than a week before it recorded as done (a plain UPDATE of the bench's own
        store: the planners read status and done_on), so the weekly summary lists one round of late items."""
        self.store  # noqa: B018 (issue the plan if no earlier row did)
        marks = sorted({*self.settings.lead_days, *(-d for d in self.settings.overdue_days)})
        with contextlib.closing(sqlite3.connect(self.db_file)) as db:
            dues = dict(db.execute("SELECT due_effective, count(*) FROM occurrences WHERE status = 'open' "
                                   f"AND kind IN ({kinds_sql()}) GROUP BY due_effective").fetchall())

            def score(d: date) -> tuple[bool, int]:
                late = sum(dues.get((d + timedelta(days=m)).isoformat(), 0) for m in marks if m < 0)
                return late > 0, sum(dues.get((d + timedelta(days=m)).isoformat(), 0) for m in marks)

            mondays = [date(2025, 2, 3) + timedelta(weeks=w) for w in range(40)]
            best = max(mondays, key=lambda d: (score(d), -d.toordinal()))
            with db:
                db.execute("UPDATE occurrences SET status = 'done', done_on = due_effective "
                           f"WHERE status = 'open' AND kind IN ({kinds_sql()}) AND due_effective < ?",
                           ((best - timedelta(days=7)).isoformat(),))
        return best

    def trigger_days(self, day: date) -> list[str]:
        marks = {*self.settings.lead_days, *(-d for d in self.settings.overdue_days)}
        return [(day + timedelta(days=m)).isoformat() for m in sorted(marks)]

    def row_reminders(self) -> None:
        store, settings, day = self.store, self.settings, self.day

        def plan() -> tuple[list[Any], list[Any]]:
            return digests(store, settings, day), escalations(store, settings, day)

        (dig, esc), t_plancal = self.profiler.run("digests + escalations", plan, repeat=3)
        sql = TRIGGER_ROWS.format(days=", ".join("?" * len(self.trigger_days(day))), kinds=kinds_sql())
        with contextlib.closing(sqlite3.connect(self.db_file)) as db:
            n_rows = len(db.execute(sql, self.trigger_days(day)).fetchall())
            t_bound = best_of(lambda: db.execute(sql, self.trigger_days(day)).fetchall(), 3)
        self.add(Row(f"the day's digests + escalations ({day:%d/%m/%Y})", fmt_seconds(t_plancal),
                     f"one SQL query {fmt_seconds(t_bound)}", t_plancal / t_bound,
                     f"{len(dig):,} digests, {len(esc):,} escalations from {n_rows:,} rows"))

    def daily_bound(self, db: sqlite3.Connection, day: date) -> Callable[[], int]:
        monday = day - timedelta(days=day.weekday())
        params = {"today": day.isoformat(), "week_end": (monday + timedelta(days=6)).isoformat(),
                  "monday": monday.isoformat(), "last_monday": (monday - timedelta(days=7)).isoformat(),
                  "calls_end": (day + timedelta(days=14)).isoformat(), "month_start": day.replace(day=1).isoformat(),
                  "month_end": (day.replace(day=28) + timedelta(days=4)).replace(day=1).isoformat()}
        days = self.trigger_days(day)
        trigger = TRIGGER_ROWS.format(days=", ".join("?" * len(days)), kinds=kinds_sql())
        others = [q.format(kinds=kinds_sql()) for q in DAILY_ROWS]

        def run() -> int:
            n = len(db.execute(trigger, days).fetchall())
            for q in others:
                n += len(db.execute(q, {k: v for k, v in params.items() if f":{k}" in q}).fetchall())
            return n
        return run

    def row_daily(self) -> None:
        store, settings, day = self.store, self.settings, self.day
        recipients, t_plancal = self.profiler.run("due_recipients", lambda: due_recipients(store, settings, day), repeat=3)
        with contextlib.closing(sqlite3.connect(self.db_file)) as db:
            bound = self.daily_bound(db, day)
            n_rows = bound()
            t_bound = best_of(bound, 3)
        self.add(Row(f"the day's letter planning, weekly summary ({day:%a})", fmt_seconds(t_plancal),
                     f"SQL for the same rows {fmt_seconds(t_bound)}", t_plancal / t_bound,
                     f"{len(recipients):,} recipients from {n_rows:,} rows"))

    def row_rerun(self) -> None:
        store, day = self.store, self.day
        settings = self.settings
        sent_before = self.sink.count()
        first, t_first = self.profiler.run("send_daily (first)", lambda: send_daily(store, settings, day, SmtpMailer(settings)))
        sent_first = self.sink.count() - sent_before
        again, t_again = self.profiler.run("send_daily (rerun)", lambda: send_daily(store, settings, day, SmtpMailer(settings)))
        sent_again = self.sink.count() - sent_before - sent_first
        assert all(r.ok for r in first.values()), {k: r.summary() for k, r in first.items()}
        assert sent_again == 0 and sum(r.sent for r in again.values()) == 0, (sent_again, again)
        self.add(Row("a reminders rerun that sends nothing", fmt_seconds(t_again), "~0", None,
                     f"{t_again / t_first:.0%} of the first run ({fmt_seconds(t_first)}, {sent_first:,} mails)"))

    def row_mail(self) -> None:
        store, settings = self.store, self.settings
        self.day  # noqa: B018 (the same store state as the other letter rows)
        # the quarter-end due day of June: every commune, front, department and newsroom has an item due
        with contextlib.closing(sqlite3.connect(self.db_file)) as db:
            mail_day = date.fromisoformat(db.execute(
                "SELECT due_effective FROM occurrences WHERE source_id = 'so-gioi-thieu' AND period_key = '2025-Q2' "
                "LIMIT 1").fetchone()[0])
        letters = digests(store, settings, mail_day)
        chosen = letters[:MAIL_DIGESTS]
        wanted = {letter.recipient for letter in chosen}
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        envelopes = [compose(letter, settings, now) for letter in chosen]
        t_compose = time.perf_counter() - t0
        before = self.sink.count()
        mailer = SmtpMailer(settings)
        report, t_plancal = self.profiler.run("send_reminders (SMTP)",
                                              lambda: send_reminders(store, settings, mail_day, mailer, recipients=wanted))
        assert report.sent == len(chosen) and report.ok, report.summary()
        assert self.sink.count() - before == len(chosen)
        t0 = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", self.sink.port, local_hostname="bench.local") as conn:
            for e in envelopes:
                conn.sendmail(e.sender, [e.recipient], e.data)
        t_plain = time.perf_counter() - t0
        assert self.sink.count() - before == 2 * len(chosen)
        size = sum(len(e.data) for e in envelopes) / len(envelopes)
        self.add(Row(f"{len(chosen):,} digests over loopback SMTP ({mail_day:%d/%m})", fmt_seconds(t_plancal),
                     f"smtplib, 1 connection {fmt_seconds(t_plain)}", t_plancal / t_plain,
                     f"{len(chosen) / t_plancal:,.0f} vs {len(chosen) / t_plain:,.0f} mails/s; {size / 1024:.1f} KiB each; "
                     f"render+compose alone {fmt_seconds(t_compose)}"))

    # -- row: the feed server ------------------------------------------------------------------------
    def row_server(self) -> None:
        store, settings = self.store, self.settings
        if not settings.calendar_dir.exists():
            export_feeds(store, settings, FEEDS_TODAY)
        wrk = shutil.which("wrk")
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if not (wrk and nginx):
            self.notes.append("feed server rows skipped: needs nginx and wrk (apt-get install -y nginx wrk)")
            print(self.notes[-1])
            return
        token = store.unit_rows()[0].feed_token
        paths = {"200": f"/u/{token}.ics", "404": f"/u/{'A' * 32}.ics"}
        # short rounds taking turns with nginx: both see the same load from the machine's other jobs
        rounds, duration = (3, 1) if self.args.quick else (5, 2)
        with (plancal_server(self.tmp, settings) as p_port, plancal_server(self.tmp, settings, workers=2) as w_port,
              nginx_server(nginx, self.tmp, settings.calendar_dir) as n_port):
            for status in ("200", "304", "404"):
                path = paths.get(status, paths["200"])
                servers = {"plancal": p_port, "nginx": n_port, **({"2 workers": w_port} if status == "200" else {})}
                urls, headers = {}, {}
                for name, port in servers.items():
                    urls[name] = f"http://127.0.0.1:{port}{path}"
                    headers[name] = ["-H", f"If-None-Match: {etag_of(urls[name])}"] if status == "304" else []
                    got = http_status(urls[name], headers[name])
                    assert str(got) == status, f"{urls[name]} answered {got}, expected {status}"
                runs: dict[str, list[tuple[float, float]]] = {name: [] for name in servers}
                for r in range(rounds):
                    for name in (list(servers) if r % 2 == 0 else list(servers)[::-1]):
                        runs[name].append(run_wrk(wrk, urls[name], headers[name], duration))
                (n_rps, n_p99) = medians(runs["nginx"])
                load = os.getloadavg()[0]
                for name in [n for n in servers if n != "nginx"]:
                    p_rps, p_p99 = medians(runs[name])
                    label = f"feed server {status} ({path[:12]}…)" + ("" if name == "plancal" else f", {name}")
                    self.add(Row(label, f"{p_rps:,.0f} req/s p99 {p_p99:.1f} ms",
                                 f"nginx {n_rps:,.0f} req/s p99 {n_p99:.1f} ms", n_rps / p_rps,
                                 f"wrk -t2 -c10, medians of {rounds}×{duration}s taking turns with nginx; "
                                 f"load average {load:.1f}"))

    # -- row: growth of the daily planning -----------------------------------------------------------
    def row_growth(self) -> None:
        scales = (0.05, 0.1, 0.2) if self.args.quick else (0.25, 0.5, 1.0, 2.0)
        points: list[tuple[int, float, float]] = []
        for s in scales:
            sub = Bench(argparse.Namespace(**{**vars(self.args), "scale": s, "profile": False}))
            sub._sink = self.sink
            day = sub.day
            settings = sub.settings
            t = best_of(lambda sub=sub, day=day, settings=settings: due_recipients(sub.store, settings, day), 3)
            with contextlib.closing(sqlite3.connect(sub.db_file)) as db:
                tb = best_of(sub.daily_bound(db, day), 3)
            units = sub.counts()["units"]
            points.append((units, t, tb))
            print(f"  growth: scale {s:<5} {units:>6,} units  plancal {fmt_seconds(t):>9}  bound {fmt_seconds(tb):>9}",
                  flush=True)
            sub.store.engine.dispose()
            shutil.rmtree(sub.tmp, ignore_errors=True)
        k_plancal = exponent([(u, t) for u, t, _ in points])
        k_bound = exponent([(u, tb) for u, _, tb in points])
        self.add(Row(f"growth of daily planning, {scales[0]}× to {scales[-1]}×", f"exponent {k_plancal:.2f}",
                     f"exponent {k_bound:.2f}", None,
                     "; ".join(f"{u:,} units {fmt_seconds(t)}" for u, t, _ in points)))

    # -- output --------------------------------------------------------------------------------------
    def write_results(self, path: Path) -> None:
        c = self.counts() if self.db_file.exists() else {"units": 0, "occurrences": 0}
        lines = [
            "# Benchmarks: national scale against its bounds", "",
            f"`python bench/run.py --scale {self.scale}{' --quick' if self.args.quick else ''}"
            f"{' --only ' + self.args.only if self.args.only else ''}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "",
            f"Machine: {machine()}", "",
            f"Directory: {c['units']:,} units (34 provinces, {len(national.wards()):,} communes and wards of "
            f"vietnam-provinces at scale 1, departments, newsrooms, commune front committees), "
            f"{c['occurrences']:,} occurrences in plan `{PLAN_ID}`.", "",
            "| work | plancal | bound | ratio | notes |", "|---|---|---|---|---|",
            *(f"| {r.work} | {r.plancal} | {r.bound} | {r.ratio_text()} | {r.note} |" for r in self.rows), "",
            "Ratio: plancal's cost in units of the bound's (time/time, bound req/s ÷ plancal req/s, memory/memory).", "",
            "## What each bound measures", "", BOUNDS_DOC.strip(), "",
        ]
        if self.notes:
            lines += ["## Notes", "", *(f"- {n}" for n in self.notes), ""]
        if self.profiler.reports:
            lines += ["## Profiles (plancal side, cProfile, top 5 by cumulative time)", "", "```",
                      *self.profiler.reports, "```", ""]
        path.write_text("\n".join(lines), encoding="utf-8")

    def close(self) -> None:
        if self._sink is not None:
            self._sink.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


BOUNDS_DOC = """
- **expand + insert**: plancal's side is `expand()` plus `Store.issue()` into an empty store. The bound is
  only the insert of the very same column values (every column, read back from plancal's store beforehand,
  in its insertion order) into an identical empty `occurrences` table (same indexes, foreign keys on):
  `sqlite3.executemany` in one transaction on SQLite, `COPY ... FROM STDIN` with psycopg `write_row` of typed
  values (JSON as its text) on PostgreSQL (scratch databases on 127.0.0.1, dropped afterwards).
- **first feed export**: the bound takes the bytes plancal wrote, splits each feed into its pieces (header +
  time zone, each VEVENT, the end) and keeps each distinct piece once — the cache a perfect exporter
  would have — then times joining each feed's pieces and writing the files: once as plain writes into
  fresh folders, once like plancal (each to a temporary file, one `os.sync()`, then renames). Three rounds
  (plancal's first export into an empty folder, then both bounds), best of each; no file is deleted while a
  side is timed (each round's folders are moved aside and deleted at the end: on an ext4 mounted with
  `discard`, creating files right after 250 MB were deleted costs seconds of kernel time).
- **export when nothing changed**: one SQLite query of a change marker: max(modified_at) and count over
  occurrences, count of units, max(written_at) and count over feeds (best of 5).
- **export after one submission**: rewriting the two changed files (the commune's feed, the plan feed)
  with temporary files, one sync and renames (best of 3); the plain write is in the notes.
- **the day's digests + escalations**: one query on the `due_effective` index selecting the open
  actionable rows at a lead or overdue mark (7, 3, 1, 0 days before; 1, 7 after) with the unit's and its
  parent's names and addresses (best of 3). plancal's side: `digests()` + `escalations()` for that day, best of 3 too
  (a process plans once a day, so its first call also compiles SQLAlchemy's statements, ~8 ms).
- **the day's letter planning**: the query above plus the weekly summary's rows (open up to the end of the
  week, done last week), the open count per plan, conferences and preparations ahead, report calls in 14
  days, the month's themes and anniversaries (best of 3). plancal's side: `due_recipients()` (best of 3), which
  plans every time-driven letter of the day. The day is the plan's busiest Monday; rows due over a week
  before it are marked done first.
- **a reminders rerun**: the bound is ~0 (nothing is sent); the ratio column is empty and the note gives
  the rerun as a share of the first `send_daily` of that day (both over SMTP to the sink).
- **10,000 digests**: the same messages, composed beforehand, sent with `smtplib` over one connection to
  the same aiosmtpd sink (its own process). plancal's side: `send_reminders` end to end (plan, render,
  compose, claim in the delivery log, send, mark).
- **feed server**: nginx with docs/nginx.conf on the same calendar/ folder; `wrk -t2 -c10` in short
  rounds per URL, plancal and nginx taking turns, req/s and p99 latency (medians of the rounds); 200 (a
  unit feed), 304 (If-None-Match with that server's ETag), 404 (an unknown token of valid shape).
  plancal's side: `plancal feeds serve` (uvicorn) in its own process, and for the 200 also
  `--workers 2`. wrk and the servers share the machine's two cores with whatever else runs: when
  nginx's p99 is as high as plancal's, the p99 is the machine's load, not the server.
- **peak memory**: peak resident set (VmHWM of /proc/self/status, the per-process figure: on Linux
  ru_maxrss survives fork + exec and would report this harness's own peak) of a subprocess running
  `export_feeds` into an empty folder, against a subprocess (stdlib only) that streams: reads each
  written feed, keeps distinct pieces once, writes each feed as it is produced.
- **growth**: `due_recipients` and its SQL bound at each scale; the exponent is the least-squares slope of
  log time against log units.
"""

STREAMING_BOUND = textwrap.dedent("""\
    import re, sys
    from pathlib import Path
    def peak():
        return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    base = peak()
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    event = re.compile(rb"BEGIN:VEVENT\\r\\n.*?END:VEVENT\\r\\n", re.S)
    cache = {}
    for path in sorted(src.rglob("*.ics")):
        data = path.read_bytes()
        parts, last = [], 0
        for m in event.finditer(data):
            parts.append(data[last:m.start()])
            block = m.group(0)
            parts.append(cache.setdefault(block, block))
            last = m.end()
        parts.append(data[last:])
        out = dst / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"".join(parts))
    print(base, peak())
    """)

#: every column of the occurrences table, and those that hold JSON
OCCURRENCE_COLUMNS = tuple(c.name for c in OccurrenceRow.__table__.columns)
JSON_COLUMNS = frozenset(c.name for c in OccurrenceRow.__table__.columns if isinstance(c.type, JSON))


def kinds_sql() -> str:
    return ", ".join(f"'{k}'" for k in ACTIONABLE_KINDS)


_EVENT = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.S)


def split_feeds(root: Path, files: list[Path]) -> tuple[list[tuple[str, list[bytes]]], int]:
    """Each feed as a list of pieces (head, events, tail); equal events are one shared object."""
    cache: dict[bytes, bytes] = {}
    feeds = []
    for path in files:
        data = path.read_bytes()
        parts, last = [], 0
        for m in _EVENT.finditer(data):
            parts.append(data[last:m.start()])
            parts.append(cache.setdefault(m.group(0), m.group(0)))
            last = m.end()
        parts.append(data[last:])
        parts = [p for p in parts if p]
        assert b"".join(parts) == data
        feeds.append((str(path.relative_to(root)), parts))
    return feeds, len(cache)


def write_plain(root: Path, feeds: list[tuple[str, list[bytes]]]) -> None:
    made: set[Path] = set()
    for name, parts in feeds:
        path = root / name
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        with open(path, "wb") as fh:
            fh.write(b"".join(parts))


def write_atomic(root: Path, feeds: list[tuple[str, list[bytes]]]) -> None:
    made: set[Path] = set()
    pending = []
    for name, parts in feeds:
        path = root / name
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(b"".join(parts))
        pending.append((tmp, path))
    os.sync()
    for tmp, path in pending:
        os.replace(tmp, path)


def exponent(points: list[tuple[int, float]]) -> float:
    xs = [math.log(u) for u, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def machine() -> str:
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), "0")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}, {cpu}), {int(mem) / 1024 / 1024:.1f} GiB RAM, "
            f"Python {platform.python_version()}, {platform.platform()}, SQLite {sqlite3.sqlite_version}, "
            f"load average {os.getloadavg()[0]:.1f} at the end (other jobs inflate every figure)")


# -- servers ---------------------------------------------------------------------------------------------
@contextlib.contextmanager
def plancal_server(tmp: Path, settings: Settings, workers: int = 1) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "PLANCAL_DATABASE_URL": settings.db_url, "PLANCAL_HOME": str(settings.home),
           "PLANCAL_CALENDAR_DIR": str(settings.calendar_dir)}
    log_path = tmp / f"feedserver-{port}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([*PLANCAL_CLI, "feeds", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(port, proc, 60)
        deadline = time.monotonic() + 60  # the socket listens before the workers have built their app
        while log_path.read_bytes().count(b"Started server process") < workers:
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def nginx_config(prefix: Path, port: int, calendar_dir: Path) -> Path:
    """A whole nginx.conf around docs/nginx.conf (the README's location blocks), unprivileged, in ``prefix``."""
    locations = (ROOT / "docs" / "nginx.conf").read_text(encoding="utf-8")
    locations = locations.replace("/srv/plancal/calendar", str(calendar_dir.resolve()))
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    # as root, nginx's workers would run as nobody and could not read a private temp folder
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    conf.write_text(textwrap.dedent(f"""\
        daemon off;
        {user}worker_processes 1;
        pid {prefix}/nginx.pid;
        error_log {prefix}/logs/error.log warn;
        events {{ worker_connections 256; }}
        http {{
            access_log off;
            client_body_temp_path {prefix}/tmp/body;
            proxy_temp_path {prefix}/tmp/proxy;
            fastcgi_temp_path {prefix}/tmp/fastcgi;
            uwsgi_temp_path {prefix}/tmp/uwsgi;
            scgi_temp_path {prefix}/tmp/scgi;
            server {{
                listen 127.0.0.1:{port};
                server_name localhost;
        {textwrap.indent(locations, ' ' * 8)}
            }}
        }}
        """), encoding="utf-8")
    return conf


@contextlib.contextmanager
def nginx_server(binary: str, tmp: Path, calendar_dir: Path) -> Iterator[int]:
    port = free_port()
    prefix = tmp / "nginx"
    conf = nginx_config(prefix, port, calendar_dir)
    proc = subprocess.Popen([binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs" / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def http_status(url: str, headers: list[str]) -> int:
    req = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers[1::2]))
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def etag_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return str(resp.headers["ETag"])


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median req/s and the median p99 of wrk runs."""
    return statistics.median(r for r, _ in runs), statistics.median(p for _, p in runs)


def run_wrk(wrk: str, url: str, headers: list[str], duration: int) -> tuple[float, float]:
    out = subprocess.run([wrk, "-t2", "-c10", f"-d{duration}s", "--timeout", "5s", "--latency", *headers, url],
                         check=True, capture_output=True, text=True, timeout=duration + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    m = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out)
    assert m, out
    p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
    return rps, p99


ROWS: dict[str, Callable[[Bench], None]] = {
    "expand": Bench.row_expand,
    "export": Bench.row_export,
    "export-unchanged": Bench.row_export_unchanged,
    "export-one": Bench.row_export_one,
    "memory": Bench.row_memory,
    "reminders": Bench.row_reminders,
    "daily": Bench.row_daily,
    "rerun": Bench.row_rerun,
    "mail": Bench.row_mail,
    "server": Bench.row_server,
    "growth": Bench.row_growth,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--scale", type=float, default=None, help="directory size relative to national (0.25..2; default 1)")
    ap.add_argument("--only", default="", help=f"comma-separated rows: {', '.join(ROWS)}")
    ap.add_argument("--quick", action="store_true", help="a small directory (scale 0.1 unless --scale), short load tests")
    ap.add_argument("--profile", action="store_true", help="cProfile the plancal side of each row (top 5 cumulative)")
    ap.add_argument("--pg", default=os.environ.get("PLANCAL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
                    help="PostgreSQL server for the expand row's scratch databases ('' to skip)")
    ap.add_argument("--results", default=str(HERE / "results.md"), help="where to write the results (markdown)")
    args = ap.parse_args()
    if args.scale is None:
        args.scale = 0.1 if args.quick else 1.0
    if not (0.01 <= args.scale <= 2):
        ap.error("--scale must be within 0.01..2 (0.25..2 for published figures)")
    only = [r for r in args.only.split(",") if r]
    unknown = [r for r in only if r not in ROWS]
    if unknown:
        ap.error(f"unknown row(s) {', '.join(unknown)}; rows: {', '.join(ROWS)}")
    bench = Bench(args)
    try:
        t0 = time.perf_counter()
        print(f"{'work':<52} | {'plancal':>22} | {'bound':>30} | {'ratio':>8}")
        print("-" * 122)
        for name, row in ROWS.items():
            if not only or name in only:
                row(bench)
        c = bench.counts()
        print(f"\n{c['units']:,} units, {c['occurrences']:,} occurrences, scale {args.scale}; "
              f"{machine()}; run took {time.perf_counter() - t0:,.0f} s")
        if not args.profile:
            bench.write_results(Path(args.results))
            print(f"written: {args.results}")
    finally:
        bench.close()


if __name__ == "__main__":
    main()
