"""What every store backend provides, so the layers above never ask which one they talk to.

A backend (:class:`Backend`; :func:`smtpcreds.store.open_backend` picks the configured one) keeps:

* **login records** (:class:`Records`): one record per credential of a profile, read with a
  version and changed by a write on that version;
* **single values** (:class:`Values`): profile API secrets and cached blobs;
* **rotation journals** (:class:`JournalDocs`): JSON documents, never a secret, which the
  rotation engine's :class:`~smtpcreds.rotation.journal.JournalStore` reads into its model; the
  backend only knows whether a journal is finished (archived) or live;
* **leases** (through its journals): one rotation at a time per credential;
* **host reports** (:class:`HostReports`, the vault store only): what each host's agent found its
  consumers holding (:mod:`smtpcreds.store.hosts`).

Errors a backend raises: :class:`~smtpcreds.errors.SecretStoreError` (unusable, unreachable,
read-back differs), :class:`Conflict` (a check-and-set write found another version) and
:class:`LeaseLost` (another process took over a rotation this one was writing).
"""

from __future__ import annotations

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


def check_rotation_id(rotation_id: str) -> str:
    """A rotation id usable as a file or KV name; ConfigError otherwise."""
    if not rotation_id or "/" in rotation_id or rotation_id.startswith("."):
        raise ConfigError(f"invalid rotation id {rotation_id!r}")
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
    """Single string values by name, each written and read back."""

    def where(self, name: str) -> str: ...

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> bool: ...


class JournalDocs(Protocol):
    """Rotation journals as documents (see the module docstring)."""

    def where(self, rotation_id: str) -> str: ...

    def save(self, rotation_id: str, doc: str, *, finished: bool) -> None: ...

    def load(self, rotation_id: str) -> str | None: ...

    def live(self) -> list[str]: ...

    def finished(self) -> list[str]: ...

    def lease(self, profile: str, credential: str, rotation_id: str, step: str,
              journaled: bool) -> AbstractContextManager[None]: ...

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
