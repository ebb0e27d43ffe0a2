"""Rotation journals and leases in the vault store, so any machine can list, resume or abort.

A journal is the JSON document of :class:`~smtpcreds.rotation.journal.Journal` (never a secret)
at ``rotations/<id>`` while it can change, and at ``rotations-done/<id>`` once finished for good
(so the look-ups each new rotation makes list only the few live ones). Each save is a
check-and-set write on the version this process last read or wrote, so a process whose rotation
was taken over by another machine fails its next save and stops instead of overwriting the
newer state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from smtpcreds.errors import NotFound, RotationError, SecretStoreError
from smtpcreds.rotation.journal import Journal, JournalStore, _now
from smtpcreds.store.leases import VaultLease
from smtpcreds.store.vault import Conflict, VaultKV, segment

if TYPE_CHECKING:
    from smtpcreds.store.settings import StoreSettings


class VaultJournalStore(JournalStore):
    """Journals at ``rotations/<id>`` and leases at ``leases/<profile>/<id>`` in KV v2."""

    def __init__(self, settings: StoreSettings) -> None:  # (no local directory)
        from smtpcreds.store.vault import kv_for

        self.settings = settings
        self.kv: VaultKV = kv_for(settings)
        self.root = Path(f"{self.kv.mount}/{self.kv.prefix}/rotations")
        self.done = self.root
        self._versions: dict[str, int] = {}
        self._leases: dict[str, VaultLease] = {}
        self._lock = threading.Lock()

    def _rel(self, rotation_id: str, folder: str = "rotations") -> str:
        self._name(rotation_id)  # validates the id
        return f"{folder}/{segment(rotation_id)}"

    def path(self, rotation_id: str) -> Path:
        return self.root / rotation_id

    def save(self, journal: Journal) -> None:
        lease = self._leases.get(journal.id)
        if lease is not None and lease.lost:
            raise RotationError(f"rotation {journal.id}: its lease on {journal.ref} was taken over by another "
                                "process; this one stops (the other one goes on)",
                                rotation_id=journal.id, step=journal.next)
        from smtpcreds.rotation.journal import finished

        journal.updated_at = _now()
        done = finished(journal)
        folder = "rotations-done" if done else "rotations"
        with self._lock:
            version = self._versions.get(f"{folder}/{journal.id}", 0)
        try:
            written = self.kv.write(self._rel(journal.id, folder), {"journal": journal.model_dump_json()}, version)
        except Conflict:
            raise RotationError(f"rotation {journal.id} was changed by another process (its lease was taken "
                                "over); this one stops without overwriting it",
                                rotation_id=journal.id, step=journal.next) from None
        with self._lock:
            self._versions[f"{folder}/{journal.id}"] = written
        if done:  # archived: the live copy goes (a crash before this leaves both; load prefers done)
            self.kv.delete(self._rel(journal.id))
            with self._lock:
                self._versions.pop(f"rotations/{journal.id}", None)

    def _read(self, rotation_id: str, folder: str = "rotations") -> Journal | None:
        data, version = self.kv.read(self._rel(rotation_id, folder))
        if not data or "journal" not in data:
            return None
        try:
            j = Journal.model_validate_json(str(data["journal"]))
        except ValueError:
            raise SecretStoreError(f"rotation journal {rotation_id} in the vault store is unreadable") from None
        with self._lock:
            self._versions[f"{folder}/{j.id}"] = version
        return j

    def load(self, rotation_id: str) -> Journal:
        j = self._read(rotation_id, "rotations-done") or self._read(rotation_id)
        if j is None:
            raise NotFound(f"no rotation {rotation_id!r} (see 'smtpcreds rotations list')")
        return j

    def _folder(self, folder: str) -> list[Journal]:
        out = []
        for key in self.kv.list(folder):
            if key.endswith("/"):
                continue
            j = self._read(unquote(key), folder)
            if j is not None:
                out.append(j)
        return out

    def all(self) -> list[Journal]:
        done = self._folder("rotations-done")
        archived = {j.id for j in done}
        return sorted(done + [j for j in self._folder("rotations") if j.id not in archived],
                      key=lambda j: j.created_at)

    def live(self) -> list[Journal]:
        from smtpcreds.rotation.journal import finished

        out = []
        for j in self._folder("rotations"):
            if finished(j) or self._read(j.id, "rotations-done") is not None:  # archived, then a crash
                continue
            out.append(j)
        return sorted(out, key=lambda j: j.created_at)

    def holder_of(self, profile: str, ref: str) -> dict[str, object] | None:
        """Who holds the lease of ``ref`` now (None: free)."""
        data, _ = VaultLease(self.kv, profile, ref, self.settings.lock_ttl).current()
        return data

    @contextmanager
    def _acquire_lease(self, profile: str, ref: str, rotation_id: str, step: str,
                       journaled: bool) -> Iterator[None]:
        lease = VaultLease(self.kv, profile, ref, self.settings.lock_ttl)
        lease.acquire(rotation_id, step, journaled)
        self._leases[rotation_id] = lease
        try:
            yield
        finally:
            self._leases.pop(rotation_id, None)
            lease.release()
