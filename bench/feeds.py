"""Writing every unit's calendar feed at national scale, beside a naive build measured in the same run.

A synthetic directory of about 8,000 units (34 provinces, 40 departments each, ~3,300 communes and a
Fatherland Front committee in each commune) and one plan that reaches all of them: monthly articles
from communes, quarterly reports from departments, an annual report from every level, a timed
conference in each province attended by its departments, themes and anniversaries (shared by
every unit feed).

plancal's export (``plancal.feed.export_feeds``) serializes each event once and joins cached bytes;
the naive build makes a fresh icalendar ``Calendar`` per feed and rebuilds and serializes every event
in it. Both write one file per unit. SQLite by default; pass a PostgreSQL URL to store there instead.

    python bench/feeds.py [--naive-units N] [postgresql+psycopg://postgres@127.0.0.1/test]

The naive build is measured on the first 2,000 unit feeds and extrapolated, to keep the run short;
``--naive-units 0`` measures it on all of them (about a minute and a half more).
"""

from __future__ import annotations

import argparse
import tempfile
import textwrap
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from icalendar import Calendar

from plancal.feeds.export import builder, export_feeds, publish
from plancal.feeds.names import PRODID
from plancal.feeds.rendering import FeedBuilder, timezone_component
from plancal.plans.loading import load_plan
from plancal.schedule.expansion import expand
from plancal.settings import Settings
from plancal.store import Store, Submission, open_store

PROVINCES = 34
DEPARTMENTS = 40
COMMUNES = 97  # per province: 3,298 in all
TODAY = date(2025, 4, 1)


def units_yaml() -> str:
    rows = ["units:", '  - {id: tw, name: "Ban Thi đua - Khen thưởng Trung ương", kind: central}']
    for p in range(1, PROVINCES + 1):
        pid = f"t{p:02d}"
        rows.append(f'  - {{id: {pid}, name: "Ủy ban nhân dân tỉnh số {p}", kind: province, parent: tw}}')
        for d in range(1, DEPARTMENTS + 1):
            rows.append(f'  - {{id: {pid}-s{d:02d}, name: "Sở số {d} tỉnh số {p}", kind: department, parent: {pid}}}')
        for c in range(1, COMMUNES + 1):
            cid = f"{pid}-x{c:03d}"
            rows.append(f'  - {{id: {cid}, name: "Ủy ban nhân dân xã số {c}, tỉnh số {p}", kind: commune, '
                        f'parent: {pid}}}')
            rows.append(f'  - {{id: {cid}-mt, name: "Ủy ban Mặt trận Tổ quốc xã số {c}, tỉnh số {p}", '
                        f'kind: front, parent: {cid}}}')
    return "\n".join(rows) + "\n"


PLAN = textwrap.dedent("""\
    id: quoc-gia-2025-lich
    number: 9/KH-BTĐKT
    issuer: tw
    place: Hà Nội
    issued: 02/01/2025
    title: Kế hoạch tuyên truyền, nhân rộng điển hình tiên tiến năm 2025 (quy mô toàn quốc)
    period: 2025
    standing_agency: tw
    units: [units.yaml]
    recipients: [{kind: province}, {kind: department}, {kind: commune}, {kind: front}]
    duties:
      - {id: bai-viet, what: Gửi bài viết tuyên truyền điển hình tiên tiến, who: [{kind: commune}],
         quota: {min: 2, unit: bài}, to: tw, when: {every: month, day: 25, before: true}}
      - {id: gioi-thieu, what: Giới thiệu điển hình tiên tiến, who: [{kind: department}], to: tw,
         when: {every: quarter, day: 10}}
      - {id: danh-sach, what: Gửi danh sách gương điển hình của Mặt trận xã, who: [{kind: front}], to: tw,
         when: {on: 30/06/2025}}
    reports:
      - id: bao-cao
        what: Báo cáo kết quả thực hiện Kế hoạch
        to: tw
        cycles: [annual]
        deadlines:
          - {who: [{kind: commune}], day: 16}
          - {who: [{kind: department}], day: 18}
          - {who: [{kind: province}], day: 20}
    conferences:
    {conferences}
    themes:
      - {months: [1, 2], title: "Chào mừng {thanh-lap-dang} năm Ngày thành lập Đảng Cộng sản Việt Nam",
         anniversaries: [thanh-lap-dang, tet-nguyen-dan]}
      - {months: [4], title: Giỗ Tổ Hùng Vương, anniversaries: [gio-to-hung-vuong]}
      - {months: [4], title: "Chào mừng {giai-phong-mien-nam} năm ngày giải phóng miền Nam",
         anniversaries: [giai-phong-mien-nam, quoc-te-lao-dong]}
      - {months: [5], title: "Chào mừng {sinh-nhat-bac-ho} năm ngày sinh Chủ tịch Hồ Chí Minh",
         anniversaries: [sinh-nhat-bac-ho]}
      - {months: [6], title: "Chào mừng {loi-keu-goi-thi-dua} năm ngày truyền thống thi đua yêu nước",
         anniversaries: [loi-keu-goi-thi-dua]}
      - {months: [8, 9], title: "Chào mừng {cach-mang-thang-tam} năm Cách mạng tháng Tám và Quốc khánh",
         anniversaries: [cach-mang-thang-tam, quoc-khanh]}
      - {months: [12], title: "Chào mừng {thanh-lap-quan-doi} năm ngày thành lập Quân đội nhân dân Việt Nam",
         anniversaries: [thanh-lap-quan-doi]}
      - {months: all, title: Tiếp tục thực hiện phong trào thi đua "Cả nước chung tay vì người nghèo"}
    """)
