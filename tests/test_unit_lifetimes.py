"""Units that end: their later duties go to their successors or are dropped with a note; no mail after
their end; plan 000 follows the 2025 changes of its units."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from plancal import mail
from plancal.errors import UnitError
from plancal.lifecycle.issuance import issue_file
from plancal.mail.items import World
from plancal.plans.loading import load_plan
from plancal.schedule.expansion import expand
from plancal.schedule.lifetimes import Dropped
from plancal.schedule.occurrence import Kind
from plancal.settings import Settings
from plancal.store import Store
from plancal.units.directory import Directory, Unit
from plancal.units.reading import read_units
from tests.helpers import UNITS, write_plan
from tests.test_plan_000 import SOURCE as P000

CHANGED = UNITS.replace(
    '{id: xa-a1, name: "UBND xã A1", kind: commune, parent: huyen-a, emails: [a1@tinh.gov.vn]}',
    '{id: xa-a1, name: "UBND xã A1", kind: commune, parent: huyen-a, emails: [a1@tinh.gov.vn], valid_to: 30/06/2021,'
    ' successor: phuong-moi}').replace(
    '{id: xa-a2, name: "UBND xã A2", kind: commune, parent: huyen-a, emails: [a2@tinh.gov.vn]}',
    '{id: xa-a2, name: "UBND xã A2", kind: commune, parent: huyen-a, emails: [a2@tinh.gov.vn], valid_to: 30/06/2021}',
) + '  - {id: phuong-moi, name: "phường Mới", kind: ward, parent: tinh, valid_from: 01/07/2021, emails: [moi@tinh.gov.vn]}\n'

MONTHLY = """\
duties:
  - {id: bai, what: Gửi bài tuyên truyền, who: [{kind: commune}], to: snv, when: {every: month, day: 25}}
"""


def changed_plan(tmp_path: Path, body: str = MONTHLY) -> Path:
    path = write_plan(tmp_path, body)
    (tmp_path / "units.yaml").write_text(CHANGED, encoding="utf-8")
    return path


def test_later_duties_go_to_the_successor_or_are_dropped_with_a_note(tmp_path: Path) -> None:
    assert "valid_to: 30/06/2021" in CHANGED and "phuong-moi" in CHANGED
    notes: list[Dropped] = []
    occ = [o for o in expand(load_plan(changed_plan(tmp_path)), notes=notes) if o.source_id == "bai"]
    months = {u: sorted(o.due_stated.month for o in occ if o.unit_id == u) for u in ("xa-a1", "xa-a2", "phuong-moi")}
    assert months == {"xa-a1": [1, 2, 3, 4, 5, 6], "xa-a2": [1, 2, 3, 4, 5, 6], "phuong-moi": [7, 8, 9, 10, 11, 12]}
    assert all(o.due_effective <= date(2021, 6, 30) for o in occ if o.unit_id in ("xa-a1", "xa-a2"))
    moved = [o for o in occ if o.unit_id == "phuong-moi"]
    assert all("Chuyển từ UBND xã A1 (hoạt động đến 30/06/2021)" in o.detail for o in moved)
    assert len({o.uid for o in occ}) == len(occ)
    assert sorted(n.occurrence.due_stated.month for n in notes) == [7, 8, 9, 10, 11, 12]
    assert {n.occurrence.unit_id for n in notes} == {"xa-a2"}
    assert "UBND xã A2 hoạt động đến 30/06/2021 và không có đơn vị kế thừa" in notes[0].reason
    # the other communes are untouched
    assert sorted(o.due_stated.month for o in occ if o.unit_id == "xa-b1") == list(range(1, 13))


def test_a_successor_that_does_not_exist_yet_does_not_take_the_work(tmp_path: Path) -> None:
    path = changed_plan(tmp_path)
    text = (tmp_path / "units.yaml").read_text(encoding="utf-8").replace("valid_from: 01/07/2021", "valid_from: 01/09/2021")
    (tmp_path / "units.yaml").write_text(text, encoding="utf-8")
    notes: list[Dropped] = []
    occ = [o for o in expand(load_plan(path), notes=notes) if o.source_id == "bai"]
    assert sorted(o.due_stated.month for o in occ if o.unit_id == "phuong-moi") == [9, 10, 11, 12]
    assert sorted(n.occurrence.due_stated.month for n in notes if n.occurrence.unit_id == "xa-a1") == [7, 8]
    assert "đơn vị kế thừa phường Mới không hoạt động ngày 23/07/2021" in next(
        n.reason for n in notes if n.occurrence.unit_id == "xa-a1")


def test_lifetime_mistakes_are_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "units.yaml"
    path.write_text("units:\n  - {id: a, name: A, kind: commune, valid_from: 01/07/2025, valid_to: 30/06/2025}\n"
                    "  - {id: b, name: B, kind: commune, valid_to: 30/06/2025, successor: khong-co}\n"
                    "  - {id: c, name: C, kind: commune, successor: a}\n", encoding="utf-8")
    with pytest.raises(UnitError) as err:
        Directory.build(read_units(path))
    text = str(err.value)
    assert f"{path}:2" in text and "kết thúc (30/06/2025) trước khi bắt đầu (01/07/2025)" in text
    assert f"{path}:3" in text and "đơn vị kế thừa 'khong-co' của 'b' không có trong danh mục" in text
    assert f"{path}:4" in text and "chưa có ngày kết thúc" in text
    path.write_text("units:\n  - {id: a, name: A, kind: commune, valid_to: 31/06/2025}\n", encoding="utf-8")
    with pytest.raises(UnitError, match="valid_to: ngày 31/6/2025 không tồn tại"):
        read_units(path)


def test_holder_on_follows_a_chain_of_successors() -> None:
    d = Directory.build([Unit("a", "A", "district", valid_to=date(2025, 6, 30), successor="b"),
                         Unit("b", "B", "province", valid_to=date(2025, 12, 31), successor="c"),
                         Unit("c", "C", "province", valid_from=date(2026, 1, 1))])
    assert d.holder_on("a", date(2025, 6, 30)) == "a"
    assert d.holder_on("a", date(2025, 7, 1)) == "b"
    assert d.holder_on("a", date(2026, 1, 1)) == "c"
    assert d.holder_on("c", date(2025, 12, 31)) is None


def after(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def every_letter(store: Store, settings: Settings, day: date) -> list[mail.Letter]:
    return [*mail.digests(store, settings, day), *mail.escalations(store, settings, day),
            *mail.monthly_themes(store, settings, day), *mail.report_calls(store, settings, day),
            *mail.weekly_summaries(store, settings, day), *mail.conference_steps(store, settings, day)]


def test_no_mail_to_a_unit_after_its_end(store: Store, settings: Settings, tmp_path: Path) -> None:
    body = MONTHLY + """\
