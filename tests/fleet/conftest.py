"""Fixtures for the fleet: a real OpenBao, the lab (SMTP2GO emulator + SMTP server), this test
process as the rotating host (vault store, root token), and hosts whose agents run apart."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation import engine
from smtpcreds.testing.openbao import OpenBao
from tests.vaultstore import use_vault_store

from .hosts import FleetHost, make_host


@pytest.fixture(autouse=True)
def fast_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "VERIFY_DELAY", 0.0)


@pytest.fixture
def prefix() -> str:
    """A KV prefix of the test's own."""
    return f"f-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def vault(openbao: OpenBao, prefix: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This process uses the vault store (root token) through the environment, and no OS keyring."""
    return use_vault_store(monkeypatch, openbao, prefix)


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(["smtp2go"]) as running:
        yield running


@pytest.fixture
def rotator(lab: Lab, vault: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The rotating host's config: the SMTP2GO emulator as issuer profile ``relay`` (the default)."""
    path = tmp_path / "rotator.toml"
    path.write_text(lab.toml({}, default="relay"))
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    return path


MakeHost = Callable[..., FleetHost]


@pytest.fixture
def make_fleet_host(openbao: OpenBao, prefix: str, tmp_path: Path) -> Iterator[MakeHost]:
    """``make_fleet_host(name, consumers, token=None, interval=60)``: a host with a token holding
    only its agent policy (unless ``token``); its agent process is stopped after the test."""
    made: list[FleetHost] = []

    def make(name: str, consumers: dict[str, dict[str, Any]], **kw: Any) -> FleetHost:
        host = make_host(tmp_path / "hosts", openbao, prefix, name, consumers, **kw)
        made.append(host)
        return host

    yield make
    for host in made:
        host.kill()


def env_consumer(path: Path, login: str) -> dict[str, Any]:
    """An envfile consumer profile at ``path`` bound to ``login``."""
    return {"provider": "envfile", "path": str(path), "login": login}
