"""Reading a plan file: YAML (safe) with line numbers kept, validated into a :class:`Plan`, then
checked against the unit directory and the anniversary registry. Every problem names the file, the
line and the field, and says how to fix it; all problems of a file are reported at once."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from plancal.errors import PlancalError, PlanError, Problem, UnitError
from plancal.plans import model
from plancal.plans.model import MAX_DAYS, KindSelector, Plan
from plancal.source import decode, parse, read_bytes
from plancal.units.directory import Directory
from plancal.units.reading import load_directory
from plancal.vn.anniversaries import Anniversary, Registry, national

Path_ = tuple[str | int, ...]


def _lines(node: yaml.Node | None, path: Path_ = (), out: dict[Path_, int] | None = None) -> dict[Path_, int]:
    out = {} if out is None else out
    if node is None:
        return out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            out[child] = key.start_mark.line + 1
            _lines(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)
    return out


def _field_names() -> list[str]:
    names: set[str] = set()
    for obj in vars(model).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj is not BaseModel:
            for name, info in obj.model_fields.items():
                names.add(info.alias or name)
    return sorted(names)


_FIELDS = _field_names()


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Located:
    """Maps a logical path in the plan to its line in the file."""

    def __init__(self, file: str, lines: dict[Path_, int]) -> None:
        self.file = file
        self.lines = lines

    def clean(self, loc: Iterable[str | int]) -> Path_:
        """Drop pydantic's union/validator tags from a location, keeping the real keys."""
        path: Path_ = ()
        for part in loc:
            candidate = (*path, part)
            if candidate in self.lines:
                path = candidate
        return path

    def line(self, path: Path_) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def problem(self, path: Path_, message: str, hint: str | None = None) -> Problem:
        return Problem(message, file=self.file, line=self.line(path), field=_dotted(path) or None, hint=hint)


def _translate(err: Any, where: Located) -> Problem:
    loc = err["loc"]
    path = where.clean(loc)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(loc[-1])
        guess = difflib.get_close_matches(key, _FIELDS, n=1)
        hint = f"có phải ý là '{guess[0]}'?" if guess else "xóa khóa này hoặc xem docs/plan-format.md"
        return where.problem(path, f"khóa '{key}' không được phép ở đây", hint)
    if kind == "missing":
        field = str(loc[-1])
        return where.problem(path, f"thiếu trường bắt buộc '{field}'", f"thêm {field}: … vào mục này")
    if kind == "value_error":
        msg = str(ctx.get("error", err["msg"]))
        return where.problem(path, msg, _value_hint(msg))
    if kind == "literal_error":
        return where.problem(path, f"giá trị {_shown(err.get('input'))} không hợp lệ",
                             f"chọn một trong: {ctx.get('expected', '')}")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return where.problem(path, f"cần một số nguyên, nhận được {_shown(err.get('input'))}")
    if kind in ("string_type",):
        return where.problem(path, f"cần một đoạn văn bản, nhận được {_shown(err.get('input'))}")
    if kind == "string_too_short":
        return where.problem(path, "giá trị không được để trống")
    if kind == "string_too_long":
        return where.problem(path, f"dài {len(str(err.get('input')))} ký tự, quá giới hạn {ctx.get('max_length')} ký tự",
                             "rút gọn nội dung (xem docs/limits.md)")
    if kind == "too_long":
        return where.problem(path, f"danh sách có quá {ctx.get('max_length')} mục", "tách kế hoạch (xem docs/limits.md)")
    if kind in ("list_type",):
        return where.problem(path, "cần một danh sách (mỗi mục một dòng bắt đầu bằng '- ')")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return where.problem(path, "cần một bảng khóa: giá trị")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return where.problem(path, f"giá trị {_shown(err.get('input'))} ngoài giới hạn cho phép "
                                   f"({_BOUND[kind]} {ctx.get(next(iter(ctx), ''), '')})")
    if kind in ("time_parsing", "time_type"):
        return where.problem(path, f"giờ {_shown(err.get('input'))} không hợp lệ", "viết dạng 07:30")
    if kind == "bool_parsing":
        return where.problem(path, "cần true hoặc false")
    return where.problem(path, err["msg"])


