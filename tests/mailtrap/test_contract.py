"""The provider contract suite, against the Mailtrap emulator with the real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from smtpcreds_mailtrap.emulator import MailtrapEmulator

from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.testing.contract import IssuerContract


class TestMailtrapContract(IssuerContract):
    @pytest.fixture
    def emulator(self, smtp_server: SmtpServer) -> Iterator[MailtrapEmulator]:
        with MailtrapEmulator(smtp=smtp_server) as emu:
            emu.rate_limit_per_minute = None
            yield emu

    @pytest.fixture
    def profile_fields(self, emulator: MailtrapEmulator, smtp_server: SmtpServer) -> dict[str, Any]:
        return {**emulator.client_profile(), "smtp_host": smtp_server.host, "smtp_port": smtp_server.port,
                "smtp_security": "none"}