CONFERENCE = """\
  - {{id: hoi-nghi-{pid}, title: Hội nghị biểu dương điển hình tiên tiến tỉnh số {p}, level: tỉnh, held_by: [{pid}],
     attendees: [{{kind: department, under: {pid}}}], within: Q3/2025, on: 12/09/2025, start: "08:00",
     duration: half_day}}"""


def plan_yaml() -> str:
    conferences = "\n".join(CONFERENCE.format(p=p, pid=f"t{p:02d}") for p in range(1, PROVINCES + 1))
    return PLAN.replace("{conferences}\n", conferences + "\n")


def naive_unit_feeds(b: FeedBuilder, units: list, out: Path) -> int:  # type: ignore[type-arg]
    """The obvious way: one fresh Calendar per unit, every event built and serialized again."""
    out.mkdir(parents=True, exist_ok=True)
    events = 0
    for unit in units:
        cal = Calendar.new(name=f"{unit.name} — lịch thực hiện kế hoạch", prodid=PRODID, uid=unit.id)
        cal.add_component(timezone_component(b.settings.timezone))
        rows = list(b.actionable.get(unit.id, ()))
        for plan_id in sorted(b.plans_of.get(unit.id, ())):
            rows += b.informational.get(plan_id, [])
        for row in rows:
            cal.add_component(b.renderer.event(row, "unit"))  # built afresh, no cache
        (out / f"{unit.feed_token}.ics").write_bytes(cal.to_ical())
        events += len(rows)
    return events


def timed(label: str, seconds: float, extra: str = "") -> None:
    print(f"  {label:<52} {seconds:8.2f} s{extra}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--naive-units", type=int, default=2000,
                    help="measure the naive build on this many unit feeds and extrapolate (0: all; default 2000)")
    ap.add_argument("url", nargs="?", help="database URL (default: SQLite in a temp folder)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "plan").mkdir()
        (folder / "plan" / "units.yaml").write_text(units_yaml(), encoding="utf-8")
        (folder / "plan" / "plan.yaml").write_text(plan_yaml(), encoding="utf-8")
        settings = replace(Settings.from_env({}), home=folder, calendar_dir=folder / "calendar",
                           database_url=args.url or f"sqlite:///{folder / 'plancal.db'}")
        store: Store = open_store(settings.db_url)
        t0 = time.perf_counter()
        loaded = load_plan(folder / "plan" / "plan.yaml")
        occurrences = expand(loaded)
        store.issue(loaded, occurrences)
        t1 = time.perf_counter()
        n_units = len(store.unit_rows())
        print(f"units: {n_units:,}   occurrences: {len(occurrences):,}   database: {store.engine.dialect.name}")
        timed("set-up: load, expand and store the plan", t1 - t0)

        print("plancal export (cached event bytes, digest check, atomic writes):")
        t0 = time.perf_counter()
        b = builder(store, settings, TODAY)
        t1 = time.perf_counter()
        feeds = list(b.feeds())
        t2 = time.perf_counter()
        result = publish(store, settings, feeds, prune=True)
        t3 = time.perf_counter()
        unit_files = list((settings.calendar_dir / "u").glob("*.ics"))
        unit_events = sum(f.count(b"BEGIN:VEVENT") for f in (p.read_bytes() for p in unit_files))
        size = sum(p.stat().st_size for p in unit_files)
        timed("read store and group rows", t1 - t0)
        timed(f"render {len(feeds):,} feeds ({unit_events:,} unit-feed events)", t2 - t1)
        timed(f"write {result.written:,} files (temp files, one sync, renames)", t3 - t2)
        fast = t3 - t0
        timed("first export, end to end", fast, f"   {n_units / fast:,.0f} unit feeds/s, {size / 1e6:,.0f} MB")

        t0 = time.perf_counter()
        again = export_feeds(store, settings, TODAY)
        t1 = time.perf_counter()
        timed(f"export again, nothing changed ({again.written} written)", t1 - t0)
        commune = store.find_occurrence("quoc-gia-2025-lich", "bai-viet", "t01-x001", "2025-03")
        store.record_submission(Submission(commune.uid, "t01-x001", date(2025, 3, 20)))
        t0 = time.perf_counter()
        one = export_feeds(store, settings, TODAY)
        t1 = time.perf_counter()
        timed(f"export after one submission ({one.written} written)", t1 - t0)

        units = store.unit_rows()
        sample = units[: args.naive_units] if args.naive_units else units
        b = builder(store, settings, TODAY)  # fresh renderer: nothing cached
        t0 = time.perf_counter()
        n_events = naive_unit_feeds(b, sample, folder / "naive")
        t1 = time.perf_counter()
        naive = (t1 - t0) * len(units) / len(sample)
        print("naive build (fresh Calendar per feed, every event rebuilt and serialized):")
        timed(f"{len(sample):,} unit feeds, {n_events:,} events", t1 - t0, f"   {n_events / (t1 - t0):,.0f} events/s")
        if len(sample) != len(units):
            timed(f"all {len(units):,} unit feeds (extrapolated)", naive)
        print(f"speed-up of plancal's first export over the naive build: {naive / fast:,.1f}×")
        store.engine.dispose()


if __name__ == "__main__":
    main()
