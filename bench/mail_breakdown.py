"""Where the time of the bench's mail row goes: one ``send_reminders`` of the row's 10,000 digests over
loopback SMTP, wall and CPU per stage (plan, claim, screen, compose, send, mark), then the row's bound
(smtplib, one connection, the same messages composed beforehand) on the same sink.

    PYTHONPATH=$PWD/src:$PWD python bench/mail_breakdown.py [--profile tottime|cumulative]

The national store is built once per call in a temporary folder (about 30 s), like ``run.py --only mail``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import shutil
import smtplib
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))


def _timed(owner: Any, name: str, acc: dict[str, list[float]]) -> None:
    fn: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            slot = acc.setdefault(f"{owner.__name__}.{name}", [0, 0.0, 0.0])
            slot[0] += 1
            slot[1] += time.perf_counter() - t0
            slot[2] += time.process_time() - c0

    setattr(owner, name, wrapper)


def main() -> None:
    import run as bench  # bench/run.py: its set-up, its sink

    from plancal.mail.composition import compose
    from plancal.mail.courier import Courier
    from plancal.mail.daily import send_reminders
    from plancal.mail.mailers import SmtpMailer
    from plancal.mail.planners.digests import digests
    from plancal.store import DeliveryLog

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profile", choices=["tottime", "cumulative"], help="cProfile the run instead of timing stages")
    args = ap.parse_args()
    b = bench.Bench(argparse.Namespace(scale=1.0, profile=False))
    b.day  # noqa: B018 (the store state of the letter rows)
    with contextlib.closing(sqlite3.connect(b.db_file)) as db:
        mail_day = date.fromisoformat(db.execute(
            "SELECT due_effective FROM occurrences WHERE source_id = 'so-gioi-thieu' AND period_key = '2025-Q2' "
            "LIMIT 1").fetchone()[0])
    store, settings = b.store, b.settings
    chosen = digests(store, settings, mail_day)[:bench.MAIL_DIGESTS]
    wanted = {letter.recipient for letter in chosen}
    envelopes = [compose(letter, settings, datetime.now(UTC)) for letter in chosen]
    acc: dict[str, list[float]] = {}
    if not args.profile:
        for name in ("owe", "claim", "plans_marker", "withdrawn", "mark"):
            _timed(DeliveryLog, name, acc)
        for name in ("_screen", "_compose_ahead"):
            _timed(Courier, name, acc)
        _timed(SmtpMailer, "send", acc)
    prof = cProfile.Profile() if args.profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof is not None:
        prof.enable()
    report = send_reminders(store, settings, mail_day, SmtpMailer(settings), recipients=wanted)
    if prof is not None:
        prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert report.sent == len(chosen) and report.ok, report.summary()
    print(f"send_reminders: wall {wall:6.2f} s  cpu {cpu:6.2f} s")
    for name, (calls, w, c) in acc.items():
        print(f"  {name:28s} {int(calls):>6} calls  wall {w:6.2f} s  cpu {c:6.2f} s")
    t0, c0 = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", b.sink.port, local_hostname="bench.local") as conn:
        for e in envelopes:
            conn.sendmail(e.sender, [e.recipient], e.data)
    bound, bound_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"bound (smtplib): wall {bound:6.2f} s  cpu {bound_cpu:6.2f} s  -> {bound / wall:.2f} of the bound")
    b.sink.stop()
    shutil.rmtree(b.tmp, ignore_errors=True)
    if prof is not None:
        pstats.Stats(prof).sort_stats(args.profile).print_stats(40)


if __name__ == "__main__":
    main()
