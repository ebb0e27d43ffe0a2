"""The provider contract suite every smtpcreds plugin runs, against the MailerSend emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from smtpcreds_mailersend.emulator import MailerSendEmulator

from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.testing.contract import IssuerContract


class TestMailerSendContract(IssuerContract):
    @pytest.fixture
    def emulator(self, smtp_server: SmtpServer) -> Iterator[MailerSendEmulator]:
        with MailerSendEmulator(smtp=smtp_server, rate_limit_per_minute=None) as emu:
            yield emu

    @pytest.fixture
    def profile_fields(self, emulator: MailerSendEmulator, smtp_server: SmtpServer) -> dict[str, Any]:
        return {
            **emulator.client_profile(),
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
        }
