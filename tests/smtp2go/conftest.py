"""Fixtures: an SMTP2GO emulator on loopback and a provider talking to it over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from smtpcreds_smtp2go.emulator import API_KEY, Smtp2goEmulator
from smtpcreds_smtp2go.provider import Smtp2goProvider

import smtpcreds
from smtpcreds import redact
from smtpcreds.client import Connection
from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.testing.support import provider_for

USER = "billing-app"
#: An obviously fake password with plenty of entropy (24 chars, all classes).
STRONG = "Fake-Passw0rd-For-Tests-X"


@pytest.fixture(autouse=True)
def empty_redaction_registry() -> Iterator[None]:
    """Start from an empty redaction registry (tests/conftest.py restores it afterwards):
    strings registered elsewhere would mask field names in our error messages."""
    redact.restore(frozenset())
    yield


@pytest.fixture
def emulator() -> Iterator[Smtp2goEmulator]:
    emu = Smtp2goEmulator()
    with emu:
        yield emu


@pytest.fixture
def emulator_smtp(smtp_server: SmtpServer) -> Iterator[Smtp2goEmulator]:
    """An emulator whose issued logins the SMTP server accepts."""
    emu = Smtp2goEmulator(smtp=smtp_server)
    with emu:
        yield emu


def make_provider(emu: Smtp2goEmulator, **profile: Any) -> Smtp2goProvider:
    p = provider_for({"provider": "smtp2go", "base_url": emu.base_url, "api_key": API_KEY, **profile})
    assert isinstance(p, Smtp2goProvider)
    return p


def make_connection(emu: Smtp2goEmulator, name: str = "test", **profile: Any) -> Connection:
    """The core's connection to ``emu``: where passwords are chosen and kept in the store."""
    return smtpcreds.connect(name, provider="smtp2go", base_url=emu.base_url, api_key=API_KEY, **profile)


@pytest.fixture
def provider(emulator: Smtp2goEmulator) -> Iterator[Smtp2goProvider]:
    p = make_provider(emulator)
    yield p
    p.close()


@pytest.fixture
def seeded(emulator: Smtp2goEmulator) -> Smtp2goEmulator:
    """The emulator with USER already there and no request recorded yet."""
    emulator.add_user(USER, STRONG)
    return emulator


def sent(emu: Smtp2goEmulator, method: str | None = None, path: str | None = None) -> list[Any]:
    """JSON bodies of the recorded requests matching ``method`` and ``path``."""
    return [r.json() for r in emu.requests
            if (method is None or r.method == method) and (path is None or r.path == path)]
