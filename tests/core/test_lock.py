"""requirements/dev.txt pins every requirement pyproject.toml names (refresh: bash requirements/compile.sh)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    names = set()
    for req in reqs:
        m = NAME.match(req)
        assert m, req
        names.add(normalize(m.group(1)))
    return names - {normalize(project["name"])}


def pinned() -> dict[str, list[str]]:
    pins: dict[str, list[str]] = {}
    for line in (ROOT / "requirements" / "dev.txt").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(\s*;.*)?$", line)
        if m:
            pins.setdefault(normalize(m.group(1)), []).append(m.group(2))
        else:
            assert line == "" or line.lstrip().startswith("#"), f"not a pin or a comment: {line!r}"
    return pins


def test_the_lock_pins_every_requirement_of_pyproject() -> None:
    missing = sorted(declared() - set(pinned()))
    assert not missing, f"not in requirements/dev.txt: {missing}; run bash requirements/compile.sh"


def test_the_lock_pins_exact_versions_and_names_its_compile_command() -> None:
    text = (ROOT / "requirements" / "dev.txt").read_text(encoding="utf-8")
    assert "bash requirements/compile.sh" in text.splitlines()[1]
    tools = {"pytest", "hypothesis", "mypy", "ruff", "mkdocs", "mkdocs-material", "types-requests", "click"}
    assert tools <= set(pinned())
