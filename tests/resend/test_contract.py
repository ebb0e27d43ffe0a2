"""The provider contract suite, against the Resend emulator with the real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from smtpcreds_resend.emulator import ResendEmulator

from smtpcreds.client import Connection
from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.errors import NotFound
from smtpcreds.rotation.engine import rotate
from smtpcreds.testing.contract import IssuerContract


class TestResendContract(IssuerContract):
    @pytest.fixture
    def emulator(self, smtp_server: SmtpServer) -> Iterator[ResendEmulator]:
        with ResendEmulator(smtp=smtp_server) as emu:
            emu.rate_limit_per_minute = None
            yield emu

    @pytest.fixture
    def profile_fields(self, emulator: ResendEmulator, smtp_server: SmtpServer) -> dict[str, Any]:
        return {**emulator.client_profile(), "smtp_host": smtp_server.host, "smtp_port": smtp_server.port,
                "smtp_security": "none"}

    def test_set_password_changes_the_accepted_login(self, conn: Connection, emulator: Any) -> None:
        """Resend cannot set a password (the contract's version would skip); its counterpart is the
        replace rotation: the new key logs in, the old one no longer does, one key of the name."""
        created = conn.credentials.create(self.new_name())
        assert created.password is not None
        result = rotate(conn, created.id)
        assert (result.strategy, result.status, result.verified, result.retired) == ("replace", "done", True, True)
        new = conn.store.get(result.name)
        assert new is not None and result.new_credential != created.id
        assert emulator.smtp.accepts("resend", new.password.get_secret_value())
        assert not emulator.smtp.accepts("resend", created.password.get_secret_value())
        assert emulator.named(created.name) == [result.new_credential]
        with pytest.raises(NotFound):
            conn.credentials.get(created.id)
