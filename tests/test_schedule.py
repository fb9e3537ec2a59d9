"""General schedule rules, not one sentence: "before the Nth of the last month of each quarter" etc."""

from __future__ import annotations

import hashlib
from dataclasses import fields
from datetime import date
from enum import Enum
from pathlib import Path

import pytest

from plancal.plans.loading import load_plan
from plancal.schedule.expansion import expand, expand_plan
from plancal.schedule.occurrence import CONTENT_RUNS, ContentRuns, Occurrence, content_hashes
from plancal.units.directory import Unit
from tests.helpers import write_plan


def occ(tmp_path: Path, body: str) -> list[Occurrence]:
    return expand(load_plan(write_plan(tmp_path, body)))


def dues(items: list[Occurrence], source: str, unit: str | None = None) -> list[date]:
    return [o.due_stated for o in items if o.source_id == source and (unit is None or o.unit_id == unit)]


def test_before_the_10th_of_the_last_month_of_each_quarter(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    duties:
      - {id: q, what: Báo cáo quý, who: [snv], when: {every: quarter, month: last, day: 10, before: true}}
    """)
    assert dues(items, "q") == [date(2021, 3, 9), date(2021, 6, 9), date(2021, 9, 9), date(2021, 12, 9)]


def test_nth_of_first_and_next_month_and_calendar_month(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    duties:
      - {id: first, what: A, who: [snv], when: {every: quarter, month: first, day: 15}}
      - {id: next, what: B, who: [snv], when: {every: half, month: next, day: 5}}
      - {id: yearly, what: C, who: [snv], when: {every: year, month: 11, day: 30}}
      - {id: last-day, what: D, who: [snv], when: {every: month, months: [2, 4]}}
    """)
    assert dues(items, "first") == [date(2021, 1, 15), date(2021, 4, 15), date(2021, 7, 15), date(2021, 10, 15)]
    assert dues(items, "next") == [date(2021, 7, 5), date(2022, 1, 5)]
    assert dues(items, "yearly") == [date(2021, 11, 30)]
    assert dues(items, "last-day") == [date(2021, 2, 28), date(2021, 4, 30)]


def test_day_past_month_end_clamps_and_negative_counts_back(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    duties:
      - {id: d31, what: A, who: [snv], when: {every: month, day: 31, months: [2]}}
      - {id: dm2, what: B, who: [snv], when: {every: month, day: -2, months: [2]}}
      - {id: b1, what: C, who: [snv], when: {every: month, day: 1, before: true, months: [3]}}
    """)
    assert dues(items, "d31") == [date(2021, 2, 28)]
    assert dues(items, "dm2") == [date(2021, 2, 27)]
    assert dues(items, "b1") == [date(2021, 2, 28)]


def test_recurrence_starts_at_issue_not_before(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    duties:
      - {id: m, what: A, who: [snv], when: {every: month, day: 10, from: 01/03/2021, until: 31/05/2021}}
    """)
    assert dues(items, "m") == [date(2021, 3, 10), date(2021, 4, 10), date(2021, 5, 10)]


def test_chained_deadline_follows_each_period(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    duties:
      - {id: send, what: Gửi bài, who: [bao], to: snv, when: {every: month, day: 25, before: true}}
      - {id: compile, what: Tổng hợp, who: ["@standing-agency"], to: tinh, when: {after: send, days: 5}}
    """)
    send, compile_ = dues(items, "send"), dues(items, "compile")
    assert len(send) == len(compile_) == 12
    assert all((c - s).days == 5 for s, c in zip(send, compile_, strict=True))
    assert compile_[1] == date(2021, 3, 1)  # 24/2 + 5 days


def test_window_days_after_issue_and_sub_plans(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    sub_plans: {who: [{kind: district}], days: 15}
    duties:
      - {id: w, what: Hội thi, who: ["@standing-agency"], when: {within: Q2/2021}}
      - {id: ai, what: Triển khai, who: [{kind: commune, under: huyen-a}], when: {days_after_issue: 30}}
    """)
    assert dues(items, "w") == [date(2021, 6, 30)]
    assert dues(items, "ai") == [date(2021, 2, 14)] * 2
    assert {o.unit_id for o in items if o.source_id == "ai"} == {"xa-a1", "xa-a2"}
    subs = [o for o in items if o.kind == "sub_plan"]
    assert {o.unit_id for o in subs} == {"huyen-a", "huyen-b"}
    assert all(o.due_stated == date(2021, 1, 30) and o.to_unit_id == "snv" for o in subs)


