"""What every store backend provides, so the layers above never ask which one they talk to.

A backend (:class:`Backend`; :func:`smtpcreds.store.open_backend` picks the configured one) keeps:

* **login records** (:class:`Records`): one record per credential of a profile, read with a
  version and changed by a write on that version;
* **single values** (:class:`Values`): profile API secrets and cached blobs;
* **rotation journals** (:class:`JournalDocs`): JSON documents, never a secret, which the
  rotation engine's :class:`~smtpcreds.rotation.journal.JournalStore` reads into its model; the
  backend only knows whether a journal is finished (archived) or live, and which credentials it
  is about (opaque ``(profile, credential)`` keys the caller chooses, to find it by);
* **leases** (through its journals): one rotation at a time per credential;
* **host reports** (:class:`HostReports`, the vault store only): what each host's agent found its
  consumers holding (:mod:`smtpcreds.store.hosts`).

A write returns once it is **confirmed**: read back (the keyring), or answered with the new version
of a check-and-set write (the vault store, whose versions never change once written); elsewhere
"stored" means confirmed.

Errors a backend raises: :class:`~smtpcreds.errors.SecretStoreError` (unusable, unreachable,
read-back differs), :class:`Conflict` (a check-and-set write found another version) and
:class:`LeaseLost` (another process took over a rotation this one was writing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from smtpcreds.errors import ConfigError, SecretStoreError
from smtpcreds.store.hosts import HostReport
from smtpcreds.store.record import LoginRecord

__all__ = [
    "Backend", "Conflict", "HostReports", "JournalDocs", "LeaseLost", "Records", "Values", "check_rotation_id",
]


class Conflict(SecretStoreError):
    """A check-and-set write found another version than the one read."""


class LeaseLost(SecretStoreError):
    """A rotation's lease (or its journal) was taken over by another process: this one stops."""


#: What a rotation id may look like (``make_rotation_id`` makes ``r20261206203210-e8dc6b``).
_ROTATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def check_rotation_id(rotation_id: str) -> str:
    """A rotation id usable as a file or KV name; ConfigError (exit 2) otherwise."""
    if not _ROTATION_ID.fullmatch(rotation_id):
        shown = rotation_id if len(rotation_id) <= 40 else rotation_id[:40] + "..."
        raise ConfigError(f"invalid rotation id {shown!r} (see 'smtpcreds rotations list')")
    return rotation_id


class Records(Protocol):
    """The login records of one profile. ``version`` is opaque: what :meth:`read` returned."""

    ABSENT: Any

    def where(self, ref: str) -> str: ...

    def read(self, ref: str) -> tuple[LoginRecord, Any]: ...

    def write(self, ref: str, record: LoginRecord, version: Any) -> Any: ...

    def delete(self, ref: str, version: Any) -> bool: ...

    def refs(self) -> list[str] | None:
        """Every credential with a record, or None where the backend cannot list (a keyring)."""


class Values(Protocol):
    """Single string values by name, each write confirmed."""

    def where(self, name: str) -> str: ...

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> bool: ...


class JournalDocs(Protocol):
    """Rotation journals as documents, and the leases of credentials (see the module docstring).

    A credential is an opaque ``(profile, credential)`` pair the caller chooses: the same pair
    names the lease a rotation holds and finds the journals saved with it. A journal may be
    saved with several credential keys (the first is the one its rotation leases); a rotation
    holds the lease of its first key whenever it saves.
    """

    def where(self, rotation_id: str) -> str: ...

    def save(self, rotation_id: str, doc: str, *, finished: bool, profile: str,
             credentials: Sequence[str]) -> None:
        """Write a journal, live or ``finished`` (archived for good), about ``credentials`` of ``profile``."""

    def load(self, rotation_id: str) -> str | None: ...

    def live(self) -> list[str]:
        """Every live journal (``rotations list``, ``resume --all``): may read them all."""

    def live_for(self, profile: str, credential: str) -> list[str]:
        """At least every live journal saved with ``(profile, credential)`` among its keys, read at
        a cost that does not grow with the other live journals where the backend can (the vault
        store: through the credential's lease record); it may return others, which the caller
        filters out (the keyring backend returns every live journal: a few local files)."""

    def finished(self) -> list[str]: ...

    def lease(self, profile: str, credential: str, rotation_id: str, step: str,
              journaled: bool) -> AbstractContextManager[None]:
        """Hold ``(profile, credential)`` for ``rotation_id`` (``journaled``: its journal exists
        already); a second holder is refused (RotationError, exit 8, naming the holder)."""

    def holder_of(self, profile: str, credential: str) -> dict[str, object] | None: ...


class HostReports(Protocol):
    """The host reports of a fleet, one per host; ``version`` as with records (0: none)."""

    def where(self, host: str) -> str: ...

    def read(self, host: str) -> tuple[HostReport | None, int]:
        """``host``'s report and its version (None, 0 when there is none)."""

    def write(self, report: HostReport, version: int) -> int:
        """Write ``report`` if its entry is still at ``version`` (0: only if absent), else
        :class:`Conflict`; the new version."""

    def all(self) -> list[HostReport]:
        """Every host's report (one listing and one read per host); unreadable ones left out."""

    def forget(self, host: str) -> bool:
        """Remove ``host``'s report and everything under it; True if there was one."""


class Backend(Protocol):
    """One store backend: the keyring (+ state directory) or OpenBao/Vault KV v2."""

    name: str

    def records(self, profile: str) -> Records: ...

    def blobs(self, profile: str) -> Values: ...

    def profile_secrets(self) -> Values: ...

    def journals(self) -> JournalDocs: ...

    def hosts(self) -> HostReports | None:
        """The fleet's host reports, or None where hosts cannot report (the keyring: one machine)."""

    def check(self, allow_insecure: bool) -> None:
        """Raise SecretStoreError unless the backend is safe to trust with a new secret (no I/O)."""

    def check_writable(self, profile: str, token: str) -> None:
        """Prove a write (a canary written and read back), before a provider returns a secret once."""

    def reserve(self, threads: int) -> None:
        """Expect ``threads`` threads at once (a bulk rotation's concurrency): the vault backend
        keeps as many HTTP connections open; the keyring has nothing to size."""
