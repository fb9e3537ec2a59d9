"""Issuing is idempotent; amending keeps unchanged statuses, cancels removed, adds new. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from plancal.errors import PlanError, StoreError
from plancal.lifecycle.issuance import issue_file
from plancal.mail.leadtimes import LeadTimes
from plancal.settings import Settings
from plancal.store import OccurrenceRow, Store, Submission, open_store
from plancal.vn.workdays import WorkCalendar
from tests.conftest import PLANS
from tests.helpers import write_plan

BODY = """\
duties:
  - {id: send, what: Gửi bài, who: [bao], to: snv, when: {every: month, day: 25, before: true}}
  - {id: once, what: Xây dựng chuyên trang, who: [snv], when: {within: Q2/2021}}
"""


def count(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(OccurrenceRow)) or 0


def test_issue_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = write_plan(tmp_path, BODY)
    first = issue_file(store, path).result
    assert first.added == 13 and first.units_added == 8
    again = issue_file(store, path).result
    assert again.nothing_changed and again.unchanged == 13
    assert count(store) == 13


def test_amended_plan_keeps_status_cancels_removed_adds_new(store: Store, tmp_path: Path) -> None:
    path = write_plan(tmp_path, BODY)
    issue_file(store, path)
    march = store.find_occurrence("thu-nghiem", "send", "bao", "2021-03")
    assert store.record_submission(Submission(march.uid, "bao", date(2021, 3, 20), "2 bài"))
    assert not store.record_submission(Submission(march.uid, "bao", date(2021, 3, 20), "2 bài"))
    amended = BODY.replace("{within: Q2/2021}", "{within: Q3/2021}").replace(
        "  - {id: once", "  - {id: new, what: Mới, who: [snv], when: {on: 01/09/2021}}\n  - {id: once")
    amended = amended.replace("  - {id: send", "  - {id: gone, what: Bỏ, who: [snv], when: {on: 02/09/2021}}\n  - {id: send")
    path.write_text(path.read_text().replace("issued: 15/01/2021", "issued: 15/01/2021\namended: 01/07/2021")
                    .split("duties:")[0] + amended, encoding="utf-8")
    result = issue_file(store, path).result
    assert (result.added, result.changed, result.cancelled) == (2, 1, 0)
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-03")
    assert row.status == "done" and row.done_on == date(2021, 3, 20) and row.sequence == 1
    once = store.find_occurrence("thu-nghiem", "once", "snv")
    assert once.due_stated == date(2021, 9, 30) and once.sequence == 1
    # now remove 'gone' again: it is cancelled, kept, not deleted
    path.write_text(path.read_text().replace("  - {id: gone, what: Bỏ, who: [snv], when: {on: 02/09/2021}}\n", "")
                    .replace("amended: 01/07/2021", "amended: 01/08/2021"), encoding="utf-8")
    result = issue_file(store, path).result
    assert result.cancelled == 1 and result.added == 0
    gone = [r for r in store.occurrences(plan_id="thu-nghiem", include_cancelled=True) if r.source_id == "gone"]
    assert len(gone) == 1 and gone[0].status == "cancelled" and gone[0].cancelled_on == date(2021, 8, 1)
    assert gone[0].sequence == 1
    assert all(r.source_id != "gone" for r in store.occurrences(plan_id="thu-nghiem"))


def test_invalid_plan_stores_nothing(store: Store, tmp_path: Path) -> None:
    path = write_plan(tmp_path, BODY.replace("who: [bao]", "who: [khong-co]"))
    with pytest.raises(PlanError):
        issue_file(store, path)
    assert count(store) == 0 and store.plans() == [] and len(store.directory()) == 0


def test_late_and_done_states(store: Store, tmp_path: Path) -> None:
    issue_file(store, write_plan(tmp_path, BODY))
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-04")
    # the aim is Friday 23/04, the limit Saturday 24/04 (it used to be Monday 26/04: issue 9)
    assert (row.due_effective, row.due_limit) == (date(2021, 4, 23), date(2021, 4, 24))
    assert row.state(date(2021, 4, 23)) == "due"
    assert row.state(date(2021, 4, 24)) == "open"  # past the aim, not past the limit
    assert row.state(date(2021, 4, 25)) == "late"
    store.record_submission(Submission(row.uid, "bao", date(2021, 4, 28)))
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-04")
    assert row.state(date(2021, 5, 1)) == "done_late"


def test_submission_errors_are_clear(store: Store, tmp_path: Path) -> None:
    issue_file(store, write_plan(tmp_path, BODY))
    with pytest.raises(StoreError, match="ghi rõ kỳ"):
        store.find_occurrence("thu-nghiem", "send", "bao")
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-04")
    with pytest.raises(StoreError, match="thuộc đơn vị 'bao'"):
        store.record_submission(Submission(row.uid, "snv", date(2021, 4, 20)))


def test_token_rotation(store: Store, tmp_path: Path) -> None:
    issue_file(store, write_plan(tmp_path, BODY))
    old = next(u.feed_token for u in store.unit_rows() if u.id == "bao")
    assert len(old) >= 32
    new = store.rotate_token("bao")
    assert new != old and store.unit_by_token(old) is None
    unit = store.unit_by_token(new)
    assert unit is not None and unit.id == "bao"


def test_all_source_plans_issue(store: Store) -> None:
    for path in sorted(PLANS.glob("*.yaml")):
        result = issue_file(store, path).result
        assert result.added > 0
    assert len(store.plans()) == len(list(PLANS.glob("*.yaml")))


def test_sub_unit_plan_cascades_under_its_parent(store: Store) -> None:
    parent = PLANS / "002-nam-dong-2020.yaml"
    child = PLANS / "sub" / "002-xa-huong-loc-2020.yaml"
    with pytest.raises(PlanError, match="chưa được ban hành"):
        issue_file(store, child)
    issue_file(store, parent)
    issued = issue_file(store, child)
    assert any(o.kind == "conference" and o.starts_at is not None for o in issued.occurrences)
    row = store.find_occurrence("nd-2020-hoi-nghi-dhtt", "sub-plan", "nd-xa-huong-loc")
    assert row.status == "done" and row.done_on == date(2020, 2, 5)
    others = [r for r in store.occurrences(plan_id="nd-2020-hoi-nghi-dhtt", kinds=["sub_plan"])
              if r.unit_id != "nd-xa-huong-loc"]
    assert others and all(r.status == "open" for r in others)
    plan = store.plan("nd-2020-xa-huong-loc-hoi-nghi")
    assert plan is not None and plan.parent_id == "nd-2020-hoi-nghi-dhtt"


def _open(url: str) -> str:
    from plancal.store import open_store

    st = open_store(url)
    st.engine.dispose()
    return "ok"


def test_workers_starting_together_migrate_once(db_url: str) -> None:
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(4) as pool:
        assert pool.map(_open, [db_url] * 4) == ["ok"] * 4


# -- issue: all or nothing, and one at a time -------------------------------------------------------------
def _tables_empty(store: Store) -> dict[str, int]:
    from plancal.store import PlanRow, UnitRow

    with store.session() as s:
        return {name: s.scalar(select(func.count()).select_from(table)) or 0
                for name, table in (("plans", PlanRow), ("units", UnitRow), ("occurrences", OccurrenceRow))}


@pytest.mark.parametrize("case", ["long-number", "nul-title", "long-unit-name"])
def test_an_issue_the_database_cannot_hold_stores_nothing_and_names_the_field(
        store: Store, tmp_path: Path, case: str) -> None:
    from dataclasses import replace

    from plancal.plans.loading import load_plan
    from plancal.schedule.expansion import expand
    from plancal.units.directory import Directory

    loaded = load_plan(write_plan(tmp_path, BODY))  # the plan file is fine; the values below reach the store as is
    if case == "long-number":
        loaded = replace(loaded, plan=loaded.plan.model_copy(update={"number": "1" * 102}))
        field, words = "number", "dài 102 ký tự, quá giới hạn 80"
    elif case == "nul-title":
        loaded = replace(loaded, plan=loaded.plan.model_copy(update={"title": "Kế hoạch\x00 thử"}))
        field, words = "title", "ký tự NUL"
    else:
        units = [replace(u, name="Đ" * 301) if u.id == "bao" else u for u in loaded.directory]
        loaded = replace(loaded, directory=Directory(units))
        field, words = "name", "dài 301 ký tự, quá giới hạn 300"
    with pytest.raises(StoreError) as caught:
        store.issue(loaded, expand(loaded))
    [problem] = caught.value.problems
    assert problem.field == field and words in problem.message and "PLANCAL_DATABASE_URL" not in str(caught.value)
    assert ("thu-nghiem" in problem.message) or ("'bao'" in problem.message)
    assert _tables_empty(store) == {"plans": 0, "units": 0, "occurrences": 0}


def test_a_refused_insert_rolls_back_the_units_too(store: Store, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the checks, a database error in the middle of the issue still keeps nothing of it."""
    from plancal.store import plans

    monkeypatch.setattr(plans.Plans, "_check_fits", lambda *a: None)
    from dataclasses import replace

    from plancal.plans.loading import load_plan
    from plancal.schedule.expansion import expand

    loaded = load_plan(write_plan(tmp_path, BODY))
    loaded = replace(loaded, plan=loaded.plan.model_copy(update={"issuer": "x" * 81}))
    if store.engine.dialect.name == "sqlite":  # SQLite keeps any length: make the plan row clash instead
        loaded = replace(loaded, plan=loaded.plan.model_copy(update={"title": None}))
    with pytest.raises(StoreError) as caught:
        store.issue(loaded, expand(loaded))
    assert "kế hoạch 'thu-nghiem'" in str(caught.value) and "chưa lưu gì" in str(caught.value)
    assert _tables_empty(store) == {"plans": 0, "units": 0, "occurrences": 0}


