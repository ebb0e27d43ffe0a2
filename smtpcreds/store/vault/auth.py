"""The token every request of a process carries: looked up once (or one AppRole login), renewed
when half its TTL has passed (a long batch or lease outlives a short token), for all threads."""

from __future__ import annotations

import threading
import time
from typing import Any

from smtpcreds.errors import ConfigError
from smtpcreds.store.settings import StoreSettings

__all__ = [
    "Token",
]


class Token:
    """The process's token for one store (:class:`~smtpcreds.store.vault.kv.VaultKV` holds one)."""

    def __init__(self, settings: StoreSettings) -> None:
        self.settings = settings
        self.value = ""
        #: monotonic time after which a renewable token is renewed (half its TTL); None: never
        self._renew_at: float | None = None
        self._lock = threading.Lock()
        self.renewals = 0

    def __repr__(self) -> str:
        return f"<Token {self.settings.auth} {'held' if self.value else 'none yet'}>"

    def apply(self, client: Any) -> None:
        """Give ``client`` the token: logged in, looked up or renewed first when it needs it (once
        for every thread)."""
        client.token = self.value
        if self.value and (self._renew_at is None or time.monotonic() < self._renew_at):
            return
        with self._lock:
            self._login_once(client)

    def forget(self) -> None:
        """The token expired (an AppRole token): the next request logs in again."""
        self.value = ""

    def _login_once(self, client: Any) -> None:
        s = self.settings
        if not self.value:
            if s.auth == "approle":
                secret_id = s.secret_id()
                if not s.role_id or not secret_id:
                    raise ConfigError("[store] auth = \"approle\" needs role_id and a secret_id "
                                      "(SMTPCREDS_STORE__SECRET_ID or secret_id_file)")
                answer = client.auth.approle.login(role_id=s.role_id, secret_id=secret_id,
                                                   mount_point=s.approle_mount)
                self.value = answer["auth"]["client_token"]
            else:
                self.value = s.token()
                if not self.value:
                    raise ConfigError("[store] backend = \"vault\" needs a token: set VAULT_TOKEN (or "
                                      "BAO_TOKEN), log in with 'bao login', or use auth = \"approle\"")
                client.token = self.value
                self._schedule_renewal(client.auth.token.lookup_self()["data"])
        client.token = self.value
        if self._renew_at is not None and time.monotonic() >= self._renew_at:
            self._schedule_renewal(client.auth.token.renew_self()["auth"])
            self.renewals += 1

    def _schedule_renewal(self, info: dict[str, Any]) -> None:
        """Renew a renewable token with a TTL when half of it has passed; a root or non-renewable
        token is left as it is."""
        ttl = float(info.get("ttl") or info.get("lease_duration") or 0)
        self._renew_at = time.monotonic() + ttl / 2 if info.get("renewable") and ttl > 0 else None
