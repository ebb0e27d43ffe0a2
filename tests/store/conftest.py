"""Fixtures for store tests: the lab (emulators + SMTP server) and a config file for the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation import engine
from smtpcreds.testing.openbao import OpenBao
from tests.vaultstore import use_vault_store


@pytest.fixture(autouse=True)
def fast_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "VERIFY_DELAY", 0.0)


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(["mailersend", "smtp2go"]) as running:
        yield running


@pytest.fixture
def cli_config(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(lab.toml({}, default="relay"))
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    return path


@pytest.fixture
def vault_env(openbao: OpenBao, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    """``[store] backend = "vault"`` through the environment, a prefix of its own, and no OS keyring."""
    return use_vault_store(monkeypatch, openbao)


def kv_data(openbao: OpenBao, prefix: str, rel: str) -> dict[str, object] | None:
    """What the KV store holds at ``secret/<prefix>/<rel>`` (read directly over HTTP)."""
    import requests

    r = requests.get(f"{openbao.url}/v1/secret/data/{prefix}/{rel}", headers={"X-Vault-Token": openbao.token},
                     timeout=5)
    if r.status_code == 404:
        return None
    r.raise_for_status()
    data: dict[str, object] | None = r.json()["data"]["data"]
    return data
