"""Login records, profile secrets, blobs and the write check in Vault/OpenBao KV v2.

Paths and check-and-set rules: :mod:`smtpcreds.store.vault.kv`. A record's version is its KV
version (0: absent), so each change is a CAS write on the version this process read, and the
version the write answers with is the store's confirmation that it keeps exactly that record: a
KV version never changes once written, so no read-back follows (the write check, once per
profile and process, reads a canary back to prove the whole round trip).
"""

from __future__ import annotations

from urllib.parse import unquote

from smtpcreds.errors import SecretStoreError
from smtpcreds.store.interface import Conflict
from smtpcreds.store.record import LoginRecord, is_record_doc
from smtpcreds.store.vault.kv import VaultKV, segment

__all__ = [
    "VaultRecords", "VaultValues",
]


class VaultRecords:
    """The login records of one profile, at ``logins/<profile>/<credential name>`` (records of
    releases before credential identity: at ``logins/<profile>/<provider id>``)."""

    ABSENT = 0

    def __init__(self, kv: VaultKV, profile: str) -> None:
        self.kv, self.profile = kv, profile

    def _rel(self, ref: str) -> str:
        return f"logins/{segment(self.profile)}/{segment(ref)}"

    def where(self, ref: str) -> str:
        return self.kv.where(self._rel(ref))

    def read(self, ref: str) -> tuple[LoginRecord, int]:
        data, version = self.kv.read(self._rel(ref))
        if data is None:
            return LoginRecord(), version
        where = self.where(ref)
        if not is_record_doc(data) and data:
            raise SecretStoreError(f"the store entry {where} is not a login record")
        return LoginRecord.from_doc(data, where), version

    def write(self, ref: str, record: LoginRecord, version: int | None) -> int:
        """Write on ``version`` (check-and-set); the version made, which confirms the write."""
        try:
            return self.kv.write(self._rel(ref), record.to_doc(), version or 0)
        except Conflict:
            raise Conflict(f"the login record of {ref!r} in profile {self.profile!r} was changed by "
                           "another process while this one changed it; nothing was overwritten: "
                           "check 'smtpcreds rotations list' and retry or resume") from None

    def delete(self, ref: str, version: int | None) -> bool:
        if version is None:
            data, version = self.kv.read(self._rel(ref))
            if data is None and not version:
                return False
        elif not version:
            return False
        self.kv.delete(self._rel(ref))
        return True


    def refs(self) -> list[str] | None:
        keys = self.kv.list(f"logins/{segment(self.profile)}")
        return sorted(unquote(k) for k in keys if not k.endswith("/"))


class VaultValues:
    """Single values (``{"value": ...}``) under a folder: profile secrets, blobs, the write check."""

    def __init__(self, kv: VaultKV, folder: str) -> None:
        self.kv, self.folder = kv, folder

    def _rel(self, name: str) -> str:
        return f"{self.folder}/{segment(name)}"

    def where(self, name: str) -> str:
        return self.kv.where(self._rel(name))

    def get(self, name: str) -> str | None:
        data, _ = self.kv.read(self._rel(name))
        value = None if data is None else data.get("value")
        return value if isinstance(value, str) else None

    def put(self, name: str, value: str) -> None:
        """Write on the version just read (CAS); the version answered confirms it (see the module)."""
        rel = self._rel(name)
        _, version = self.kv.read(rel)
        try:
            self.kv.write(rel, {"value": value}, version)
        except Conflict:
            raise Conflict(f"{self.kv.where(rel)} was changed by another process at the same time; nothing was "
                           "overwritten: retry") from None

    def delete(self, name: str) -> bool:
        rel = self._rel(name)
        data, version = self.kv.read(rel)
        if data is None and not version:
            return False
        self.kv.delete(rel)
        return data is not None
