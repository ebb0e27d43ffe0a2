"""The core's layers (pyproject.toml ``[tool.importlinter]``, drawn in docs/architecture.md) hold,
and the contracts are not decoration: each one fails when an import breaks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("importlinter")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the packages under ``tree`` (the repository's own contracts)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "plugins")])}
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                           "sys.exit(lint_imports_command())", "--config", str(tree / "pyproject.toml"),
                           "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the code and its contracts, to break on purpose."""
    tree = tmp_path_factory.mktemp("layers")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "smtpcreds", tree / "smtpcreds", ignore=ignore)
    shutil.copytree(ROOT / "plugins", tree / "plugins", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def broken(copy: Path, module: str, line: str) -> subprocess.CompletedProcess[str]:
    """Lint ``copy`` with ``line`` added to ``module`` (restored afterwards)."""
    path = copy / module
    original = path.read_text()
    try:
        path.write_text(original + f"\n{line}\n")
        return lint(copy)
    finally:
        path.write_text(original)


def test_the_code_keeps_every_contract() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_the_store_importing_the_command_line_breaks_the_layers(copy: Path) -> None:
    result = broken(copy, "smtpcreds/store/record.py", "from smtpcreds import cli  # noqa")
    assert result.returncode != 0
    assert "The core's layers: each imports only those below it BROKEN" in result.stdout
    assert "smtpcreds.store.record -> smtpcreds.cli" in result.stdout


def test_a_lazy_import_counts_as_much_as_one_at_the_top(copy: Path) -> None:
    result = broken(copy, "smtpcreds/config.py",
                    "def _late() -> None:\n    from smtpcreds.store import open_backend  # noqa")
    assert result.returncode != 0
    assert "smtpcreds.config -> smtpcreds.store" in result.stdout


def test_a_circle_inside_a_package_breaks_the_acyclic_contract(copy: Path) -> None:
    result = broken(copy, "smtpcreds/store/record.py", "from smtpcreds.store import logins  # noqa")
    assert result.returncode != 0
    assert "No import circles between the modules of any package BROKEN" in result.stdout


def test_a_plugin_reaching_into_the_core_breaks_the_plugin_contract(copy: Path) -> None:
    result = broken(copy, "plugins/smtpcreds_smtp2go/provider.py", "from smtpcreds.client import connect  # noqa")
    assert result.returncode != 0
    assert "Plugins import only the public surfaces smtpcreds.plugin and smtpcreds.testing BROKEN" in result.stdout


def test_a_new_module_must_be_placed_in_a_layer(copy: Path) -> None:
    (copy / "smtpcreds" / "unplaced.py").write_text('"""A module nobody placed."""\n')
    try:
        result = lint(copy)
    finally:
        (copy / "smtpcreds" / "unplaced.py").unlink()
    assert result.returncode != 0
    assert "smtpcreds.unplaced" in result.stdout


def test_type_checking_imports_do_not_count(copy: Path) -> None:
    result = broken(copy, "smtpcreds/store/record.py",
                    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from smtpcreds import cli  # noqa")
    assert result.returncode == 0, result.stdout
