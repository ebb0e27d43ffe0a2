"""The engine's test route really sends through the stored SMTP settings."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr
from smtpcreds_webitel.emulator import WebitelEmulator
from smtpcreds_webitel.provider import WebitelProvider

from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.errors import NotFound, ProviderError, ValidationError
from smtpcreds.models import EmailSettings

MakeProvider = Callable[..., WebitelProvider]
SMTP_USER = "pbx@example.com"
SMTP_PASSWORD = "right-fake-smtp-password"


def settings_for(smtp: SmtpServer, password: str) -> EmailSettings:
    return EmailSettings(host=smtp.host, port=smtp.port, security="none", username=SMTP_USER,
                         password=SecretStr(password), from_address=SMTP_USER)


def test_the_test_fails_when_the_stored_password_is_wrong(
        pbx: WebitelProvider, smtp_server: SmtpServer) -> None:
    smtp_server.issue(SMTP_USER, SMTP_PASSWORD)
    pbx.set_settings(settings_for(smtp_server, "wrong-fake-smtp-password"))
    with pytest.raises(ProviderError, match="Invalid login") as info:
        pbx.test_settings(to="ops@example.net")
    assert info.value.code == "EAUTH" and info.value.status == 500
    assert smtp_server.delivered == []


def test_the_test_succeeds_after_the_correct_password_is_set(
        pbx: WebitelProvider, smtp_server: SmtpServer) -> None:
    smtp_server.issue(SMTP_USER, SMTP_PASSWORD)
    pbx.set_settings(settings_for(smtp_server, "wrong-fake-smtp-password"))
    pbx.set_settings(EmailSettings(password=SecretStr(SMTP_PASSWORD)))
    assert "250" in pbx.test_settings(to="ops@example.net")
    (message,) = smtp_server.delivered
    assert message.username == SMTP_USER and message.rcpt_tos == ["ops@example.net"]


def test_the_recipient_travels_in_the_path(pbx: WebitelProvider, emulator: WebitelEmulator,
                                           smtp_server: SmtpServer) -> None:
    smtp_server.issue(SMTP_USER, SMTP_PASSWORD)
    pbx.set_settings(settings_for(smtp_server, SMTP_PASSWORD))
    pbx.test_settings(to="ops@example.net")
    sent = emulator.requests[-1]
    assert sent.path == "/api/v2/email/settings/test/ops@example.net"
    assert sent.query == {"domain": ["example.com"]}


def test_the_test_without_settings_is_not_found(pbx: WebitelProvider) -> None:
    with pytest.raises(NotFound, match=r"Not settings EMail provider from domain example\.com"):
        pbx.test_settings(to="ops@example.net")


@pytest.mark.parametrize("to", [None, "", "not-an-address"])
def test_the_test_needs_a_recipient_before_any_request(make_provider: MakeProvider,
                                                       emulator: WebitelEmulator, to: str | None) -> None:
    provider = make_provider()
    with pytest.raises(ValidationError, match="recipient"):
        provider.test_settings(to=to)
    assert emulator.count() == 0