_BOUND = {"greater_than_equal": "phải ≥", "less_than_equal": "phải ≤", "greater_than": "phải >", "less_than": "phải <"}


def _shown(value: Any) -> str:
    """A user's value in a message: short, one line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


_VALUE_HINTS = (
    ("không tồn tại", "đối chiếu với văn bản gốc và viết ngày dạng ngày/tháng/năm, ví dụ 30/04/2021"),
    ("không phải là ngày", "viết ngày dạng ngày/tháng/năm, ví dụ 30/04/2021"),
    ("cách ghi thời hạn", "giữ một trong on, within, ongoing, days_after_issue, every, after (docs/plan-format.md)"),
    ("mã", "dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ xa-huong-loc"),
)


def _value_hint(message: str) -> str:
    for needle, hint in _VALUE_HINTS:
        if needle in message:
            return hint
    return "sửa giá trị theo hướng dẫn trong docs/plan-format.md"


@dataclass(frozen=True)
class LoadedPlan:
    plan: Plan
    path: Path
    directory: Directory
    registry: Registry
    digest: str

    @property
    def source(self) -> str:
        return str(self.path)


def registry_for(plan: Plan) -> Registry:
    local = []
    for a in plan.anniversaries:
        if a.lunar:
            local.append(Anniversary(a.key, a.name, a.month or 1, a.day or 1, True, None, a.missing_day))
        else:
            assert a.date is not None
            local.append(Anniversary(a.key, a.name, a.date.month, a.date.day, False, a.date.year, a.missing_day))
    return national().with_local(local)


def parse_plan(text: str, source: str) -> tuple[Plan, Located]:
    node, data = parse(text, source, PlanError)
    where = Located(source, _lines(node))
    if not isinstance(data, dict):
        raise PlanError([Problem("tệp kế hoạch phải là một bảng khóa: giá trị", file=source, line=1)])
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        problems = list(dict.fromkeys(_translate(e, where) for e in exc.errors()))
        raise PlanError(problems) from None
    return plan, where


def load_plan(path: Path, directory: Directory | None = None) -> LoadedPlan:
    """Read, validate and cross-check one plan file. Raises PlanError listing every problem."""
    source = str(path)
    raw = read_bytes(path, PlanError, "tệp kế hoạch")
    plan, where = parse_plan(decode(raw, source, PlanError), source)
    problems: list[Problem] = []
    try:
        unit_files = [path.parent / u for u in plan.units]
        own = load_directory(unit_files) if unit_files else Directory([])
        full = directory.merged(own) if directory is not None else own
    except UnitError as exc:
        # a unit file's own problems name that file; a missing one is located at the plan's units: line
        located = [p if p.file else Problem(p.message, file=source, line=where.line(("units",)), field="units",
                                            hint=p.hint) for p in exc.problems]
        raise PlanError(located) from None
    registry = registry_for(plan)
    problems.extend(_cross_check(plan, full, registry, where))
    if not problems:
        problems.extend(_size(plan, full, where))
    if problems:
        raise PlanError(problems)
    return LoadedPlan(plan, path, full, registry, hashlib.sha256(raw).hexdigest())


def _selectors(plan: Plan) -> Iterator[tuple[Path_, list[Any]]]:
    yield ("recipients",), plan.recipients
    yield ("requested",), plan.requested
    if plan.sub_plans:
        yield ("sub_plans", "who"), plan.sub_plans.who
    for i, d in enumerate(plan.duties):
        if d.who is not None:
            yield ("duties", i, "who"), d.who
        for j, a in enumerate(d.assign or []):
            yield ("duties", i, "assign", j, "who"), a.who
    for i, c in enumerate(plan.conferences):
        yield ("conferences", i, "held_by"), c.held_by
        yield ("conferences", i, "attendees"), c.attendees
        for j, p in enumerate(c.preparation):
            yield ("conferences", i, "preparation", j, "who"), p.who
    for i, r in enumerate(plan.reports):
        for j, dl in enumerate(r.deadlines):
            yield ("reports", i, "deadlines", j, "who"), dl.who
        if r.consolidate:
            yield ("reports", i, "consolidate", "who"), r.consolidate.who


def _unit_refs(plan: Plan) -> Iterator[tuple[Path_, str]]:
    yield ("issuer",), plan.issuer
    yield ("standing_agency",), plan.standing_agency
    if plan.scope:
        yield ("scope",), plan.scope
    if plan.sub_plans and plan.sub_plans.to:
        yield ("sub_plans", "to"), plan.sub_plans.to
    for i, d in enumerate(plan.duties):
        if d.to:
            yield ("duties", i, "to"), d.to
    for i, c in enumerate(plan.conferences):
        if c.pilot:
            yield ("conferences", i, "pilot", "unit"), c.pilot.unit
        for j, p in enumerate(c.preparation):
            if p.to:
                yield ("conferences", i, "preparation", j, "to"), p.to
    for i, r in enumerate(plan.reports):
        yield ("reports", i, "to"), r.to
        if r.consolidate_to:
            yield ("reports", i, "consolidate_to"), r.consolidate_to


MAX_OCCURRENCES = 200_000
"""Dated items one plan may expand to (the national benchmark plan makes about 60,000)."""
MAX_CHAIN = 50
"""Duties in one ``after:`` chain (real plans chain two or three)."""
MAX_GUESSES = 2000
"""Candidates compared for a "did you mean" hint (difflib is quadratic in the worst case)."""


def _duplicate_ids(plan: Plan, where: Located) -> list[Problem]:
    """Duties, conferences, reports and milestones share one id namespace; a second use names both lines."""
    first: dict[str, Path_] = {}
    problems = []
    items = [("duties", i, d.id) for i, d in enumerate(plan.duties)]
    items += [("conferences", i, c.id) for i, c in enumerate(plan.conferences)]
    items += [("reports", i, r.id) for i, r in enumerate(plan.reports)]
    items += [("milestones", i, m.id) for i, m in enumerate(plan.milestones)]
    for section, i, item_id in items:
        path: Path_ = (section, i, "id")
        if item_id in first:
            problems.append(where.problem(path, f"mã '{item_id}' bị trùng: đã dùng ở {where.file}:"
                                                f"{where.line(first[item_id])} ({_dotted(first[item_id])})",
                                          "mỗi nhiệm vụ, hội nghị, báo cáo cần một mã riêng"))
        else:
            first[item_id] = path
    return problems


def _chains(plan: Plan, duty_ids: dict[str, int], where: Located) -> list[Problem]:
    """``after:`` chains: no cycle, at most MAX_CHAIN long, at most MAX_DAYS added up. Linear: every
    duty's chain is measured once and remembered."""
    problems = []
    depth: dict[int, tuple[int, int]] = {}  # duty index -> (chain length, days added up)
    for start in range(len(plan.duties)):
        path: list[int] = []
        on_path: set[int] = set()
        cur: int | None = start
        while cur is not None and cur not in depth:
            if cur in on_path:
                cycle = [plan.duties[k].id for k in path[path.index(cur):]] + [plan.duties[cur].id]
                problems.append(where.problem(("duties", cur, "when", "after"),
                                              f"thời hạn nối tiếp bị vòng lặp: {' → '.join(cycle)}",
                                              "một nhiệm vụ trong chuỗi phải có thời hạn riêng (on, within, every …)"))
                for k in path:
                    depth[k] = (0, 0)  # reported once; stop here
                break
            path.append(cur)
            on_path.add(cur)
            after = plan.duties[cur].when.after
            cur = duty_ids.get(after) if after is not None else None
        else:
            length, days = depth[cur] if cur is not None else (0, 0)
            for k in reversed(path):
                length, days = length + 1, days + abs(plan.duties[k].when.days or 0)
                depth[k] = (length, days)
                if length == MAX_CHAIN + 1 or (days > MAX_DAYS >= days - abs(plan.duties[k].when.days or 0)):
                    what = f"dài quá {MAX_CHAIN} nhiệm vụ" if length == MAX_CHAIN + 1 else \
                        f"cộng dồn quá {MAX_DAYS} ngày"
                    problems.append(where.problem(("duties", k, "when", "after"), f"chuỗi nhiệm vụ nối tiếp {what}",
                                                  "cho nhiệm vụ giữa chuỗi một thời hạn riêng (on, within, every …)"))
    return problems


