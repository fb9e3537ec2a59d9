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

from plancal.errors import PlanError, Problem, UnitError
from plancal.plans import model
from plancal.plans.model import KindSelector, Plan
from plancal.source import line_of, parse
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
        return where.problem(path, f"giá trị {err.get('input')!r} không hợp lệ",
                             f"chọn một trong: {ctx.get('expected', '')}")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return where.problem(path, f"cần một số nguyên, nhận được {err.get('input')!r}")
    if kind in ("string_type",):
        return where.problem(path, f"cần một đoạn văn bản, nhận được {err.get('input')!r}")
    if kind in ("list_type",):
        return where.problem(path, "cần một danh sách (mỗi mục một dòng bắt đầu bằng '- ')")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return where.problem(path, "cần một bảng khóa: giá trị")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return where.problem(path, f"giá trị {err.get('input')!r} ngoài giới hạn cho phép ({err['msg']})")
    if kind in ("time_parsing", "time_type"):
        return where.problem(path, f"giờ {err.get('input')!r} không hợp lệ", "viết dạng 07:30")
    if kind == "bool_parsing":
        return where.problem(path, "cần true hoặc false")
    return where.problem(path, err["msg"])


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
            local.append(Anniversary(a.key, a.name, a.date.month, a.date.day, False, a.date.year))
    return national().with_local(local)


def parse_plan(text: str, source: str) -> tuple[Plan, Located]:
    try:
        node, data = parse(text)
    except yaml.YAMLError as exc:
        raise PlanError([Problem(f"YAML không hợp lệ: {getattr(exc, 'problem', None) or exc}", file=source,
                                 line=line_of(exc),
                                 hint="kiểm tra thụt lề và dấu ':' ở dòng này")]) from None
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
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanError(f"không đọc được tệp kế hoạch {source}: {exc.strerror}",
                        hint="kiểm tra đường dẫn tệp") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError([Problem(f"tệp không phải UTF-8 (byte {exc.start})", file=source,
                                 hint="lưu tệp với bảng mã UTF-8")]) from None
    plan, where = parse_plan(text, source)
    problems: list[Problem] = []
    try:
        unit_files = [path.parent / u for u in plan.units]
        own = load_directory(unit_files) if unit_files else Directory([])
        full = directory.merged(own) if directory is not None else own
    except UnitError as exc:
        raise PlanError(exc.problems) from None
    registry = registry_for(plan)
    problems.extend(_cross_check(plan, full, registry, where))
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


def _unknown_unit(where: Located, path: Path_, uid: str, directory: Directory) -> Problem:
    guess = difflib.get_close_matches(uid, [u.id for u in directory], n=1)
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
    duty_ids = {d.id: i for i, d in enumerate(plan.duties)}
    for i, d in enumerate(plan.duties):
        w = d.when
        if w.after is not None and w.after not in duty_ids:
            problems.append(where.problem(("duties", i, "when", "after"), f"không có nhiệm vụ '{w.after}' để nối tiếp",
                                          f"các nhiệm vụ: {', '.join(duty_ids)}"))
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
    for i, d in enumerate(plan.duties):
        seen = [d.id]
        cur = d.when.after
        while cur is not None and cur in duty_ids:
            if cur in seen:
                problems.append(where.problem(("duties", i, "when", "after"),
                                              f"thời hạn nối tiếp bị vòng lặp: {' → '.join([*seen, cur])}",
                                              "một nhiệm vụ trong chuỗi phải có thời hạn riêng (on, within, every …)"))
                break
            seen.append(cur)
            cur = plan.duties[duty_ids[cur]].when.after
    for i, c in enumerate(plan.conferences):
        if c.within.end < plan.start or c.within.start > plan.end:
            problems.append(where.problem(("conferences", i, "within"),
                                          f"khoảng {c.within.label} nằm ngoài thời gian kế hoạch",
                                          "kiểm tra lại năm của hội nghị, hoặc thời gian kế hoạch (period)"))
    return list(dict.fromkeys(problems))
