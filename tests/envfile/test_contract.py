"""The provider contract suite, run against a dotenv file in a temporary directory (no emulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smtpcreds.testing.contract import ConsumerContract


class TestEnvFileContract(ConsumerContract):
    @pytest.fixture
    def emulator(self) -> None:
        return None

    @pytest.fixture
    def profile_fields(self, env_path: Path) -> dict[str, Any]:
        return {"provider": "envfile", "path": str(env_path)}
