"""The vault backend's rotation lease: a KV record ``leases/<profile>/<credential>``.

Holder host, pid, rotation id, since and expiry, created with ``cas=0`` (or on the version of an
expired or released lease: a takeover), renewed by a background thread while the rotation runs,
released with a CAS write. A lease whose renewal finds another version was taken over: the
holder's next journal write fails its check-and-set and it stops.
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
    "VaultLease",
]


class VaultLease:
    """The lease of one credential in the vault store (see the module docstring)."""

    def __init__(self, kv: VaultKV, profile: str, ref: str, ttl: float) -> None:
        self.kv, self.ref, self.ttl = kv, ref, ttl
        self.rel = f"leases/{segment(profile)}/{segment(ref)}"
        self.version = 0
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._data: dict[str, Any] = {}

    def current(self) -> tuple[dict[str, Any] | None, int]:
        """The lease as stored: None when free (absent, released or expired)."""
        data, version = self.kv.read(self.rel)
        if not data or not data.get("host") or float(data.get("expires", 0)) < time.time():
            return None, version
        return data, version

    def acquire(self, rotation_id: str, step: str, journaled: bool = True) -> None:
        data, version = self.current()
        if data is not None:
            raise refusal(self.ref, rotation_id if journaled else "", step, data)
        self._data = holder(rotation_id, self.ttl)
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

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.kv.settings.timeout + 1)
        if self.lost:
            return
        with suppress(Conflict):
            self.kv.write(self.rel, {"released": iso(time.time()), "rotation_id": self._data.get("rotation_id")},
                          self.version)
