"""No import circles in the core or any plugin, read the way Python runs imports.

import-linter (test_layers.py) resolves ``from pkg import mod`` to ``pkg.mod`` only, so a module
that names its own package that way while the package's ``__init__`` imports it back is a circle
it cannot see. Here ``from pkg import name`` counts as an import of ``pkg`` (Python runs its
``__init__`` first) and of ``pkg.name`` when that is a module; imports inside functions count,
``if TYPE_CHECKING:`` blocks do not.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def modules(base: Path, package: str) -> dict[str, Path]:
    """Dotted name → file of every module of ``package`` under ``base``."""
    found = {}
    for path in (base / package).rglob("*.py"):
        parts = list(path.relative_to(base).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    return skipped


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of ``known`` that ``name`` (at ``path``) imports."""
    tree = ast.parse(path.read_text())
    skipped = type_checking_nodes(tree)
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parent = here[: len(here) - node.level + 1] if node.level else []
            source = ".".join(parent + ([node.module] if node.module else []))
            targets.add(source)
            targets.update(f"{source}.{alias.name}" for alias in node.names)
    return {target for target in targets if target in known and target != name}


def circle(base: Path, package: str) -> list[str] | None:
    known = modules(base, package)
    graph = {name: imported(name, path, known) for name, path in known.items()}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        return list(error.args[1])
    return None


PACKAGES = [("", "smtpcreds")] + [("plugins", path.name) for path in sorted((ROOT / "plugins").glob("smtpcreds_*"))]


@pytest.mark.parametrize(("base", "package"), PACKAGES, ids=[package for _, package in PACKAGES])
def test_no_module_imports_itself_through_others(base: str, package: str) -> None:
    assert circle(ROOT / base, package) is None


def test_a_module_naming_its_own_package_is_a_circle(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("def hook():\n    from pkg.provider import Provider\n")
    (tmp_path / "pkg" / "rules.py").write_text("")
    (tmp_path / "pkg" / "provider.py").write_text("from pkg import rules\nclass Provider: ...\n")
    assert sorted(set(circle(tmp_path, "pkg") or [])) == ["pkg", "pkg.provider"]
    (tmp_path / "pkg" / "provider.py").write_text("import pkg.rules as rules\nclass Provider: ...\n")
    assert circle(tmp_path, "pkg") is None


def test_type_checking_imports_do_not_make_a_circle(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from pkg.a import A\n")
    (tmp_path / "pkg" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import b\nclass A: ...\n")
    (tmp_path / "pkg" / "b.py").write_text("from pkg.a import A\n")
    assert circle(tmp_path, "pkg") is None
