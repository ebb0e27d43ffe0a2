"""Rotation journals and leases in the vault store, so any machine can list, resume or abort.

A journal document (never a secret) sits at ``rotations/<id>`` while it can change, and at
``rotations-done/<id>`` once finished for good. Each save is a check-and-set write on the
version this process last read or wrote, so a process whose rotation was taken over by another
machine fails its next save (:class:`~smtpcreds.store.interface.LeaseLost`) and stops instead of
overwriting the newer state. Leases: :mod:`smtpcreds.store.vault.leases`.

The journals of one credential are found through its lease record, which lists the ids of its
live journals (:meth:`VaultJournals.live_for`): a rotation's look-ups cost no request when none
is live (the record was read to take the lease) and a read or two per live one otherwise,
whatever the number of rotations in flight. Only :meth:`VaultJournals.live` (``rotations list``,
``resume --all``) lists the folder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import unquote

from smtpcreds.store.interface import Conflict, LeaseLost, check_rotation_id
from smtpcreds.store.vault.kv import VaultKV, segment
from smtpcreds.store.vault.leases import VaultLease, held, lease_path, live_ids

__all__ = [
    "VaultJournals",
]

LIVE, DONE = "rotations", "rotations-done"

#: Attempts at adding a rotation to the index of a credential whose lease it does not hold.
NOTE_ATTEMPTS = 3


class VaultJournals:
    """Journals at ``rotations/<id>`` and ``rotations-done/<id>``, leases at ``leases/<profile>/<ref>``."""

    def __init__(self, kv: VaultKV, lock_ttl: float) -> None:
        self.kv, self.lock_ttl = kv, lock_ttl
        self._versions: dict[str, int] = {}
        self._leases: dict[str, VaultLease] = {}
        self._held: dict[tuple[str, str], VaultLease] = {}
        #: rotation id -> (profile, credentials) of its last save in this process
        self._keys: dict[str, tuple[str, tuple[str, ...]]] = {}
        #: rotation ids whose save was attempted here, and those found or made finished (or absent)
        self._attempted: set[str] = set()
        self._ended: set[str] = set()
        self._lock = threading.Lock()

    def _rel(self, rotation_id: str, folder: str = LIVE) -> str:
        return f"{folder}/{segment(check_rotation_id(rotation_id))}"

    def where(self, rotation_id: str) -> str:
        return self.kv.where(self._rel(rotation_id))

    def save(self, rotation_id: str, doc: str, *, finished: bool, profile: str,
             credentials: Sequence[str]) -> None:
        lease = self._leases.get(rotation_id)
        if lease is not None and lease.lost:
            raise LeaseLost(f"its lease on {lease.ref} was taken over by another process")
        folder = DONE if finished else LIVE
        key = f"{folder}/{rotation_id}"
        with self._lock:
            version = self._versions.get(key, 0)
            self._attempted.add(rotation_id)
            if credentials:
                self._keys[rotation_id] = (profile, tuple(credentials))
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
                self._ended.add(rotation_id)

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

    def live_for(self, profile: str, credential: str) -> list[str]:
        """The live journals the credential's lease record lists (read from the store unless this
        process holds that lease): done ones and ids without a journal are skipped, and dropped
        from the record at its next write by this process."""
        lease = self._held.get((profile, credential))
        if lease is not None:
            ids = [i for i in lease.listed if i != lease.rotation_id]
        else:
            ids = live_ids(self.kv.read(lease_path(profile, credential))[0])
        out = []
        for rotation_id in ids:
            if rotation_id in self._ended or self._read(rotation_id, DONE) is not None:
                self._ended.add(rotation_id)
                continue
            doc = self._read(rotation_id)
            if doc is None:
                self._ended.add(rotation_id)
                continue
            out.append(doc)
        return out

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
        self._held[(profile, credential)] = lease
        try:
            yield
        finally:
            self._leases.pop(rotation_id, None)
            self._held.pop((profile, credential), None)
            live = self._still_live(lease, journaled)
            lease.release(live)
            if rotation_id in live:
                self._note_elsewhere(rotation_id, profile, credential)
            else:
                with self._lock:
                    self._ended.discard(rotation_id)
                    self._attempted.discard(rotation_id)

    def _still_live(self, lease: VaultLease, journaled: bool) -> list[str]:
        """The index to leave in the lease record: what it listed and this rotation, less the
        journals known finished or missing, and this rotation's own if it never wrote one."""
        own = lease.rotation_id
        with self._lock:
            unwritten = not journaled and own not in self._attempted
            return [i for i in dict.fromkeys([*lease.listed, own])
                    if i not in self._ended and not (i == own and unwritten)]

    def _note_elsewhere(self, rotation_id: str, profile: str, held_key: str) -> None:
        """A journal that stays live after its lease is released is also listed in the records of
        its other credential keys (a replacement's new id), so their rotations find it; a record
        held by another rotation is left alone (its holder owns its version)."""
        with self._lock:
            saved_profile, keys = self._keys.get(rotation_id, (profile, ()))
        for key in keys:
            if key == held_key:
                continue
            rel = lease_path(saved_profile, key)
            for _ in range(NOTE_ATTEMPTS):
                data, version = self.kv.read(rel)
                if held(data) or rotation_id in live_ids(data):
                    break
                note = dict(data or {})
                note["live"] = [*live_ids(data), rotation_id]
                try:
                    self.kv.write(rel, note, version)
                    break
                except Conflict:
                    continue
