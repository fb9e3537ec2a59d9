"""The core's layering: each part of ``src/plancal`` imports only the parts below it, never Prefect or the
flows; the architecture page names every module; the public API resolves.

The order is the one docs/architecture.md draws, bottom first. A foundation module may import the
foundation modules before it.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import plancal

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "src" / "plancal"
# __init__: the public API, loaded lazily
LAYERS = ("errors", "clock", "collector", "files", "workbooks", "settings", "source", "vn", "units", "plans", "schedule", "store",
          "tracking", "intake", "feeds", "mail", "views", "web", "lifecycle", "draft", "cli", "__init__")
FORBIDDEN = ("prefect", "flows")


def part_of(module: str) -> str:
    """plancal.schedule.expansion → "schedule"; plancal.errors → "errors"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imported_modules(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """Every module an import statement names, anywhere in the file (functions too), made absolute."""
    out: list[tuple[int, str]] = []
    package = module if module.endswith("__init__") else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "plancal":  # from plancal import mail → plancal.mail
                out += [(node.lineno, f"plancal.{alias.name}") for alias in node.names]
            else:
                out.append((node.lineno, base))
    return out


def violations(source: str, module: str) -> list[str]:
    """What a module of the core imports that its layer may not."""
    own = part_of(module)
    if own not in LAYERS:
        return [f"{module}: not in any layer of {LAYERS} (add it to docs/architecture.md and LAYERS)"]
    rank = LAYERS.index(own)
    found = []
    for line, target in imported_modules(ast.parse(source), module):
        top = target.split(".")[0]
        if top in FORBIDDEN:
            found.append(f"{module}:{line} imports {target}: the core never imports Prefect or the flows")
        elif top == "plancal" and target != "plancal":
            other = part_of(target)
            if other not in LAYERS:
                found.append(f"{module}:{line} imports {target}, which is in no layer")
            elif LAYERS.index(other) > rank:
                found.append(f"{module}:{line} imports {target}: {own} may import only {', '.join(LAYERS[:rank + 1])}")
    return found


def core_modules() -> list[tuple[Path, str]]:
    out = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE.parent).with_suffix("")
        if "migrations" in rel.parts:
            continue
        out.append((path, ".".join(rel.parts)))
    return out


def test_every_module_imports_only_layers_below_it() -> None:
    problems = [v for path, module in core_modules() for v in violations(path.read_text(), module)]
    assert problems == []


@pytest.mark.parametrize(("module", "source"), [
    ("plancal.schedule.expansion", "from plancal.feeds import names\n"),
    ("plancal.schedule.expansion", "def f():\n    from plancal.feeds.export import export_feeds\n"),
    ("plancal.store.tables", "from plancal import mail\n"),
    ("plancal.vn.dates", "from ..units import directory\n"),
    ("plancal.mail.daily", "import prefect\n"),
    ("plancal.cli.app", "from flows.simulate import simulate\n"),
])
def test_an_upward_import_is_caught(module: str, source: str) -> None:
    assert violations(source, module)


@pytest.mark.parametrize(("module", "source"), [
    ("plancal.feeds.export", "from plancal.schedule.occurrence import Kind\nfrom plancal.feeds import names\n"),
    ("plancal.settings", "from plancal.errors import PlancalError\n"),
    ("plancal.mail.planners.digests", "from ..items import World\n"),
])
def test_a_downward_import_is_allowed(module: str, source: str) -> None:
    assert violations(source, module) == []


def test_the_architecture_page_names_every_module() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    missing = []
    for path, _module in core_modules():
        if path.name == "__init__.py":
            continue
        rel = path.relative_to(CORE).as_posix()
        if rel not in page:
            missing.append(rel)
    assert missing == [], "docs/architecture.md must describe these modules"
    assert all(f"{layer}" in page for layer in LAYERS)


def test_the_public_api_resolves() -> None:
    assert sorted(plancal.__all__) == sorted(set(plancal.__all__))
    for name in plancal.__all__:
        assert getattr(plancal, name) is not None, name
    with pytest.raises(AttributeError):
        plancal.no_such_name  # noqa: B018


def test_subpackage_exports_resolve() -> None:
    for path, module in core_modules():
        if path.name != "__init__.py" or module == "plancal.__init__":
            continue
        package = importlib.import_module(module.removesuffix(".__init__"))
        for name in getattr(package, "__all__", ()):
            assert hasattr(package, name), f"{module}: {name}"
