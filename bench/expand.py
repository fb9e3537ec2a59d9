"""Schedule expansion and storage at national scale.

Prints occurrences per second for expansion, for storing through plancal's Store.issue, and for the
same rows inserted by a plain executemany (the bound to compare with). SQLite by default; pass a
PostgreSQL URL as the first argument to measure that too.

    python bench/expand.py [postgresql+psycopg://postgres@127.0.0.1/postgres]   # runs in a scratch database
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import write  # noqa: E402

from plancal.plans.loading import load_plan  # noqa: E402
from plancal.schedule.expansion import expand  # noqa: E402
from plancal.store import (  # noqa: E402
    OccurrenceRow,
    open_store,  # noqa: E402
    vn_midnight_utc,
)


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A fresh, empty database on the given PostgreSQL server, dropped afterwards."""
    name = f"plancal_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_url(server_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    if len(sys.argv) > 1:
        with scratch_database(sys.argv[1]) as url:
            run(url)
    else:
        run(None)


def run(url_arg: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write(folder / "plan")
        t0 = time.perf_counter()
        loaded = load_plan(path)
        t1 = time.perf_counter()
        occurrences = expand(loaded)
        t2 = time.perf_counter()
        n = len(occurrences)
        print(f"units: {len(loaded.directory):,}   occurrences: {n:,}")
        print(f"load + validate plan and directory: {t1 - t0:8.2f} s")
        print(f"expand:                             {t2 - t1:8.2f} s   {n / (t2 - t1):>10,.0f} occurrences/s")
        urls = [f"sqlite:///{folder / 'a.db'}"] + ([url_arg] if url_arg else [])
        for url in urls:
            store = open_store(url)
            t3 = time.perf_counter()
            result = store.issue(loaded, occurrences)
            t4 = time.perf_counter()
            assert result.added == n
            again = store.issue(loaded, occurrences)
            t5 = time.perf_counter()
            assert again.nothing_changed
            # the bound: the same rows by a plain executemany into an identical, empty table
            bound_url = url if url_arg and url == url_arg else f"sqlite:///{folder / 'b.db'}"
            bound = open_store(bound_url)
            with bound.engine.begin() as conn:
                conn.execute(OccurrenceRow.__table__.delete())
            modified = vn_midnight_utc(loaded.plan.issued)
            rows = [dict(uid=o.uid, plan_id=o.plan_id, kind=o.kind, source_id=o.source_id, unit_id=o.unit_id,
                         period_key=o.period_key, period_label=o.period_label, window_start=o.window_start,
                         due_stated=o.due_stated, due_effective=o.due_effective, title=o.title, detail=o.detail,
                         to_unit_id=o.to_unit_id, quota=o.quota, pilot=o.pilot, peak=o.peak, starts_at=None,
                         ends_at=None, audience=list(o.audience), content_hash=o.content_hash(), status="open",
                         done_on=None, cancelled_on=None, sequence=0, modified_at=modified) for o in occurrences]
            if bound_url != url:
                bound.issue(loaded, [])  # the plan row the foreign key needs
            with bound.engine.begin() as conn:
                conn.execute(OccurrenceRow.__table__.delete())
                t6 = time.perf_counter()
                conn.execute(insert(OccurrenceRow.__table__), rows)
                t7 = time.perf_counter()
            dialect = store.engine.dialect.name
            print(f"[{dialect}] Store.issue (first):       {t4 - t3:8.2f} s   {n / (t4 - t3):>10,.0f} rows/s")
            print(f"[{dialect}] Store.issue (unchanged):   {t5 - t4:8.2f} s")
            print(f"[{dialect}] plain executemany (bound): {t7 - t6:8.2f} s   {n / (t7 - t6):>10,.0f} rows/s")
            store.engine.dispose()
            bound.engine.dispose()


if __name__ == "__main__":
    main()