def _issue_in_child(db_url: str, path: str, start: float, out: object) -> None:
    import time as _time

    from plancal.store import open_store

    st = open_store(db_url, migrate=False)
    _time.sleep(max(0.0, start - _time.time()))
    try:
        issued = issue_file(st, Path(path))
        out.put(("ok", issued.result.added, issued.result.unchanged))  # type: ignore[attr-defined]
    except StoreError as exc:
        out.put(("error", str(exc), 0))  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 — a raw error is what this test looks for
        out.put(("raw", f"{exc.__class__.__name__}: {exc}", 0))  # type: ignore[attr-defined]
    finally:
        st.engine.dispose()


def test_concurrent_issues_of_one_plan_all_succeed_or_say_they_lost_a_race(store: Store, db_url: str,
                                                                          tmp_path: Path) -> None:
    import multiprocessing
    import time

    path = write_plan(tmp_path, BODY)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start = time.time() + 4  # every child has started and connected before any issues
    children = [ctx.Process(target=_issue_in_child, args=(db_url, str(path), start, out)) for _ in range(8)]
    for child in children:
        child.start()
    results = [out.get(timeout=120) for _ in children]
    for child in children:
        child.join(60)
    assert not [r for r in results if r[0] == "raw"], results
    lost = [r for r in results if r[0] == "error"]
    assert all("đang được ban hành bởi tiến trình khác; chạy lại" in r[1] for r in lost), lost
    won = [r for r in results if r[0] == "ok"]
    assert [r[1] for r in won].count(13) == 1  # one stored it, the others found it stored
    assert all(r[1:] == (0, 13) for r in won if r[1] != 13)
    assert count(store) == 13
    assert _tables_empty(store) == {"plans": 1, "units": 8, "occurrences": 13}