def test_quotas_per_assignment(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    duties:
      - id: dh
        what: Điển hình tiêu biểu được phổ biến, nhân rộng
        when: {every: year}
        assign:
          - {who: [{kind: district}], quota: {min: 5, max: 7, unit: điển hình}}
          - {who: [{kind: commune}], quota: {min: 2, unit: điển hình}}
          - {who: ["@standing-agency"], quota: {min: 15, unit: điển hình, scope: total}}
    """)
    by_unit = {o.unit_id: o.quota for o in items if o.source_id == "dh"}
    assert by_unit["huyen-a"] == "5-7 điển hình"
    assert by_unit["xa-b1"] == "ít nhất 2 điển hình"
    assert by_unit["snv"] == "ít nhất 15 điển hình (toàn địa bàn)"


def test_aim_moves_before_a_day_off_and_keeps_stated(tmp_path: Path) -> None:
    # (the aim used to move to the next working day, past the stated limit: issue 9)
    items = occ(tmp_path, """\
    duties:
      - {id: send, what: Gửi bài, who: [bao], when: {every: month, day: 25, before: true}}
      - {id: grace, what: Gửi, who: [bao], when: {every: month, day: 25, before: true, shift: next}}
      - {id: keep, what: Giữ, who: [bao], when: {every: month, day: 25, before: true, shift: none}}
    """)
    april = {o.source_id: o for o in items if o.period_key == "2021-04"}
    send, grace, keep = april["send"], april["grace"], april["keep"]
    assert (send.due_stated, send.due_effective, send.due_limit) == (date(2021, 4, 24), date(2021, 4, 23), date(2021, 4, 24))
    assert (grace.due_effective, grace.due_limit) == (date(2021, 4, 23), date(2021, 4, 26))  # legacy "next" = art. 148
    assert keep.due_effective == keep.due_limit == date(2021, 4, 24)


def test_expansion_is_deterministic_and_ids_stable(tmp_path: Path) -> None:
    body = """\
    duties:
      - {id: send, what: Gửi bài, who: [bao], when: {every: month, day: 25, before: true}}
    themes:
      - {months: [2], title: "Mừng {thanh-lap-dang} năm Đảng", anniversaries: [thanh-lap-dang]}
    """
    a = occ(tmp_path / "a", body)
    b = occ(tmp_path / "b", body)
    assert a == b
    assert len({o.uid for o in a}) == len(a)
    theme = next(o for o in a if o.kind == "theme")
    assert theme.title == "Mừng 91 năm Đảng"
    assert theme.audience and "xa-a1" in theme.audience


@pytest.mark.parametrize("plan", [*sorted((Path(__file__).parents[1] / "plans").glob("*.yaml")),
                                  *sorted((Path(__file__).parent / "plans").glob("0*.yaml"))], ids=lambda p: p.stem)
def test_content_hashes_digest_the_repr_of_every_field(plan: Path) -> None:
    """The digest stored with each row, assembled from the repr of each distinct value, is the SHA-256 of
    the repr of the tuple of the occurrence's fields, enums as their text (what the rows already stored hold)."""
    items = expand(load_plan(plan))

    def digest(o: Occurrence) -> str:
        values = tuple(str(v) if isinstance(v, Enum) else v for v in (getattr(o, f.name) for f in fields(o)))
        return hashlib.sha256(repr(values).encode()).hexdigest()[:32]

    assert list(content_hashes(items)) == [digest(o) for o in items]
    assert len(set(content_hashes(items))) == len(items)
    # read once for the digests and the stored rows of an issue: the same digests, of any part of the rows
    seen: list[tuple[object, ...]] = []
    runs = ContentRuns(items, (seen.append, tuple))
    assert list(runs.digests()) == [digest(o) for o in items]
    assert len(seen) == len(set(seen)) == len(runs.distinct[0])  # each distinct owner worked out once
    assert runs.forms()[1] == [tuple(getattr(o, f) for f in CONTENT_RUNS[1]) for o in items]
    picked = runs.only(range(len(items) - 1, -1, -3))
    assert list(picked.digests()) == [digest(o) for o in items[::-1][::3]]
    assert picked.occurrences == items[::-1][::3]


def test_conference_pilot_first_and_preparation(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    conferences:
      - id: hn-xa
        title: Hội nghị tuyên dương điển hình tiên tiến
        level: xã
        held_by: [{kind: commune}]
        within: Q1/2021
        pilot: {unit: xa-b1}
        delegates: {max: 300, exemplars_pct: 70, guests_pct: 30}
        preparation:
          - {id: hoi-truong, what: Chuẩn bị hội trường, who: ["@holder"], days_before: 7}
    """)
    confs = [o for o in items if o.kind == "conference"]
    pilot = next(o for o in confs if o.pilot)
    others = [o for o in confs if not o.pilot]
    assert pilot.unit_id == "xa-b1"
    assert all(pilot.due_effective < o.window_start for o in others)
    assert all(o.due_stated == date(2021, 3, 31) for o in others)
    assert "tối đa 300 đại biểu" in pilot.detail
    preps = [o for o in items if o.kind == "preparation"]
    assert len(preps) == 3 and {o.unit_id for o in preps} == {"xa-a1", "xa-a2", "xa-b1"}


def test_reports_follow_decree_09_cutoffs(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    reports:
      - id: bc
        what: Báo cáo kết quả thực hiện Kế hoạch
        to: snv
        deadlines:
          - {who: [{kind: commune}], day: 16}
          - {who: [{kind: district}], day: 18}
        consolidate: {who: ["@standing-agency"], day: 22}
        consolidate_to: tinh
    """)
    reports = [o for o in items if o.kind == "report"]
    assert {(o.unit_id, o.period_key, o.due_stated) for o in reports if o.unit_id == "huyen-a"} == {
        ("huyen-a", "2021-H1", date(2021, 6, 18)), ("huyen-a", "2021", date(2021, 12, 18))}
    h1 = next(o for o in reports if o.period_key == "2021-H1")
    assert "15/12/2020 đến ngày 14/06/2021" in h1.detail
    cons = [o for o in items if o.kind == "consolidation"]
    assert [(o.unit_id, o.due_stated, o.to_unit_id) for o in cons] == [
        ("snv", date(2021, 6, 22), "tinh"), ("snv", date(2021, 12, 22), "tinh")]


def test_kind_selectors_default_to_the_issuers_subtree(tmp_path: Path) -> None:
    loaded = load_plan(write_plan(tmp_path, """\
    duties:
      - {id: d, what: A, who: [{kind: commune}], when: {within: Q2/2021}}
    """))
    other = [Unit("tinh-khac", "Tỉnh khác", "province"), Unit("xa-khac", "Xã khác", "commune", "tinh-khac")]
    shared = loaded.directory.merged(other)
    items = expand_plan(loaded.plan, shared, loaded.registry)
    assert {o.unit_id for o in items if o.source_id == "d"} == {"xa-a1", "xa-a2", "xa-b1"}


def test_ongoing_duty_spans_the_plan_and_is_never_late(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    duties:
      - {id: tx, what: Thường xuyên tuyên truyền, who: [bao], when: {ongoing: true}}
    """)
    [item] = [o for o in items if o.source_id == "tx"]
    assert item.kind == "ongoing" and not item.actionable
    assert (item.window_start, item.due_effective) == (date(2021, 1, 1), date(2021, 12, 31))


def test_calendar_cutoff_reports_and_conference_note(tmp_path: Path) -> None:
    items = occ(tmp_path, """\
    reports:
      - {id: bc, what: Báo cáo, cycles: [annual], cutoff: calendar, to: snv,
         deadlines: [{who: [{kind: district}], day: 10, month: next}]}
    conferences:
      - {id: hn, title: Hội nghị, level: tỉnh, held_by: [tinh], within: Q3/2021, duration: null,
         note: Hội nghị toàn thể nếu dưới 200 người.}
    """)
    report = next(o for o in items if o.kind == "report")
    assert report.due_stated == date(2022, 1, 10)
    assert "01/01/2021 đến ngày 31/12/2021." in report.detail and "09/2019" not in report.detail
    conf = next(o for o in items if o.kind == "conference")
    assert "dưới 200 người" in conf.detail and "Thời lượng" not in conf.detail
