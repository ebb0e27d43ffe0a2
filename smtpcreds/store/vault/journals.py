"""Rotation journals and leases in the vault store, so any machine can list, resume or abort.

A journal document (never a secret) sits at ``rotations/<id>`` while it can change, and at
``rotations-done/<id>`` once finished for good (so the look-ups each new rotation makes list
only the few live ones). Each save is a check-and-set write on the version this process last
read or wrote, so a process whose rotation was taken over by another machine fails its next
save (:class:`~smtpcreds.store.interface.LeaseLost`) and stops instead of overwriting the newer
state. Leases: :mod:`smtpcreds.store.vault.leases`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote

from smtpcreds.store.interface import Conflict, LeaseLost, check_rotation_id
from smtpcreds.store.vault.kv import VaultKV, segment
from smtpcreds.store.vault.leases import VaultLease

__all__ = [
    "VaultJournals",
]

LIVE, DONE = "rotations", "rotations-done"


class VaultJournals:
    """Journals at ``rotations/<id>`` and ``rotations-done/<id>``, leases at ``leases/<profile>/<ref>``."""

    def __init__(self, kv: VaultKV, lock_ttl: float) -> None:
        self.kv, self.lock_ttl = kv, lock_ttl
        self._versions: dict[str, int] = {}
        self._leases: dict[str, VaultLease] = {}
        self._lock = threading.Lock()

    def _rel(self, rotation_id: str, folder: str = LIVE) -> str:
        return f"{folder}/{segment(check_rotation_id(rotation_id))}"

    def where(self, rotation_id: str) -> str:
        return f"{self.kv.mount}/{self.kv.prefix}/{self._rel(rotation_id)}"

    def save(self, rotation_id: str, doc: str, *, finished: bool) -> None:
        lease = self._leases.get(rotation_id)
        if lease is not None and lease.lost:
            raise LeaseLost(f"its lease on {lease.ref} was taken over by another process")
        folder = DONE if finished else LIVE
        key = f"{folder}/{rotation_id}"
        with self._lock:
            version = self._versions.get(key, 0)
        try:
            written = self.kv.write(self._rel(rotation_id, folder), {"journal": doc}, version)
        except Conflict:
            raise LeaseLost("its journal was changed by another process (its lease was taken over)") from None
        with self._lock:
            self._versions[key] = written
        if finished:  # archived: the live copy goes (a crash before this leaves both; load prefers done)
            self.kv.delete(self._rel(rotation_id))
            with self._lock:
                self._versions.pop(f"{LIVE}/{rotation_id}", None)

    def _read(self, rotation_id: str, folder: str = LIVE, *, adopt: bool = False) -> str | None:
        """A journal document; ``adopt``: this process goes on from it, so its next save is
        checked against the version read. Only :meth:`load` adopts: a listing that remembered the
        versions it read would hide a takeover from this process's own rotations (or, read while
        one of them saves, step back behind its own write and fail its next one)."""
        data, version = self.kv.read(self._rel(rotation_id, folder))
        if not data or "journal" not in data:
            return None
        if adopt:
            with self._lock:
                self._versions[f"{folder}/{rotation_id}"] = version
        return str(data["journal"])

    def load(self, rotation_id: str) -> str | None:
        return self._read(rotation_id, DONE, adopt=True) or self._read(rotation_id, adopt=True)

    def _folder(self, folder: str) -> list[tuple[str, str]]:
        out = []
        for key in self.kv.list(folder):
            if key.endswith("/"):
                continue
            rotation_id = unquote(key)
            doc = self._read(rotation_id, folder)
            if doc is not None:
                out.append((rotation_id, doc))
        return out

    def live(self) -> list[str]:
        # (an archived journal whose live copy a crash left behind is left out)
        return [doc for rotation_id, doc in self._folder(LIVE) if self._read(rotation_id, DONE) is None]

    def finished(self) -> list[str]:
        return [doc for _, doc in self._folder(DONE)]

    def holder_of(self, profile: str, credential: str) -> dict[str, object] | None:
        """Who holds the lease of ``credential`` now (None: free)."""
        data, _ = VaultLease(self.kv, profile, credential, self.lock_ttl).current()
        return data

    @contextmanager
    def lease(self, profile: str, credential: str, rotation_id: str, step: str,
              journaled: bool) -> Iterator[None]:
        lease = VaultLease(self.kv, profile, credential, self.lock_ttl)
        lease.acquire(rotation_id, step, journaled)
        self._leases[rotation_id] = lease
        try:
            yield
        finally:
            self._leases.pop(rotation_id, None)
            lease.release()
