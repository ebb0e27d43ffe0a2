"""Rotation leases: one rotation at a time per credential, on this machine or any other.

* :func:`file_lease` — the keyring backend's lease: a lock file in the state directory (one
  machine), with a note of its holder beside it so a refusal can name it.
* :class:`VaultLease` — the vault backend's lease: a KV record ``leases/<profile>/<id>``
  (holder host, pid, rotation id, since, expiry) created with ``cas=0`` (or on the version of
  an expired or released lease: a takeover), renewed by a background thread while the rotation
  runs, released with a CAS write. A lease whose renewal finds another version was taken over:
  the holder's next journal write fails its check-and-set and it stops.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from smtpcreds.errors import RotationError
from smtpcreds.store.vault import Conflict, VaultKV, segment


def holder(rotation_id: str, ttl: float) -> dict[str, Any]:
    now = time.time()
    return {"host": socket.gethostname(), "pid": os.getpid(), "rotation_id": rotation_id,
            "since": _iso(now), "expires": now + ttl}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe(data: dict[str, Any]) -> str:
    return (f"{data.get('host', '?')} (pid {data.get('pid', '?')}, rotation {data.get('rotation_id', '?')}) "
            f"since {data.get('since', '?')}")


def refusal(ref: str, rotation_id: str, step: str, data: dict[str, Any] | None) -> RotationError:
    """Exit 8, naming the holder. ``rotation_id``: the refused rotation's journal ("" when it has none)."""
    who = describe(data) if data else "another process"
    return RotationError(f"credential {ref} is being rotated by {who}; wait for it to end, or resume it "
                         "with 'smtpcreds rotations resume' once its lease has expired",
                         rotation_id=rotation_id, step=step)


@contextmanager
def file_lease(root: Path, profile: str, ref: str, rotation_id: str, step: str,
               journaled: bool = True) -> Iterator[None]:
    from filelock import FileLock, Timeout

    path = root / f".{profile}.{ref}.lock".replace("/", "_")
    note = path.with_suffix(".holder")
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        data = None
        with suppress(OSError, ValueError):
            data = json.loads(note.read_text())
        raise refusal(ref, rotation_id if journaled else "", step, data) from None
    try:
        with suppress(OSError):
            note.write_text(json.dumps(holder(rotation_id, 0)))
        yield
    finally:
        with suppress(OSError):
            note.unlink()
        lock.release()


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
            self.kv.write(self.rel, {"released": _iso(time.time()), "rotation_id": self._data.get("rotation_id")},
                          self.version)