def _size(plan: Plan, directory: Directory, where: Located) -> list[Problem]:
    """Refuse, before expanding, a plan whose duties would make more than MAX_OCCURRENCES items:
    an upper bound of periods × units per duty, cheap to compute."""
    kinds: dict[tuple[str, str], int] = {}
    months = (plan.end.year - plan.start.year) * 12 + plan.end.month - plan.start.month + 1

    def units(selectors: list[Any]) -> int:
        n = 0
        for sel in selectors:
            if isinstance(sel, KindSelector):
                key = (sel.kind, sel.under or plan.scope or plan.issuer)
                if key not in kinds:
                    kinds[key] = len(directory.of_kind(*key))
                n += kinds[key]
            else:
                n += 1
        return n

    recipients = units([s for s in plan.recipients if s != "@recipients"])
    by_id = {d.id: d for d in plan.duties}

    def periods(d: Any, hops: int = 0) -> int:
        w = d.when
        if w.every is not None:
            return months // {"month": 1, "quarter": 3, "half": 6, "year": 12}[w.every] + 2
        if w.after is not None and w.after in by_id and hops <= MAX_CHAIN:
            return periods(by_id[w.after], hops + 1)
        return 1

    total = 0
    for i, d in enumerate(plan.duties):
        for a in d.assignments():
            who = units([s for s in a.who if s != "@recipients"]) + (recipients if "@recipients" in a.who else 0)
            total += periods(d) * who
        if total > MAX_OCCURRENCES:
            return [where.problem(("duties", i), f"kế hoạch sẽ sinh ra hơn {MAX_OCCURRENCES:,} mục nhắc việc "
                                  "(nhiệm vụ × kỳ × đơn vị)".replace(",", "."),
                                  "tách kế hoạch, rút ngắn thời gian hoặc giao cho ít nhóm đơn vị hơn (docs/limits.md)")]
    return []


