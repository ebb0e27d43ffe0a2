"""Fixtures: the exec provider running small Python hook scripts with this interpreter."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from smtpcreds_exec.provider import ExecProvider

from smtpcreds.testing.support import provider_for

HOOKS = Path(__file__).with_name("hooks")
#: An obviously fake password.
FAKE_PASSWORD = "Fake-Hook-Passw0rd-1234"

MakeProvider = Callable[..., ExecProvider]


def hook(name: str, *args: str) -> list[str]:
    """argv running ``hooks/<name>.py`` with this interpreter."""
    return [sys.executable, str(HOOKS / f"{name}.py"), *args]


def is_gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (exited, or a zombie waiting for its reaper)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def recorded(path: Path) -> dict[str, Any]:
    """What the record hook wrote."""
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    return tmp_path / "received.json"


@pytest.fixture
def make_provider() -> MakeProvider:
    def make(**profile: Any) -> ExecProvider:
        p = provider_for({"provider": "exec", **profile}, name="app-hook")
        assert isinstance(p, ExecProvider)
        return p

    return make
