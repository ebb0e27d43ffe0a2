"""Fixtures for the Webitel plugin: a running emulator and providers pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import smtpcreds_webitel
from smtpcreds_webitel.emulator import ROOT_PASSWORD, WebitelEmulator
from smtpcreds_webitel.provider import WebitelProvider

from smtpcreds import redact
from smtpcreds.plugins import new_plugin_manager, reset_plugin_manager
from smtpcreds.testing.support import provider_for

DOMAIN = "example.com"

MakeProvider = Callable[..., WebitelProvider]


@pytest.fixture(autouse=True)
def webitel_plugin_only() -> Iterator[None]:
    """A plugin manager holding only this plugin, so other plugins' state cannot interfere."""
    pm = new_plugin_manager(load_entry_points=False)
    pm.register(smtpcreds_webitel, name="webitel")
    reset_plugin_manager(pm)
    yield
    reset_plugin_manager(None)


@pytest.fixture(autouse=True)
def fresh_redaction_registry() -> Iterator[None]:
    """Start each test with no registered secrets (tests/conftest.py restores them afterwards):
    a secret registered elsewhere would mask words that these tests match on."""
    redact.restore(frozenset())
    yield


@pytest.fixture
def emulator() -> Iterator[WebitelEmulator]:
    emu = WebitelEmulator()
    emu.add_user("admin@example.com", "admin-emulator-password", domain=DOMAIN)  # a known password
    with emu:
        yield emu


@pytest.fixture
def make_provider(emulator: WebitelEmulator) -> Iterator[MakeProvider]:
    """Build providers for the emulator; root (scope example.com) unless told otherwise."""
    made: list[WebitelProvider] = []

    def make(totp_code: str | None = None, name: str = "pbx", **fields: Any) -> WebitelProvider:
        profile: dict[str, Any] = {"provider": "webitel", "base_url": emulator.base_url}
        if "key" not in fields and "token" not in fields:
            profile.update(username="root", password=ROOT_PASSWORD, domain=DOMAIN)
        profile.update(fields)
        profile = {k: v for k, v in profile.items() if v is not None}
        provider = provider_for(profile, name=name)
        assert isinstance(provider, WebitelProvider)
        made.append(provider)
        if totp_code is not None:
            provider.login(totp_code)  # what 'smtpcreds webitel login --code' does
        return provider

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def pbx(make_provider: MakeProvider) -> WebitelProvider:
    """Root on the emulator, default scope example.com."""
    return make_provider()


@pytest.fixture
def stored_doc() -> Callable[..., dict[str, Any]]:
    """Build a settings document as the admin UI stores it (fake secrets); options override."""

    def build(**options: Any) -> dict[str, Any]:
        opts: dict[str, Any] = {
            "host": "smtp.example.com", "port": 465, "secure": True, "debug": False,
            "tls": {"rejectUnauthorized": False},
            "auth": {"user": "pbx@example.com", "pass": "stored-fake-password"},
        }
        opts.update(options)
        return {"provider": "smtp", "description": "PBX mail", "from": "pbx@example.com", "options": opts}

    return build
