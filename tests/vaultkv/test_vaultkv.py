"""The vaultkv consumer against a real OpenBao server: contract, key names, check-and-set, an
unchanged push writes nothing, ``settings show`` masks the password."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from smtpcreds.errors import ProviderError
from smtpcreds.models import SmtpLogin
from smtpcreds.testing.contract import ConsumerContract
from smtpcreds.testing.openbao import OpenBao
from smtpcreds.testing.support import provider_for


def kv(openbao: OpenBao, path: str) -> tuple[dict[str, Any] | None, int]:
    r = requests.get(f"{openbao.url}/v1/secret/data/{path}", headers={"X-Vault-Token": openbao.token}, timeout=5)
    if r.status_code == 404:
        return None, 0
    data = r.json()["data"]
    return data["data"], data["metadata"]["version"]


def login(pw: str = "Rotated-Passw0rd-000001") -> SmtpLogin:
    return SmtpLogin(host="smtp.example.com", port=587, username="billing@example.com", password=SecretStr(pw))


class TestVaultKvContract(ConsumerContract):
    @pytest.fixture
    def emulator(self) -> None:
        return None

    @pytest.fixture
    def profile_fields(self, openbao: OpenBao, kv_path: str) -> dict[str, Any]:
        return {"provider": "vaultkv", "base_url": openbao.url, "token": openbao.token, "path": kv_path}


@pytest.fixture
def provider(openbao: OpenBao, kv_path: str) -> Any:
    p = provider_for({"provider": "vaultkv", "base_url": openbao.url, "token": openbao.token, "path": kv_path,
                      "password_key": "SMTP_PASSWORD", "username_key": "SMTP_USER", "from_key": ""})
    yield p
    p.close()


def test_push_writes_the_chosen_keys_and_keeps_other_keys(provider: Any, openbao: OpenBao, kv_path: str) -> None:
    requests.post(f"{openbao.url}/v1/secret/data/{kv_path}", headers={"X-Vault-Token": openbao.token},
                  json={"data": {"APP_NAME": "billing"}}, timeout=5).raise_for_status()
    assert provider.push_login(login()).changed
    data, version = kv(openbao, kv_path)
    assert data == {"APP_NAME": "billing", "host": "smtp.example.com", "port": "587", "security": "starttls",
                    "SMTP_USER": "billing@example.com", "SMTP_PASSWORD": "Rotated-Passw0rd-000001"}
    assert version == 2


def test_an_unchanged_push_writes_nothing(provider: Any, openbao: OpenBao, kv_path: str) -> None:
    provider.push_login(login())
    _, version = kv(openbao, kv_path)
    assert not provider.push_login(login()).changed
    assert kv(openbao, kv_path)[1] == version


def test_a_change_made_meanwhile_is_not_overwritten(provider: Any, openbao: OpenBao, kv_path: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    provider.push_login(login())
    real_read = provider._read

    def read_then_someone_writes() -> Any:
        seen = real_read()
        requests.post(f"{openbao.url}/v1/secret/data/{kv_path}", headers={"X-Vault-Token": openbao.token},
                      json={"data": {"SMTP_PASSWORD": "someone-else"}}, timeout=5).raise_for_status()
        return seen

    monkeypatch.setattr(provider, "_read", read_then_someone_writes)
    with pytest.raises(ProviderError, match="changed by someone else"):
        provider.push_login(login("Another-Passw0rd-000002"))
    assert kv(openbao, kv_path)[0] == {"SMTP_PASSWORD": "someone-else"}


def test_settings_show_masks_the_password(openbao: OpenBao, kv_path: str, run_cli: Any, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.apps]\nprovider = "vaultkv"\nbase_url = "{openbao.url}"\npath = "{kv_path}"\n')
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    monkeypatch.setenv("VAULT_TOKEN", openbao.token)
    requests.post(f"{openbao.url}/v1/secret/data/{kv_path}", headers={"X-Vault-Token": openbao.token},
                  json={"data": {"host": "smtp.example.com", "port": "465", "password": "Shown-Never-0001"}},
                  timeout=5).raise_for_status()
    r = run_cli("--json", "--profile", "apps", "settings", "show")
    assert r.code == 0, r
    assert "Shown-Never-0001" not in r.out + r.err
    assert r.json()["host"] == "smtp.example.com" and r.json()["port"] == 465  # type: ignore[index]
