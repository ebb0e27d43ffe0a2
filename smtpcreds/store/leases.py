"""Rotation leases: one rotation at a time per credential, on this machine or any other.

Each backend holds leases its own way (the keyring backend: a lock file in the state directory,
:func:`smtpcreds.store.keyring.journals.file_lease`; the vault backend: a KV record renewed while
the rotation runs, :class:`smtpcreds.store.vault.leases.VaultLease`). This module is what they
share: the note of who holds a lease, and the refusal a second rotation gets (exit 8, naming the
holder).
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime, timezone
from typing import Any

from smtpcreds.errors import RotationError

__all__ = [
    "describe", "holder", "iso", "refusal",
]


def holder(rotation_id: str, ttl: float) -> dict[str, Any]:
    """Who holds a lease: this host and process, for ``ttl`` seconds from now."""
    now = time.time()
    return {"host": socket.gethostname(), "pid": os.getpid(), "rotation_id": rotation_id,
            "since": iso(now), "expires": now + ttl}


def iso(ts: float) -> str:
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
