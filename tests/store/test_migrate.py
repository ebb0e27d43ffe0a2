"""``smtpcreds store migrate``: keyring → vault and back, verified, idempotent, refused while a
rotation is open."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.testing.openbao import OpenBao

from .conftest import kv_data


@pytest.fixture
def keyring_first(lab: Lab, tmp_path: Path, openbao: OpenBao, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Logins and an API secret in the (memory) keyring; the vault store configured but not chosen."""
    import uuid

    relay = lab.profiles()["relay"]
    api_key = relay.pop("api_key")
    config = tmp_path / "config.toml"
    config.write_text(lab.toml({"relay": relay}, default="relay"))
    config.chmod(0o600)
    prefix = f"m-{uuid.uuid4().hex[:10]}"
    for k, v in {"SMTPCREDS_CONFIG": str(config), "SMTPCREDS_STORE__URL": openbao.url,
                 "SMTPCREDS_STORE__PREFIX": prefix, "VAULT_TOKEN": openbao.token}.items():
        monkeypatch.setenv(k, v)
    return {"api_key": api_key, "prefix": prefix}


def test_migrate_to_vault_and_back_is_verified_and_idempotent(
        keyring_first: dict[str, Any], run_cli: Any, openbao: OpenBao, memory_keyring: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli("auth", "set", "relay", stdin=keyring_first["api_key"] + "\n").code == 0
    refs = [run_cli("--json", "creds", "create", f"app-{i}").json()["id"] for i in range(2)]  # type: ignore[index]
    assert run_cli("creds", "rotate", refs[0]).code == 0
    before = dict(memory_keyring.store)

    r = run_cli("--json", "store", "migrate", "--to", "vault")
    assert r.code == 0, r
    assert sorted(row["item"] for row in r.json() if row["status"] == "copied") == sorted(  # type: ignore[union-attr]
        ["secret api_key", *(f"login {ref}" for ref in refs)])
    again = run_cli("--json", "store", "migrate", "--to", "vault")
    assert {row["status"] for row in again.json()} == {"unchanged"}  # type: ignore[union-attr]
    assert dict(memory_keyring.store) == before, "the source is not changed"
    for ref in refs:
        record = kv_data(openbao, keyring_first["prefix"], f"logins/relay/{ref}")
        assert record == json.loads(memory_keyring.store[("smtpcreds/relay", ref)])

    # Switch, and the logins and the API key come from the vault store with no keyring at all
    monkeypatch.setenv("SMTPCREDS_STORE__BACKEND", "vault")
    saved = dict(memory_keyring.store)
    memory_keyring.store.clear()
    login = run_cli("--json", "creds", "login", refs[0], "--reveal")
    assert login.code == 0, login
    assert run_cli("creds", "list").code == 0  # the API key, from the vault store
    assert run_cli("creds", "rotate", refs[1]).code == 0
    r = run_cli("--json", "store", "migrate", "--to", "keyring")
    assert r.code == 0, r
    assert json.loads(memory_keyring.store[("smtpcreds/relay", refs[0])])["current"]["password"] == \
        login.json()["password"]  # type: ignore[index]
    assert memory_keyring.store[("smtpcreds", "relay:api_key")] == saved[("smtpcreds", "relay:api_key")]


def test_migrate_is_refused_while_a_rotation_is_open(keyring_first: dict[str, Any], run_cli: Any,
                                                     lab: Lab) -> None:
    assert run_cli("auth", "set", "relay", stdin=keyring_first["api_key"] + "\n").code == 0
    created = run_cli("--json", "creds", "create", "open-app")
    assert created.code == 0, created
    ref = created.json()["id"]  # type: ignore[index]
    lab.emulators["smtp2go"].faults.inject(method="PATCH", path=r"^/users/smtp/edit$", status=500, times=None)
    assert run_cli("creds", "rotate", ref).code == 8
    r = run_cli("store", "migrate", "--to", "vault")
    assert r.code == 8 and "is open" in r.err, r
