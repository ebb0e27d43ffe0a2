"""Fixtures: a dotenv file in a private temporary directory and the envfile provider over it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from smtpcreds_envfile.provider import EnvFileProvider

from smtpcreds.testing.support import provider_for

#: An obviously fake password that needs quoting in a dotenv file.
FAKE_PASSWORD = "fake pa$$w0rd #not-a-comment 'q' \"dq\" back\\slash a=b"

#: A small Docker Compose style .env with lines smtpcreds must not touch.
APP_ENV = (
    "# Compose settings for the dashboard\n"
    "COMPOSE_PROJECT_NAME=dashboard\n"
    "\n"
    "export DATABASE_URL='postgres://app@db/app'   # keep me\n"
    "SMTP_HOST=old-relay.example.test\n"
    "SMTP_PORT=25\n"
    "   \n"
    "SMTP_USER=old-user\n"
    'SMTP_PASSWORD="old secret"  # rotated by smtpcreds\n'
    'FEATURE_FLAGS="a,b"\n'
    "# trailing comment\n"
)

MakeProvider = Callable[..., EnvFileProvider]


@pytest.fixture
def env_path(tmp_path: Path) -> Path:
    """Where the app's .env lives (not created)."""
    directory = tmp_path / "app"
    directory.mkdir(mode=0o700)
    return directory / ".env"


@pytest.fixture
def app_env(env_path: Path) -> Path:
    """The sample .env, mode 0600."""
    env_path.write_text(APP_ENV)
    os.chmod(env_path, 0o600)
    return env_path


@pytest.fixture
def make_provider(env_path: Path) -> MakeProvider:
    """Build the provider for ``env_path`` with profile overrides."""

    def make(**profile: Any) -> EnvFileProvider:
        p = provider_for({"provider": "envfile", "path": str(env_path), **profile}, name="app-env")
        assert isinstance(p, EnvFileProvider)
        return p

    return make