themes:
  - {months: all, title: Tuyên truyền gương người tốt việc tốt}
"""
    issue_file(store, changed_plan(tmp_path, body))
    world = World.load(store)
    assert world.emails("xa-a1", date(2021, 6, 30)) == ["a1@tinh.gov.vn"]
    assert world.emails("xa-a1", date(2021, 7, 1)) == []
    assert world.emails("phuong-moi", date(2021, 6, 30)) == []
    before = {x.recipient for day in after(date(2021, 6, 20), date(2021, 6, 30)) for x in every_letter(store, settings, day)}
    assert {"a1@tinh.gov.vn", "a2@tinh.gov.vn"} <= before
    later = {x.recipient for day in after(date(2021, 7, 1), date(2021, 8, 31)) for x in every_letter(store, settings, day)}
    assert "moi@tinh.gov.vn" in later
    assert not later & {"a1@tinh.gov.vn", "a2@tinh.gov.vn"}


# -- plan 000: the district level ends on 30/06/2025 ------------------------------------------------------
END = date(2025, 6, 30)


def test_plan_000_district_bodies_owe_nothing_after_their_end() -> None:
    directory = P000.loaded().directory
    ended = {u.id for u in directory if u.valid_to == END}
    assert {"tn-ubnd-huyen", "tn-phong-noi-vu", "tn-ubmttq", "tn-xa-thuy-son"} <= ended
    for o in P000.occurrences():
        if o.unit_id in ended:
            assert o.due_effective <= END, (o.unit_id, o.title)


def test_plan_000_remaining_duties_are_owed_by_the_successor() -> None:
    noi_vu = {o.source_id: o for o in P000.occurrences() if o.unit_id == "tn-phong-noi-vu" and o.kind is Kind.ONGOING}
    so = {o.source_id: o for o in P000.occurrences() if o.unit_id == "tn-so-noi-vu-tp" and o.kind is Kind.ONGOING}
    assert set(noi_vu) == set(so) and {"noi-vu-chi-dao-trien-khai", "noi-vu-tham-muu-phong-trao"} <= set(so)
    for key in so:
        assert noi_vu[key].due_stated == END
        assert so[key].window_start == date(2025, 7, 1) and so[key].due_stated == date(2025, 12, 31)
    for key in ("noi-vu-chi-dao-trien-khai", "noi-vu-tham-muu-phong-trao"):
        assert so[key].to_unit_id == "tn-ubnd-tp"  # the recipient (the district committee) ended too
    # a commune with a successor ward, one without
    assert any(o.unit_id == "tn-phuong-luu-kiem" and o.source_id == "xa-nhan-rong-dien-hinh" for o in P000.occurrences())
    notes: list[Dropped] = []
    expand(P000.loaded(), notes=notes)
    dropped = {(n.occurrence.unit_id, n.occurrence.source_id) for n in notes}
    assert ("tn-xa-thuy-son", "xa-nhan-rong-dien-hinh") in dropped and ("tn-ubmttq", "mttq-giam-sat") in dropped
    assert not any(u == "tn-xa-luu-kiem" for u, _ in dropped)
    # the new wards inherit, they are not recipients of the plan in their own right
    assert not any(o.unit_id == "tn-phuong-thien-huong" for o in P000.occurrences())
