"""The register of exemplars (điển hình tiên tiến): who was introduced, collective or individual, by which
unit, in which of the plan's fields, on which day and by which document. Entered one at a time
(``plancal exemplars add``) or from a CSV file (``plancal exemplars import``): every row is checked
first and nothing is stored unless every row is right."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from plancal.errors import PlancalError, Problem
from plancal.intake.csvrows import fold, read_rows
from plancal.intake.stored import stored_plan
from plancal.plans.loading import LoadedPlan
from plancal.store import Exemplar, Store
from plancal.vn.dates import parse_date, short
from plancal.vn.text import one_line

#: the CSV columns: key → header
COLUMNS = {"name": "Tên điển hình", "kind": "Loại", "unit": "Đơn vị", "field": "Lĩnh vực",
           "date": "Ngày giới thiệu", "document": "Văn bản"}
REQUIRED = ("name", "kind", "unit", "field", "date")
#: "Loại": collective (tập thể) or individual (cá nhân)
KINDS = {"tập thể": True, "cá nhân": False}
MAX_NAME = 300


def kind_label(collective: bool) -> str:
    return "tập thể" if collective else "cá nhân"


@dataclass(frozen=True)
class Entry:
    """One exemplar as a clerk writes it: text, before it is checked."""

    name: str
    kind: str
    unit: str
    field: str
    date: str
    document: str = ""


class Checker:
    """Checks entries against a plan: its units, its fields (``exemplar_fields``), its period, today."""

    def __init__(self, loaded: LoadedPlan, today: date, existing: Iterable[Exemplar] = ()) -> None:
        self.loaded = loaded
        self.today = today
        plan = loaded.plan
        self.fields = {fold(f): f for f in plan.exemplar_fields}
        self.units = {u.id: u.id for u in loaded.directory}
        self.unit_names = {fold(u.name): u.id for u in loaded.directory}
        self.seen: dict[tuple[str, str, str, date], str] = {e.identity: "đã có trong sổ" for e in existing}

    def check(self, entry: Entry, *, file: str | None = None, line: int | None = None) -> Exemplar | list[Problem]:
        plan = self.loaded.plan
        problems: list[Problem] = []

        def bad(message: str, column: str, hint: str) -> None:
            problems.append(Problem(message, file=file, line=line, field=COLUMNS[column], hint=hint))

        name = one_line(entry.name)
        if not name:
            bad("thiếu tên điển hình", "name", "ghi tên tập thể hoặc họ và tên cá nhân")
        elif len(name) > MAX_NAME:
            bad(f"tên dài {len(name)} ký tự, quá {MAX_NAME}", "name", "rút gọn tên")
        collective = KINDS.get(fold(entry.kind))
        if collective is None:
            bad(f"loại '{entry.kind[:40]}' không hợp lệ", "kind", "ghi 'tập thể' hoặc 'cá nhân'")
        unit = self.units.get(entry.unit.strip()) or self.unit_names.get(fold(entry.unit))
        if unit is None:
            bad(f"không có đơn vị '{entry.unit[:80]}' trong danh mục", "unit",
                "ghi mã đơn vị (xem 'plancal units list') hoặc đúng tên đơn vị")
        field = entry.field.strip()
        if self.fields:
            known = self.fields.get(fold(field))
            if known is None:
                bad(f"lĩnh vực '{field[:80]}' không có trong kế hoạch", "field",
                    "dùng một lĩnh vực của kế hoạch: " + "; ".join(list(self.fields.values())[:6]) + " …")
            field = known or field
        elif not field:
            bad("thiếu lĩnh vực", "field", "ghi lĩnh vực của điển hình")
        introduced: date | None = None
        try:
            introduced = parse_date(entry.date)
        except (ValueError, TypeError) as exc:
            bad(f"ngày giới thiệu '{entry.date[:20]}' không hợp lệ: {exc}", "date", "viết dạng 31/10/2024")
        if introduced is not None:
            if introduced > self.today:
                bad(f"ngày giới thiệu {short(introduced)} sau hôm nay ({short(self.today)})", "date",
                    "ghi ngày đã giới thiệu điển hình")
            elif not plan.start <= introduced <= plan.end:
                bad(f"ngày giới thiệu {short(introduced)} nằm ngoài thời gian kế hoạch "
                    f"({short(plan.start)} - {short(plan.end)})", "date", "ghi ngày trong thời gian kế hoạch")
        if problems or unit is None or collective is None or introduced is None:
            return problems
        exemplar = Exemplar(plan.id, name, collective, unit, field, introduced, one_line(entry.document))
        where = self.seen.get(exemplar.identity)
        if where is not None:
            return [Problem(f"điển hình '{name}' của đơn vị '{unit}' ngày {short(introduced)} trùng ({where})",
                            file=file, line=line, hint="bỏ dòng trùng")]
        self.seen[exemplar.identity] = f"dòng {line}" if line else "vừa ghi"
        return exemplar


def read_register(path: Path, checker: Checker) -> list[Exemplar]:
    """Every row of a CSV register, checked; all the problems at once, by row."""
    source = str(path)
    rows = read_rows(path, COLUMNS, REQUIRED, "tệp danh sách điển hình")
    out: list[Exemplar] = []
    problems: list[Problem] = []
    for row in rows:
        v = row.values
        result = checker.check(Entry(v.get("name", ""), v.get("kind", ""), v.get("unit", ""), v.get("field", ""),
                                     v.get("date", ""), v.get("document", "")), file=source, line=row.line)
        if isinstance(result, list):
            problems += result
        else:
            out.append(result)
    if problems:
        raise PlancalError(problems[:50] + ([Problem(f"… và {len(problems) - 50} lỗi khác")] if len(problems) > 50 else []))
    return out


def import_register(store: Store, plan_id: str, path: Path, today: date, *, dry_run: bool = False) -> list[Exemplar]:
    """Check a CSV register against the plan and store all of it (or, on any problem, nothing)."""
    loaded = stored_plan(store, plan_id)
    entries = read_register(path, Checker(loaded, today, store.exemplars(plan_id)))
    if not dry_run:
        store.add_exemplars(entries)
    return entries


def add_one(store: Store, plan_id: str, entry: Entry, today: date) -> Exemplar:
    loaded = stored_plan(store, plan_id)
    result = Checker(loaded, today, store.exemplars(plan_id)).check(entry)
    if isinstance(result, list):
        raise PlancalError(result)
    store.add_exemplars([result])
    return result