def _anniversary_dates(plan: Plan, registry: Registry, where: Located) -> list[Problem]:
    """Every anniversary the plan will mark must fall on a real day in each year it is marked
    (a lunar 30th with missing_day: error, a 29/02 in a year without one)."""
    every_year = set(range(plan.start.year, plan.end.year + 1))
    wanted: dict[str, set[int]] = {}
    first: dict[str, Path_] = {}
    uses: list[tuple[Path_, str, set[int]]] = [(("themes", i, "anniversaries", j), key, {t.year} if t.year else every_year)
            for i, t in enumerate(plan.themes) for j, key in enumerate(t.anniversaries)]
    uses += [(("observances", i, "anniversary"), o.anniversary, set(o.years) if o.years else every_year)
             for i, o in enumerate(plan.observances)]
    for path, key, years in uses:
        first.setdefault(key, path)
        known = wanted.setdefault(key, set())
        if not years <= known:
            known |= years
    local = {a.key: k for k, a in enumerate(plan.anniversaries)}
    problems: list[Problem] = []
    for key, years in wanted.items():
        if key not in registry:
            continue
        for year in sorted(years):
            try:
                registry[key].date_in(year)
            except PlancalError as exc:
                at = ("anniversaries", local[key]) if key in local else first[key]
                problems.extend(where.problem(at, f"ngày kỷ niệm '{key}' năm {year}: {p.message}", p.hint)
                                for p in exc.problems)
                break
    return problems


def _unknown_unit(where: Located, path: Path_, uid: str, directory: Directory) -> Problem:
    guess = difflib.get_close_matches(uid, [u.id for u in directory][:MAX_GUESSES], n=1)
    hint = f"có phải ý là '{guess[0]}'?" if guess else "thêm đơn vị vào tệp danh mục đơn vị (units:) của kế hoạch"
    return where.problem(path, f"đơn vị '{uid}' không có trong danh mục đơn vị", hint)


