"""The provider contract suite every smtpcreds plugin runs, against the MailerSend emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from smtpcreds_mailersend.emulator import MailerSendEmulator

from smtpcreds.client import Connection
from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.errors import NotFound
from smtpcreds.rotation.engine import rotate
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

    def test_set_password_changes_the_accepted_login(self, conn: Connection, emulator: Any) -> None:
        """MailerSend cannot set a password (the contract's version would skip); its counterpart
        is the replace rotation: a new SMTP user is accepted, the old one no longer is."""
        created = conn.credentials.create(self.new_name())
        assert created.password is not None
        old_password = created.password.get_secret_value()
        result = rotate(conn, created.id)
        assert (result.strategy, result.status, result.verified, result.retired) == ("replace", "done", True, True)
        new = conn.store.get(result.name)
        assert new is not None and result.new_credential != created.id
        assert emulator.smtp.accepts(new.username, new.password.get_secret_value())
        assert not emulator.smtp.accepts(created.username, old_password)
        with pytest.raises(NotFound):
            conn.credentials.get(created.id)
