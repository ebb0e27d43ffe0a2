"""The provider contract suite, against the SendGrid emulator with the real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from smtpcreds_sendgrid.emulator import SendGridEmulator

from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.testing.contract import IssuerContract


class TestSendGridContract(IssuerContract):
    @pytest.fixture
    def emulator(self, smtp_server: SmtpServer) -> Iterator[SendGridEmulator]:
        with SendGridEmulator(smtp=smtp_server) as emu:
            yield emu

    @pytest.fixture
    def profile_fields(self, emulator: SendGridEmulator, smtp_server: SmtpServer) -> dict[str, Any]:
        return {**emulator.client_profile(), "smtp_host": smtp_server.host, "smtp_port": smtp_server.port,
                "smtp_security": "none"}
