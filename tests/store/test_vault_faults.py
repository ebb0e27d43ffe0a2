"""Vault store faults against real OpenBao servers: sealed, unreachable, a revoked token, and
AppRole login (with a new login when its short-lived token expires)."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from smtpcreds.client import secret_store, store_settings
from smtpcreds.errors import SecretStoreError
from smtpcreds.models import SmtpLogin
from smtpcreds.store.vault import kv as vault
from smtpcreds.testing.openbao import OpenBao, bao_binary, openbao_dev
from tests.vaultstore import use_vault_store


def login(pw: str = "Fault-Passw0rd-0001") -> SmtpLogin:
    return SmtpLogin(host="smtp.example.com", port=587, username="u@example.com", password=SecretStr(pw))


def api(server: OpenBao, method: str, path: str, token: str | None = None, **body: Any) -> Any:
    r = requests.request(method, f"{server.url}/v1/{path}", headers={"X-Vault-Token": token or server.token},
                         json=body or None, timeout=10)
    r.raise_for_status()
    return r.json() if r.content else None


@pytest.fixture
def short_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vault, "RETRY_SECONDS", 1.5)
    monkeypatch.setattr(vault, "RETRY_DELAY", 0.2)


def test_a_sealed_server_is_a_one_line_store_error(short_retries: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with openbao_dev() as server:
        use_vault_store(monkeypatch, server, "faults")
        secret_store("relay").put("u", login())
        subprocess.run([str(bao_binary()), "operator", "seal"], check=True, capture_output=True, timeout=30,
                       env={"BAO_ADDR": server.url, "BAO_TOKEN": server.token, "HOME": str(server.home)})
        with pytest.raises(SecretStoreError, match=r"sealed or unavailable \(503\)") as caught:
            secret_store("relay").get("u")
        assert "\n" not in caught.value.message and caught.value.exit_code == 4


def test_an_unreachable_server_is_a_one_line_store_error(short_retries: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with openbao_dev() as server:
        use_vault_store(monkeypatch, server, "faults")
    with pytest.raises(SecretStoreError, match="cannot be reached") as caught:  # stopped now
        secret_store("relay").put("u", login())
    assert "\n" not in caught.value.message


def test_a_revoked_token_is_refused_with_how_to_fix(openbao: OpenBao, monkeypatch: pytest.MonkeyPatch) -> None:
    child = api(openbao, "POST", "auth/token/create", policies=["root"], ttl="10m")["auth"]["client_token"]
    use_vault_store(monkeypatch, openbao, "revoked", token=child)
    secret_store("relay").put("u", login())
    api(openbao, "POST", "auth/token/revoke-self", token=child)
    with pytest.raises(SecretStoreError, match="expired or was revoked") as caught:
        secret_store("relay").get("u")
    assert caught.value.exit_code == 4 and child not in caught.value.message


def test_approle_login_and_a_new_login_when_the_token_expires(openbao: OpenBao,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    mounts = api(openbao, "GET", "sys/auth")
    if "approle/" not in mounts.get("data", mounts):
        api(openbao, "POST", "sys/auth/approle", type="approle")
    api(openbao, "PUT", "sys/policies/acl/smtpcreds",
        policy='path "secret/*" { capabilities = ["create", "read", "update", "delete", "list"] }')
    api(openbao, "POST", "auth/approle/role/cron", token_policies=["smtpcreds"], token_ttl="2s",
        token_max_ttl="2s")
    role_id = api(openbao, "GET", "auth/approle/role/cron/role-id")["data"]["role_id"]
    secret_id = api(openbao, "POST", "auth/approle/role/cron/secret-id")["data"]["secret_id"]
    use_vault_store(monkeypatch, openbao, "approle", token="")
    monkeypatch.delenv("VAULT_TOKEN")
    monkeypatch.setenv("SMTPCREDS_STORE__AUTH", "approle")
    monkeypatch.setenv("SMTPCREDS_STORE__ROLE_ID", role_id)
    monkeypatch.setenv("SMTPCREDS_STORE__SECRET_ID", secret_id)
    store = secret_store("relay")
    store.put("u", login())
    time.sleep(2.5)  # the token has expired: the next request logs in again
    assert secret_store("relay").get("u") is not None
    settings = store_settings()
    assert secret_id not in repr(settings) and "secret_id" not in settings.model_dump()


def test_a_short_renewable_token_is_renewed_while_in_use(openbao: OpenBao, monkeypatch: pytest.MonkeyPatch) -> None:
    child = api(openbao, "POST", "auth/token/create", policies=["root"], ttl="3s", renewable=True,
                explicit_max_ttl="2m")["auth"]["client_token"]
    use_vault_store(monkeypatch, openbao, "renewed", token=child)
    store = secret_store("relay")
    store.put("u", login())
    for _ in range(5):  # 6 s in all: twice the token's TTL
        time.sleep(1.2)
        assert store.get("u") is not None
    ttl = api(openbao, "GET", "auth/token/lookup-self", token=child)["data"]["ttl"]
    assert 0 < ttl <= 3


def test_a_write_answered_with_an_unexpected_version_is_refused(openbao: OpenBao,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A check-and-set write on version N must make N+1: that answer is the write's confirmation,
    so any other is a store error, not a success."""
    use_vault_store(monkeypatch, openbao, "versions")
    kv = vault.VaultKV(store_settings())
    kv.write("probe/one", {"value": "a"}, 0)
    real = kv._call
    monkeypatch.setattr(kv, "_call", lambda op, fn: real(op, fn) + 1 if op == "write" else real(op, fn))
    with pytest.raises(SecretStoreError, match=r"answered version 3 for secret/versions/probe/one written on "
                                               r"version 1") as caught:
        kv.write("probe/one", {"value": "b"}, 1)
    assert "\n" not in caught.value.message
