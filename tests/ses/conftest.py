"""Fixtures: moto's IAM behind the SES emulator, a real SMTP server, and a configured profile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from smtpcreds_ses.emulator import SesEmulator

from smtpcreds import redact
from smtpcreds.emulator.smtp import SmtpServer

APP_ENV = "# billing app\nAPP_NAME=billing\nSMTP_HOST=old.example.com\n"


@pytest.fixture(autouse=True)
def empty_redaction_registry() -> Iterator[None]:
    """Start from an empty redaction registry (tests/conftest.py restores it afterwards)."""
    redact.restore(frozenset())
    yield


@pytest.fixture
def emulator(smtp_server: SmtpServer) -> Iterator[SesEmulator]:
    with SesEmulator(smtp=smtp_server) as emu:
        yield emu


@pytest.fixture
def profile_fields(emulator: SesEmulator, smtp_server: SmtpServer) -> dict[str, Any]:
    return {**emulator.client_profile(), "smtp_host": smtp_server.host, "smtp_port": smtp_server.port,
            "smtp_security": "none"}


@pytest.fixture
def app_env(tmp_path: Path) -> Path:
    path = tmp_path / "app.env"
    path.write_text(APP_ENV)
    return path


@pytest.fixture
def configured(profile_fields: dict[str, Any], app_env: Path, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> Path:
    """config.toml with profiles ``ses`` (the emulator; default) and ``app-env`` (a .env file)."""
    from smtpcreds.emulator.lab import _toml_value

    lines = ['default_profile = "ses"', "", "[profiles.ses]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in profile_fields.items()]
    lines += ["", "[profiles.app-env]", 'provider = "envfile"', f"path = {_toml_value(str(app_env))}", ""]
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines))
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    return config


def keys_of(emu: SesEmulator, user: str) -> list[Any]:
    """moto's access keys of ``user``."""
    return list(emu.backend.users[user].access_keys)
