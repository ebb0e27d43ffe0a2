"""Fixtures of the reliability tests: the lab of emulators and a config file pointing at it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation import engine


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(["mailersend", "smtp2go", "webitel"]) as running:
        yield running


@pytest.fixture
def fast_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """No waiting between SMTP verification attempts (the emulators are instant)."""
    monkeypatch.setattr(engine, "VERIFY_DELAY", 0.0)


@pytest.fixture
def lab_config(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A config file (0600) with the lab's profiles plus an envfile and an exec consumer."""
    env_file = tmp_path / "app.env"
    env_file.write_text("APP=1\n")
    env_file.chmod(0o600)
    hook = tmp_path / "hook.py"
    hook.write_text("import sys; sys.stdin.read()\n")
    path = tmp_path / "config.toml"
    path.write_text(lab.toml({"app-env": {"provider": "envfile", "path": str(env_file)},
                              "hook": {"provider": "exec", "command": [sys.executable, str(hook)]}},
                             default="relay"))
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    return {"path": path, "env_file": env_file}
