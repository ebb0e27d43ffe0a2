"""Shared fixtures: every test gets an isolated keyring, state directory and configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from smtpcreds import secretstore
from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.testing.support import MemoryKeyring


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test sees the user's config, state directory or environment overrides."""
    for key in list(os.environ):
        if key.startswith("SMTPCREDS_"):
            monkeypatch.delenv(key)
    state = tmp_path / "state"
    monkeypatch.setenv("SMTPCREDS_STATE_DIR", str(state))
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(tmp_path / "no-config.toml"))
    yield tmp_path


@pytest.fixture(autouse=True)
def memory_keyring(request: pytest.FixtureRequest) -> Iterator[MemoryKeyring]:
    """An in-memory keyring for the test (tests marked secret_service use the real one)."""
    if request.node.get_closest_marker("secret_service"):
        yield MemoryKeyring()
        return
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    secretstore.reset_backend_check()
    yield backend
    keyring.set_keyring(previous)
    secretstore.reset_backend_check()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback (plain, AUTH allowed) that accepts issued logins."""
    with SmtpServer("none") as server:
        yield server
