"""Fixtures: a MailerSend emulator on loopback and a provider talking to it over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from smtpcreds_mailersend.emulator import API_TOKEN, DEFAULT_DOMAIN_ID, MailerSendEmulator
from smtpcreds_mailersend.provider import MailerSendProvider

from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.testing.support import provider_for

#: The emulator's seeded domain (the one the SDK recording uses).
DOMAIN = DEFAULT_DOMAIN_ID


@pytest.fixture
def emulator() -> Iterator[MailerSendEmulator]:
    """The emulator without its per-minute rate limit (tests that need it turn it on)."""
    with MailerSendEmulator(rate_limit_per_minute=None) as emu:
        yield emu


@pytest.fixture
def emulator_smtp(smtp_server: SmtpServer) -> Iterator[MailerSendEmulator]:
    """An emulator whose issued SMTP users log in for real on the SMTP server."""
    with MailerSendEmulator(smtp=smtp_server, rate_limit_per_minute=None) as emu:
        yield emu


MakeProvider = Callable[..., MailerSendProvider]


@pytest.fixture
def make_provider() -> Iterator[MakeProvider]:
    """``make_provider(emu, **profile_fields)``: a provider for ``emu`` (a field set to None is left out)."""
    made: list[MailerSendProvider] = []

    def make(emu: MailerSendEmulator, **profile: Any) -> MailerSendProvider:
        fields = {
            "provider": "mailersend",
            "base_url": emu.base_url,
            "api_token": API_TOKEN,
            "domain_id": DOMAIN,
            **profile,
        }
        p = provider_for({k: v for k, v in fields.items() if v is not None})
        assert isinstance(p, MailerSendProvider)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


@pytest.fixture
def provider(emulator: MailerSendEmulator, make_provider: MakeProvider) -> MailerSendProvider:
    return make_provider(emulator)
