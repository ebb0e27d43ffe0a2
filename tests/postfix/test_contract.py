"""The provider contract suite, run against a map in a private Postfix configuration directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smtpcreds.testing.contract import ConsumerContract


class TestPostfixContract(ConsumerContract):
    @pytest.fixture
    def emulator(self) -> None:
        return None

    @pytest.fixture
    def profile_fields(self, config_dir: Path) -> dict[str, Any]:
        # The contract's login is for 127.0.0.1:2525; relaying through it makes show answer that host.
        return {"provider": "postfix", "postconf_dir": str(config_dir), "relayhost": "[127.0.0.1]:2525"}
