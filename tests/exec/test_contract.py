"""The provider contract suite, run against a recording hook script (no emulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smtpcreds.testing.contract import ConsumerContract

from .conftest import hook


class TestExecContract(ConsumerContract):
    @pytest.fixture
    def emulator(self) -> None:
        return None

    @pytest.fixture
    def profile_fields(self, record_file: Path) -> dict[str, Any]:
        return {"provider": "exec", "command": hook("record", str(record_file))}
