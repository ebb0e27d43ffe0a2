"""The provider contract suite every smtpcreds plugin runs, against the SMTP2GO emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from smtpcreds_smtp2go.emulator import Smtp2goEmulator

from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.testing.contract import IssuerContract


class TestSmtp2goContract(IssuerContract):
    @pytest.fixture
    def emulator(self, smtp_server: SmtpServer) -> Iterator[Smtp2goEmulator]:
        emu = Smtp2goEmulator(smtp=smtp_server)
        with emu:
            yield emu

    @pytest.fixture
    def profile_fields(self, emulator: Smtp2goEmulator, smtp_server: SmtpServer) -> dict[str, Any]:
        return {**emulator.client_profile(), "smtp_host": smtp_server.host, "smtp_port": smtp_server.port,
                "smtp_security": "none"}
