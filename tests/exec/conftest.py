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
