"""The command line with ``[store] backend = "vault"`` against a real OpenBao server and no OS
keyring: every secret in KV, none in a file under HOME or the state directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.testing.openbao import OpenBao

from .conftest import kv_data


@pytest.fixture
def team(lab: Lab, tmp_path: Path, vault_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    state = home / ".local" / "state" / "smtpcreds"
    monkeypatch.setenv("SMTPCREDS_STATE_DIR", str(state))
    app_env = tmp_path / "app" / ".env"
    app_env.parent.mkdir()
    app_env.write_text("APP=billing\n")
    relay = lab.profiles()["relay"]
    api_key = relay.pop("api_key")
    config = home / "config.toml"
    config.write_text(lab.toml({"relay": relay, "app-env": {"provider": "envfile", "path": str(app_env)}},
                               default="relay"))
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    return {"home": home, "state": state, "api_key": api_key, "prefix": vault_env["SMTPCREDS_STORE__PREFIX"],
            "app_env": app_env}


def files_holding(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret in p.read_text(errors="replace")]


def test_auth_create_rotate_login_with_the_vault_store_and_no_keyring(
        team: dict[str, Any], run_cli: Any, openbao: OpenBao, lab: Lab) -> None:
    r = run_cli("auth", "set", "relay", stdin=team["api_key"] + "\n")
    assert r.code == 0, r
    assert kv_data(openbao, team["prefix"], "profiles/relay:api_key") == {"value": team["api_key"]}

    r = run_cli("--json", "creds", "create", "billing-app")
    assert r.code == 0, r
    ref = r.json()["id"]
    r = run_cli("--json", "creds", "rotate", ref, "--push", "app-env")
    assert r.code == 0, r
    r = run_cli("--json", "creds", "login", ref, "--reveal")
    assert r.code == 0, r
    password = r.json()["password"]

    record = kv_data(openbao, team["prefix"], f"logins/relay/{ref}")
    assert record is not None and record["pending"] is None
    assert record["current"]["password"] == password  # type: ignore[index]
    assert record["previous"]["password"] != password  # type: ignore[index]
    assert lab.smtp.accepts(record["current"]["username"], password)  # type: ignore[index]
    assert password in team["app_env"].read_text()  # the consumer got it
    assert team["state"].exists()
    for secret in (password, record["previous"]["password"], team["api_key"]):  # type: ignore[index]
        assert files_holding(team["home"], secret) == []
        assert files_holding(Path(os.environ["SMTPCREDS_STATE_DIR"]), secret) == []
