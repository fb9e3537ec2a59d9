"""The largest plan plancal accepts, and how long ``plancal check`` takes on it.

Builds a plan at the limits of docs/limits.md — MAX_DUTIES monthly duties with long texts, the
longest period that keeps the expansion under MAX_OCCURRENCES — and prints the time to load and
validate it, to expand it, and, as the bound to compare with, the time yaml.safe_load (libyaml) takes
to read the same text into Python data.

    python bench/largest_plan.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import yaml

from plancal.plans.loading import MAX_OCCURRENCES, load_plan
from plancal.plans.model import MAX_DUTIES
from plancal.schedule.expansion import expand
from plancal.source import MAX_FILE_BYTES

UNITS = """\
units:
  - {id: tinh, name: "UBND tỉnh Thử Nghiệm", kind: province, emails: [ubnd@tinh.gov.vn]}
  - {id: snv, name: "Sở Nội vụ", kind: department, parent: tinh, emails: [snv@tinh.gov.vn]}
"""


def plan_text(years: int, what_chars: int) -> str:
    head = f"""\
id: lon-nhat
number: 1/KH-UBND
issuer: tinh
place: Thử Nghiệm
issued: 01/01/2021
title: Kế hoạch lớn nhất plancal nhận
period: 2021-{2021 + years - 1}
standing_agency: snv
units: [units.yaml]
recipients: [snv]
duties:
"""
    what = ("Tổng hợp, báo cáo kết quả thực hiện nhiệm vụ " * 40)[:what_chars].strip()
    rows = [f"  - {{id: nv-{i}, what: \"{what} {i}\", who: [snv], to: tinh, when: {{every: month, day: 25}}}}"
            for i in range(MAX_DUTIES)]
    return head + "\n".join(rows) + "\n"


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    years = MAX_OCCURRENCES // (MAX_DUTIES * 12)
    what_chars = 900
    text = plan_text(years, what_chars)
    while len(text.encode()) > MAX_FILE_BYTES:
        what_chars -= 50
        text = plan_text(years, what_chars)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "units.yaml").write_text(UNITS, encoding="utf-8")
        path = folder / "plan.yaml"
        path.write_text(text, encoding="utf-8")
        _, parse_s = timed(lambda: yaml.load(text, Loader=yaml.CSafeLoader))  # noqa: S506 - the safe C loader
        loaded, load_s = timed(lambda: load_plan(path))
        occurrences, expand_s = timed(lambda: expand(loaded))
    size = len(text.encode())
    print(f"plan: {size / 1024 / 1024:.2f} MB of {MAX_FILE_BYTES / 1024 / 1024:.0f} MB, {MAX_DUTIES} duties, "
          f"{years} years, {len(occurrences):,} occurrences (limit {MAX_OCCURRENCES:,})")
    print(f"yaml.safe_load (libyaml), the bound: {parse_s:7.2f} s")
    print(f"load_plan (limits, parse, validate): {load_s:7.2f} s  ({load_s / parse_s:.1f}× the bound)")
    print(f"expand:                              {expand_s:7.2f} s  ({len(occurrences) / expand_s:,.0f} occurrences/s)")
    print(f"plancal check = load + expand:       {load_s + expand_s:7.2f} s")


if __name__ == "__main__":
    main()
