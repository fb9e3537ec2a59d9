"""The file behind a stored plan, loaded again for the rules it states (quotas, fields, delegates):
the store keeps the occurrences, the plan file keeps the rules, typed."""

from __future__ import annotations

from pathlib import Path

from plancal.errors import PlancalError, Problem
from plancal.plans.loading import LoadedPlan, load_plan
from plancal.store import Store


def stored_plan(store: Store, plan_id: str) -> LoadedPlan:
    """The plan ``plan_id`` as issued: its file, checked against the stored units."""
    row = store.plan(plan_id)
    if row is None:
        known = ", ".join(p.id for p in store.plans()[:10]) or "chưa có kế hoạch nào"
        raise PlancalError([Problem(f"không có kế hoạch mã '{plan_id}' trong hệ thống", field="plan",
                                    hint=f"dùng mã một kế hoạch đã ban hành ({known}) hoặc chạy 'plancal issue'")])
    path = Path(row.source_path)
    if not path.is_file():
        raise PlancalError([Problem(f"không tìm thấy tệp của kế hoạch '{plan_id}'", file=str(path), field="plan",
                                    hint="ban hành lại kế hoạch từ tệp hiện có ('plancal issue TỆP')")])
    return load_plan(path, store.directory())


def plan_or_file(store: Store | None, plan: str) -> LoadedPlan:
    """A plan id in the store, or a plan file's path (to check without a database)."""
    path = Path(plan)
    if plan.endswith((".yaml", ".yml")) and path.is_file():
        return load_plan(path, store.directory() if store is not None else None)
    if store is None:
        raise PlancalError([Problem(f"'{plan}' không phải là tệp kế hoạch", field="plan",
                                    hint="ghi đường dẫn tệp .yaml hoặc mã kế hoạch đã ban hành")])
    return stored_plan(store, plan)
