"""The vault backend's rotation lease: a KV record ``leases/<profile>/<credential>``.

Holder host, pid, rotation id, since and expiry, created with ``cas=0`` (or on the version of an
expired or released lease: a takeover), renewed while the rotation runs longer than a third of
its time to live, released with a CAS write. A lease whose renewal finds another version was
taken over: the holder's next journal write fails its check-and-set and it stops.

The record is also the credential's **index of live journals** (``live``: rotation ids), so the
look-ups a new rotation makes (an unfinished rotation of this credential? an old login kept to
retire?) read the one record it reads anyway to take the lease, instead of listing every live
journal. The index is written only with the lease, at no extra request: taking the lease adds
the new rotation's id (before its journal exists), releasing it drops the ids whose journals are
finished or were never written. It may so name a journal that is no longer live, never miss one
that is; readers check each id against its journal.
"""

from __future__ import annotations

import threading
import time
from contextlib import suppress
from typing import Any

from smtpcreds.store.interface import Conflict
from smtpcreds.store.leases import holder, iso, refusal
from smtpcreds.store.vault.kv import VaultKV, segment

__all__ = [
    "VaultLease", "lease_path", "live_ids",
]


def lease_path(profile: str, credential: str) -> str:
    return f"leases/{segment(profile)}/{segment(credential)}"


def live_ids(data: dict[str, Any] | None) -> list[str]:
    """The rotation ids a lease record lists as live (its index)."""
    ids = (data or {}).get("live")
    return [str(i) for i in ids] if isinstance(ids, list) else []


def held(data: dict[str, Any] | None) -> bool:
    """Whether a lease record names a holder whose time has not run out."""
    return bool(data and data.get("host") and float(data.get("expires", 0)) >= time.time())


class VaultLease:
    """The lease of one credential in the vault store (see the module docstring)."""

    def __init__(self, kv: VaultKV, profile: str, ref: str, ttl: float) -> None:
        self.kv, self.ref, self.ttl = kv, ref, ttl
        self.rel = lease_path(profile, ref)
        self.version = 0
        self.lost = False
        #: the index as this lease found it when taken (the ids of live journals before this rotation)
        self.listed: list[str] = []
        self.rotation_id = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._data: dict[str, Any] = {}

    def current(self) -> tuple[dict[str, Any] | None, int]:
        """The lease as stored: None when free (absent, released or expired)."""
        data, version = self.kv.read(self.rel)
        return (data if held(data) else None), version

    def acquire(self, rotation_id: str, step: str, journaled: bool = True) -> None:
        data, version = self.kv.read(self.rel)
        if held(data):
            raise refusal(self.ref, rotation_id if journaled else "", step, data)
        self.rotation_id = rotation_id
        self.listed = live_ids(data)
        index = [*self.listed, *([] if rotation_id in self.listed else [rotation_id])]
        self._data = {**holder(rotation_id, self.ttl), "live": index}
        try:
            self.version = self.kv.write(self.rel, self._data, version)
        except Conflict:  # another process took it between our read and our write
            raise refusal(self.ref, rotation_id if journaled else "", step, self.current()[0]) from None
        self._thread = threading.Thread(target=self._renew, name=f"lease-{self.ref}", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            self._data["expires"] = time.time() + self.ttl
            try:
                self.version = self.kv.write(self.rel, self._data, self.version)
            except Conflict:
                self.lost = True
                return
            except Exception:  # unreachable for now: try again at the next beat, expiry decides
                continue

    def release(self, live: list[str] | None = None) -> None:
        """Give the lease up, leaving ``live`` as the credential's index (None: as it was taken)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.kv.settings.timeout + 1)
        if self.lost:
            return
        index = self._data.get("live", []) if live is None else live
        with suppress(Conflict):
            self.kv.write(self.rel, {"released": iso(time.time()), "rotation_id": self._data.get("rotation_id"),
                                     "live": index}, self.version)
