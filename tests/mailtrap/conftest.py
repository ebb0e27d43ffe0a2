"""Fixtures: a Mailtrap emulator on loopback, wired to the real SMTP server, and a connection to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from smtpcreds_mailtrap.emulator import MailtrapEmulator

from smtpcreds import redact
from smtpcreds.client import Connection, connect
from smtpcreds.emulator.smtp import SmtpServer


@pytest.fixture(autouse=True)
def empty_redaction_registry() -> Iterator[None]:
    """Start from an empty redaction registry (tests/conftest.py restores it afterwards)."""
    redact.restore(frozenset())
    yield


@pytest.fixture
def emulator(smtp_server: SmtpServer) -> Iterator[MailtrapEmulator]:
    """The emulator (no rate limit unless a test sets one); every sending token it holds logs in over SMTP."""
    with MailtrapEmulator(smtp=smtp_server) as emu:
        emu.rate_limit_per_minute = None
        yield emu


@pytest.fixture
def profile_fields(emulator: MailtrapEmulator, smtp_server: SmtpServer) -> dict[str, Any]:
    return {**emulator.client_profile(), "smtp_host": smtp_server.host, "smtp_port": smtp_server.port,
            "smtp_security": "none"}


@pytest.fixture
def conn(profile_fields: dict[str, Any]) -> Iterator[Connection]:
    fields = dict(profile_fields)
    c = connect("mt", provider=fields.pop("provider"), **fields)
    yield c
    c.close()