# -- change numbers ---------------------------------------------------------------------------------------
def test_an_older_store_upgrades_to_change_numbers_and_back(store: Store, tmp_path: Path) -> None:
    """Migration 0009 on a store holding rows: they take number 0, the counter starts at 0, and the first
    change after the upgrade takes 1; the downgrade removes the column and the tables again."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from plancal.store import upgrade
    from plancal.store.engine import migrations_dir

    path = write_plan(tmp_path, BODY)
    issue_file(store, path)
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    tables = inspect(store.engine)
    assert "change_number" not in {c["name"] for c in tables.get_columns("occurrences")}
    assert not {"change_numbers", "feed_exports"} & set(tables.get_table_names())
    assert "ix_occurrences_kind" not in {i["name"] for i in tables.get_indexes("occurrences")}
    upgrade(store.engine)
    # 0010: the few conferences, themes and anniversaries a unit's feed shows are found by an index
    assert "ix_occurrences_kind" in {i["name"] for i in inspect(store.engine).get_indexes("occurrences")}
    assert store.last_change_number() == 0
    assert {r.change_number for r in store.occurrences()} == {0}
    row = store.find_occurrence("thu-nghiem", "send", "bao", "2021-02")
    store.record_submission(Submission(row.uid, "bao", date(2021, 2, 23)))
    assert [r.uid for r in store.occurrence_facts(changed_after=0)] == [row.uid]
    assert store.last_change_number() == 1


def test_concurrent_changes_take_distinct_numbers_in_commit_order(store: Store, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    issue_file(store, write_plan(tmp_path, BODY))
    first = store.last_change_number()
    rows = [r for r in store.occurrences() if r.unit_id == "bao"][:8]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda r: store.record_submission(Submission(r.uid, "bao", r.due_effective)), rows))
    numbers = sorted(r.change_number for r in store.occurrences_by_uid([r.uid for r in rows]))
    assert numbers == list(range(first + 1, first + 9))
    assert store.last_change_number() == first + 8



def test_the_days_mark_query_reads_the_window_of_due_days_on_sqlite(tmp_path: Path) -> None:
    """SQLite keeps no statistics: given ``kind IN (…)`` it read the rows through the index on kind (nearly
    every row is a duty: the whole table) instead of the window of due days. The kinds are picked after the
    query, and only the asked kinds come back."""
    store = open_store(f"sqlite:///{tmp_path / 'plancal.db'}")
    issue_file(store, PLANS / "003-an-giang-2021.yaml")
    marks: list[tuple[str, object]] = []

    def keep(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        if "due_limit IN" in statement:
            marks.append((statement, parameters))

    day = date(2021, 4, 26)
    lead = LeadTimes.from_settings(Settings.from_env({}))
    event.listen(store.engine, "before_cursor_execute", keep)
    asked = dict(start=date(2021, 3, 1), end=date(2021, 5, 31), due_on=lead.digest_aims(day, WorkCalendar()),
                 limit_on=[day])
    duties = store.open_rows_at_marks(kinds=["duty"], **asked)  # type: ignore[arg-type]
    event.remove(store.engine, "before_cursor_execute", keep)
    [(statement, parameters)] = marks
    with store.engine.connect() as conn:
        plan = " ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    assert "ix_occurrences_due_effective" in plan and "ix_occurrences_kind" not in plan, plan
    every = store.open_rows_at_marks(kinds=["duty", "sub_plan", "report", "theme", "anniversary"], **asked)  # type: ignore[arg-type]
    assert duties and {r.kind for r in duties} == {"duty"}
    assert duties == [r for r in every if r.kind == "duty"] and len(every) > len(duties)
    store.engine.dispose()
