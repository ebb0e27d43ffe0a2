"""The provider contract suite, run against the Webitel emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from smtpcreds_webitel.emulator import WebitelEmulator

from smtpcreds.testing.contract import ConsumerContract


class TestWebitelContract(ConsumerContract):
    @pytest.fixture
    def emulator(self) -> Iterator[WebitelEmulator]:
        with WebitelEmulator() as emu:
            yield emu

    @pytest.fixture
    def profile_fields(self, emulator: WebitelEmulator) -> dict[str, Any]:
        return emulator.client_profile()
