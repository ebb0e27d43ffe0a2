"""The vault backend: everything in OpenBao / HashiCorp Vault KV version 2, under ``<mount>/<prefix>/``.

* ``logins/<profile>/<ref>`` — a credential's login record (:mod:`.records`);
* ``profiles/<profile>:<field>`` — a profile's API secret; ``blobs/<profile>/<name>`` — a cached blob;
* ``rotations/<id>``, ``rotations-done/<id>`` — rotation journals (:mod:`.journals`);
* ``leases/<profile>/<name>`` — the lease of the rotation that holds a credential, and the ids of the
  credential's live journals (:mod:`.leases`);
* ``hosts/<host>`` — the report of a host's agent (:mod:`.hosts`);
* ``write-check/<profile>/<token>`` — the write check (created, read back and removed).

Requests, check-and-set and cluster fail-over: :mod:`.kv`; the token: :mod:`.auth`. hvac is
imported only when a backend is opened (``pip install 'smtpcreds[vault]'``).
"""

from __future__ import annotations

from smtpcreds.errors import SecretStoreError
from smtpcreds.store.settings import StoreSettings
from smtpcreds.store.vault.hosts import VaultHosts
from smtpcreds.store.vault.journals import VaultJournals
from smtpcreds.store.vault.kv import VaultKV, kv_for, segment
from smtpcreds.store.vault.records import VaultRecords, VaultValues

__all__ = [
    "VaultBackend",
]


class VaultBackend:
    """OpenBao/Vault KV v2, one client per settings and process (:func:`.kv.kv_for`)."""

    name = "vault"

    def __init__(self, settings: StoreSettings) -> None:
        self.settings = settings
        self.kv: VaultKV = kv_for(settings)

    def __repr__(self) -> str:
        return f"<VaultBackend {self.kv!r}>"

    def records(self, profile: str) -> VaultRecords:
        return VaultRecords(self.kv, profile)

    def blobs(self, profile: str) -> VaultValues:
        return VaultValues(self.kv, f"blobs/{segment(profile)}")

    def profile_secrets(self) -> VaultValues:
        return VaultValues(self.kv, "profiles")

    def journals(self) -> VaultJournals:
        return VaultJournals(self.kv, self.settings.lock_ttl)

    def hosts(self) -> VaultHosts:
        return VaultHosts(self.kv)

    def check(self, allow_insecure: bool) -> None:
        """Nothing to check without a request: the first write proves the store."""

    def check_writable(self, profile: str, token: str) -> None:
        """An entry of its own (cas=0, read back, removed): no race with other connections. Once
        per profile and process: the store, the token and its policy are the same for every
        connection of a batch (a store that fails later fails the pending write, and the login a
        provider made for it is deleted: :func:`smtpcreds.store.newsecret.keep_returned`)."""
        if profile in self.kv.proven:
            return
        with self.kv.proving:  # the workers of a batch wait for the first one's check
            if profile in self.kv.proven:
                return
            rel = f"write-check/{segment(profile)}/{token}"
            written = self.kv.write(rel, {"value": token}, 0)
            back, _ = self.kv.read(rel, written)
            self.kv.delete(rel)
            if (back or {}).get("value") != token:
                raise SecretStoreError(f"the vault store did not keep {self.kv.where(rel)} "
                                       "(read-back differs)")
            self.kv.proven.add(profile)

    def reserve(self, threads: int) -> None:
        self.kv.reserve(threads)
