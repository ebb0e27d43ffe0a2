"""A login created through the provider authenticates at the (emulated) SMTP relay."""

from __future__ import annotations

import smtplib

from pydantic import SecretStr
from smtpcreds_smtp2go.emulator import Smtp2goEmulator

from smtpcreds.emulator.smtp import SmtpServer

from .conftest import STRONG, USER, make_provider


def smtp_login_works(server: SmtpServer, username: str, password: str) -> bool:
    with smtplib.SMTP(server.host, server.port, timeout=5) as s:
        try:
            s.login(username, password)
        except smtplib.SMTPAuthenticationError:
            return False
    return True


def test_created_then_rotated_password_logs_in_and_the_old_one_does_not(
        emulator_smtp: Smtp2goEmulator, smtp_server: SmtpServer) -> None:
    p = make_provider(emulator_smtp, smtp_host=smtp_server.host, smtp_port=smtp_server.port,
                      smtp_security="none")
    cred = p.create_credential(USER, password=SecretStr(STRONG))
    assert (cred.host, cred.port) == (smtp_server.host, smtp_server.port)
    assert smtp_login_works(smtp_server, USER, STRONG)
    new = "Rotated-Fake-Passw0rd-99"
    p.set_password(USER, SecretStr(new))
    assert smtp_login_works(smtp_server, USER, new)
    assert not smtp_login_works(smtp_server, USER, STRONG)


def test_blocked_user_cannot_log_in(emulator_smtp: Smtp2goEmulator, smtp_server: SmtpServer) -> None:
    p = make_provider(emulator_smtp)
    p.create_credential(USER, password=SecretStr(STRONG))
    p.update_credential(USER, enabled=False)
    assert not smtp_login_works(smtp_server, USER, STRONG)
