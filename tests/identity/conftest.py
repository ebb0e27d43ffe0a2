"""Fixtures for credential identity: the lab (every issuer's emulator, a real SMTP server) and a
config whose ``.env`` consumers are bound to credentials by name (docs/concepts.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.client import Connection
from smtpcreds.config import load_config
from smtpcreds.emulator.lab import Lab
from smtpcreds.models import EmailSettings, SmtpLogin
from smtpcreds.rotation import engine

#: issuer profile -> provider, as the lab names them
ISSUERS = {"relay": "smtp2go", "ms": "mailersend", "mailgun": "mailgun", "sendgrid": "sendgrid", "ses": "ses",
           "resend": "resend", "mailtrap": "mailtrap"}


@pytest.fixture(autouse=True)
def fast_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "VERIFY_DELAY", 0.0)


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(sorted(ISSUERS.values())) as running:
        yield running


@pytest.fixture
def bind(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Path]]:
    """Write config.toml with a ``<consumer> = <issuer>/<credential>`` .env consumer per keyword
    (``app_env="relay/billing-app"`` makes profile ``app-env``); returns each consumer's file."""

    def write(**logins: str) -> dict[str, Path]:
        files: dict[str, Path] = {}
        consumers: dict[str, dict[str, Any]] = {}
        for key, login in logins.items():
            name = key.replace("_", "-")
            files[name] = tmp_path / f"{name}.env"
            files[name].write_text(f"APP_NAME={name}\n")
            files[name].chmod(0o600)
            consumers[name] = {"provider": "envfile", "path": str(files[name]), "login": login}
        text = lab.toml(consumers, default="relay")
        config = tmp_path / "config.toml"
        config.write_text(text)
        config.chmod(0o600)
        monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
        return files

    return write


def connect(name: str) -> Connection:
    cfg = load_config()
    return Connection(name, cfg.profile(name), config=cfg)


def held(consumer: str) -> EmailSettings:
    """What a consumer holds now, read from it."""
    with connect(consumer) as conn:
        return conn.settings.get()


def holds(consumer: str, login: SmtpLogin) -> bool:
    found = held(consumer)
    return found.username == login.username and found.password is not None and \
        found.password.get_secret_value() == login.password.get_secret_value()