def _cross_check(plan: Plan, directory: Directory, registry: Registry, where: Located) -> list[Problem]:
    problems: list[Problem] = []
    kinds = {u.kind for u in directory}
    for path, uid in _unit_refs(plan):
        if uid not in directory:
            problems.append(_unknown_unit(where, path, uid, directory))
    for path, selectors in _selectors(plan):
        for j, sel in enumerate(selectors):
            p = (*path, j)
            if isinstance(sel, KindSelector):
                under = sel.under or plan.scope or plan.issuer
                if under not in directory:
                    if sel.under:
                        problems.append(_unknown_unit(where, (*p, "under"), sel.under, directory))
                elif sel.kind not in kinds:
                    problems.append(where.problem((*p, "kind"), f"không có đơn vị nào thuộc loại '{sel.kind}'",
                                                  f"các loại đang có: {', '.join(sorted(kinds))}"))
                elif not directory.of_kind(sel.kind, under):
                    problems.append(where.problem(p, f"không có đơn vị loại '{sel.kind}' thuộc '{under}'",
                                                  "ghi under: <mã đơn vị cấp trên> hoặc scope: của kế hoạch"))
            elif sel == "@holder" and path[0] != "conferences":
                problems.append(where.problem(p, "@holder chỉ dùng trong phần chuẩn bị của hội nghị",
                                              "ghi mã đơn vị cụ thể hoặc một nhóm như {kind: commune}"))
            elif not sel.startswith("@") and sel not in directory:
                problems.append(_unknown_unit(where, p, sel, directory))
    keys: list[tuple[Path_, str]] = [(("themes", i, "anniversaries", j), k) for i, t in enumerate(plan.themes)
                                     for j, k in enumerate(t.anniversaries)]
    keys += [(("observances", i, "anniversary"), o.anniversary) for i, o in enumerate(plan.observances)]
    for path, key in keys:
        if key not in registry:
            guess = difflib.get_close_matches(key, registry.keys(), n=1)
            problems.append(where.problem(path, f"ngày kỷ niệm '{key}' không có trong danh mục",
                                          f"có phải ý là '{guess[0]}'?" if guess else
                                          "khai ngày kỷ niệm địa phương trong anniversaries: của kế hoạch"))
    problems.extend(_duplicate_ids(plan, where))
    problems.extend(_anniversary_dates(plan, registry, where))
    duty_ids = {d.id: i for i, d in enumerate(plan.duties)}
    for i, d in enumerate(plan.duties):
        w = d.when
        if w.after is not None and w.after not in duty_ids:
            guess = difflib.get_close_matches(w.after, list(duty_ids)[:MAX_GUESSES], n=1)
            problems.append(where.problem(("duties", i, "when", "after"), f"không có nhiệm vụ '{w.after}' để nối tiếp",
                                          f"có phải ý là '{guess[0]}'?" if guess else "ghi mã của một nhiệm vụ trong kế hoạch"))
        for name, value in (("on", w.on), ("from", w.from_), ("until", w.until)):
            if value is not None and not plan.start <= value <= plan.end:
                problems.append(where.problem(("duties", i, "when", name),
                                              f"ngày {value:%d/%m/%Y} nằm ngoài thời gian kế hoạch "
                                              f"({plan.start:%d/%m/%Y} - {plan.end:%d/%m/%Y})",
                                              "kiểm tra lại năm của ngày này, hoặc thời gian kế hoạch (period)"))
        if w.within is not None and (w.within.end < plan.start or w.within.start > plan.end):
            problems.append(where.problem(("duties", i, "when", "within"),
                                          f"khoảng {w.within.label} nằm ngoài thời gian kế hoạch",
                                          "kiểm tra lại năm của khoảng này, hoặc thời gian kế hoạch (period)"))
    problems.extend(_chains(plan, duty_ids, where))
    for i, c in enumerate(plan.conferences):
        if c.within.end < plan.start or c.within.start > plan.end:
            problems.append(where.problem(("conferences", i, "within"),
                                          f"khoảng {c.within.label} nằm ngoài thời gian kế hoạch",
                                          "kiểm tra lại năm của hội nghị, hoặc thời gian kế hoạch (period)"))
    return list(dict.fromkeys(problems))
