"""The ``vaultkv`` consumer: a login as keys of one KV version 2 entry (``docs/providers/vaultkv.md``).

A push reads the entry, merges the login's keys over the other keys it holds, and writes it with
check-and-set on the version read (``cas=0`` when it does not exist yet); an entry that already
holds the login is not written. The format is a flat map of strings, as Vault Agent templates
(``{{ with secret "secret/data/apps/billing/smtp" }}{{ .Data.data.password }}{{ end }}``) and the
External Secrets Operator (``remoteRef: {key: apps/billing/smtp, property: password}``) read it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, cast

from pydantic import SecretStr

from smtpcreds.plugin import (
    Capability,
    ConfigError,
    EmailSettings,
    ErrorDetail,
    HttpTransport,
    NotFound,
    Provider,
    ProviderError,
    SetResult,
    ValidationError,
    keyed_updates,
    parse_json,
    register_secret,
)
from smtpcreds_vaultkv.profile import VaultKvProfile

_SECURITY = ("ssl", "starttls", "none")


def _errors(resp: Any, body: Any) -> ErrorDetail | None:
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return ErrorDetail(message="; ".join(str(e) for e in body["errors"]) or f"HTTP {resp.status_code}")
    return None


class VaultKvProvider(Provider):
    """Writes the login to an OpenBao/Vault KV v2 entry with check-and-set."""

    name = "vaultkv"
    profile_model = VaultKvProfile
    capabilities = frozenset({Capability.SETTINGS_SHOW, Capability.SETTINGS_SET, Capability.SETTINGS_DELETE})
    description = "SMTP login in an OpenBao/Vault KV v2 entry (for Vault Agent, External Secrets)"
    emulator = None

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._http: HttpTransport | None = None

    @property
    def kv(self) -> VaultKvProfile:
        return cast(VaultKvProfile, self.profile)

    def _transport(self) -> HttpTransport:
        if self._http is None:
            p = self.kv
            address = p.base_url or os.environ.get("VAULT_ADDR") or os.environ.get("BAO_ADDR")
            if not address:
                raise ConfigError(f"profile {self.ctx.profile_name!r}: set base_url (or VAULT_ADDR) to the "
                                  "server's address")
            token = (p.token.get_secret_value() if p.token else None) or os.environ.get("VAULT_TOKEN") \
                or os.environ.get("BAO_TOKEN") or self.ctx.resolve_secret("token")
            headers = {"X-Vault-Token": token, **({"X-Vault-Namespace": p.namespace} if p.namespace else {})}
            self._http = self.ctx.http(address.rstrip("/") + "/v1", provider=self.name, headers=headers,
                                       timeout=p.timeout, verify_tls=p.verify_tls, error_parser=_errors,
                                       secrets=[token])
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def _data_path(self) -> str:
        return f"{self.kv.mount}/data/{self.kv.path}"

    def _read(self) -> tuple[dict[str, Any] | None, int]:
        resp = self._transport().request("GET", self._data_path(), ok=(200, 404))
        if resp.status_code == 404:
            return None, 0
        body = parse_json(resp, self.name)
        data = body["data"]
        return data.get("data"), int(data["metadata"]["version"])

    # -- read -------------------------------------------------------------------------------
    def get_settings(self, scope: str | None = None) -> EmailSettings:
        data, _ = self._read()
        if data is None:
            raise NotFound(f"{self.kv.mount}/{self.kv.path} holds no entry", provider=self.name)
        raw = {f: data.get(k) for f, k in self.kv.keys().items() if data.get(k) not in (None, "")}
        password = raw.get("password")
        if password is not None:
            register_secret(str(password))
        port = raw.get("port")
        try:
            port_number = int(port) if port is not None else None
        except (TypeError, ValueError):
            raise ProviderError(f"{self.kv.path}: {self.kv.port_key}={port!r} is not a port number",
                                provider=self.name) from None
        security = raw.get("security")
        return EmailSettings(
            host=raw.get("host"), port=port_number,
            security=security if security in _SECURITY else None,
            username=raw.get("username"), password=SecretStr(str(password)) if password is not None else None,
            from_address=raw.get("from_address"), extra={"path": f"{self.kv.mount}/{self.kv.path}"},
        )

    # -- write ------------------------------------------------------------------------------
    def set_settings(self, changes: EmailSettings, scope: str | None = None, *,
                     options: Mapping[str, Any] | None = None) -> SetResult:
        updates = self._updates(changes, options)
        data, version = self._read()
        merged = {**(data or {}), **updates}
        if data is not None and merged == data:
            return SetResult(changed=False, detail=f"{self.kv.mount}/{self.kv.path} is up to date")
        resp = self._transport().request("POST", self._data_path(),
                                         json_body={"data": merged, "options": {"cas": version}},
                                         ok=(200, 204, 400))
        if resp.status_code == 400:
            body = parse_json(resp, self.name)
            text = "; ".join(str(e) for e in (body or {}).get("errors", []))
            if "check-and-set" in text:
                raise ProviderError(f"{self.kv.mount}/{self.kv.path} was changed by someone else meanwhile; "
                                    "nothing was overwritten: push again", provider=self.name)
            raise ValidationError(f"{self.kv.path}: {text or 'rejected (400)'}", provider=self.name)
        return SetResult(changed=True, detail=f"wrote {', '.join(sorted(updates))} to {self.kv.mount}/{self.kv.path}")

    def delete_settings(self, scope: str | None = None) -> int:
        data, _ = self._read()
        if data is None:
            raise NotFound(f"{self.kv.mount}/{self.kv.path} holds no entry", provider=self.name)
        self._transport().request("DELETE", f"{self.kv.mount}/metadata/{self.kv.path}")
        return 1

    def _updates(self, changes: EmailSettings, options: Mapping[str, Any] | None) -> dict[str, str]:
        return keyed_updates(self.name, changes, options, self.kv.keys())
