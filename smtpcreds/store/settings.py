"""The ``[store]`` table: which backend keeps secrets and rotation state, and how to reach it.

Every field can also be set as ``SMTPCREDS_STORE__<FIELD>``. ``url`` may be one address or a
list of cluster nodes (comma-separated in the environment).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smtpcreds.tables import settings_of


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["keyring", "vault"] = Field(
        "keyring", description="keyring: OS keyring + state directory (one machine); vault: "
        "OpenBao/Vault KV v2 (a team, servers).")
    url: list[str] = Field(default_factory=list, description="Vault/OpenBao address, or a list of "
                           "cluster nodes tried in order; default $VAULT_ADDR, else $BAO_ADDR.")
    mount: str = Field("secret", description="Mount path of a KV version 2 secrets engine.")
    prefix: str = Field("smtpcreds", description="Everything is kept under <mount>/<prefix>/.")
    namespace: str = Field("", description="Vault Enterprise / OpenBao namespace (optional).")
    auth: Literal["token", "approle"] = Field(
        "token", description="token: $VAULT_TOKEN, else $BAO_TOKEN, else ~/.vault-token; approle: "
        "role_id here, secret_id from $SMTPCREDS_STORE__SECRET_ID or secret_id_file.")
    role_id: str = Field("", description="AppRole role_id (auth = approle).")
    secret_id_file: str = Field("", description="File holding the AppRole secret_id (auth = approle).")
    approle_mount: str = Field("approle", description="Mount path of the AppRole auth method.")
    ca_cert: str = Field("", description="PEM bundle to verify the server's certificate (optional).")
    verify_tls: bool = Field(True, description="Verify the server's TLS certificate.")
    timeout: float = Field(10.0, gt=0, description="Seconds per request.")
    lock_ttl: int = Field(900, gt=0, description="Seconds a rotation lease lasts without renewal.")

    @field_validator("url", mode="before")
    @classmethod
    def _urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [u.strip() for u in value.split(",") if u.strip()]
        return value

    def addresses(self) -> list[str]:
        if self.url:
            return list(self.url)
        env = os.environ.get("VAULT_ADDR") or os.environ.get("BAO_ADDR") or ""
        return [u.strip() for u in env.split(",") if u.strip()]

    def token(self) -> str:
        token = os.environ.get("VAULT_TOKEN") or os.environ.get("BAO_TOKEN")
        if token:
            return token
        path = Path.home() / ".vault-token"
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def secret_id(self) -> str:
        value = os.environ.get("SMTPCREDS_STORE__SECRET_ID", "")
        if value or not self.secret_id_file:
            return value
        try:
            return Path(self.secret_id_file).expanduser().read_text(encoding="utf-8").strip()
        except OSError:
            return ""


def from_table(table: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> StoreSettings:
    """The settings of a ``[store]`` table (as the config file holds it), overridden by the
    environment's ``SMTPCREDS_STORE__<FIELD>``; ConfigError (one line, naming the field) if invalid.

    The store never reads the config file itself: configuration hands it the table.
    """
    return settings_of("store", StoreSettings, dict(table or {}), environ, ignore=("secret_id",))
