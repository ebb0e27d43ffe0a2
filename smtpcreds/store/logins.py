"""The login records of one profile, whatever the backend: read once, changed in one write.

:class:`SecretStore` is the face the client and the rotation engine use. Each change of a
record is one write of the whole record (current, pending and previous logins) on the version
read, so a backend with check-and-set (the vault store) refuses a write that would overwrite
another process's change. Inside :meth:`SecretStore.caching` (a rotation, which holds the
credential's lease) a record read or written is trusted for a while instead of read again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from smtpcreds.redact import register
from smtpcreds.store.record import LoginRecord, Slot

if TYPE_CHECKING:
    from smtpcreds.models import SmtpLogin
    from smtpcreds.store.interface import Backend, Records, Values

__all__ = [
    "SecretStore",
]


class SecretStore:
    """The login records, blobs and canary of one profile.

    Inside :meth:`caching` (a rotation), records are cached per credential (at most
    :attr:`CACHE_SECONDS`): a rotation reads a record once, and each change after that is one
    write (plus its read-back) on the record as this store last read or wrote it. Changes of one
    record are serialized in this process.
    """

    #: How long a record read or written by this store is trusted without reading it again.
    CACHE_SECONDS = 300.0

    def __init__(self, profile: str, backend: Backend, *, allow_insecure: bool = False) -> None:
        self.profile = profile
        self.backend = backend
        self.allow_insecure = allow_insecure
        self.records: Records = backend.records(profile)
        self._blobs: Values = backend.blobs(profile)
        self._writable = False
        self._cache: dict[str, tuple[LoginRecord, Any, float]] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._locks_lock = threading.Lock()
        self._caching = 0

    def __repr__(self) -> str:
        return f"<SecretStore {self.backend.name} profile={self.profile!r}>"

    def where(self, ref: str) -> str:
        """Where the record of ``ref`` is kept, for the user (never a secret)."""
        return self.records.where(ref)

    def check(self) -> None:
        """Raise SecretStoreError unless the backend is safe to trust with a new secret.

        No keyring call (nor a vault request): a locked keyring shows at the first read or write,
        which always comes before a provider is asked to change anything.
        """
        self.backend.check(self.allow_insecure)

    def check_writable(self) -> None:
        """Like :meth:`check`, and prove a write: store a random canary and read it back.

        Called before a provider changes anything whose secret can only be stored afterwards (a
        create whose password the provider returns once), so a store that is locked, fails or
        alters what it stores refuses the operation up front. Where the new secret is ours, its
        pending write is the proof and this is not needed. Once per store (connection).
        """
        self.check()
        if self._writable:
            return
        import secrets

        self.backend.check_writable(self.profile, secrets.token_urlsafe(16))
        self._writable = True

    # -- records --------------------------------------------------------------------------
    def _lock(self, ref: str) -> threading.RLock:
        with self._locks_lock:
            return self._locks.setdefault(ref, threading.RLock())

    @contextmanager
    def caching(self) -> Iterator[None]:
        """Trust records read or written inside this block (re-entrant; the rotation engine holds
        it for a rotation, during which no one else changes the credential's record). Outside,
        every read goes to the store, so a long-lived connection sees other processes' changes."""
        with self._locks_lock:
            self._caching += 1
        try:
            yield
        finally:
            with self._locks_lock:
                self._caching -= 1
                if not self._caching:
                    self._cache.clear()

    def _read(self, ref: str) -> tuple[LoginRecord, Any]:
        cached = self._cache.get(ref)
        if cached is not None and self._caching and time.monotonic() - cached[2] < self.CACHE_SECONDS:
            return cached[0], cached[1]
        record, version = self.records.read(ref)
        self._remember(ref, record, version)
        return record, version

    def _remember(self, ref: str, record: LoginRecord, version: Any) -> None:
        if self._caching:
            self._cache[ref] = (record, version, time.monotonic())

    def _write(self, ref: str, record: LoginRecord, version: Any) -> None:
        self.check()
        try:
            if record.empty:
                self.records.delete(ref, version)
                version = self.records.ABSENT
            else:
                version = self.records.write(ref, record, version)
        except BaseException:
            self._cache.pop(ref, None)  # unknown what the store holds now: read it next time
            raise
        self._remember(ref, record, version)

    def record(self, ref: str) -> LoginRecord:
        """The login record of ``ref`` (empty when there is none)."""
        with self._lock(ref):
            return self._read(ref)[0]

    def replace_record(self, ref: str, record: LoginRecord) -> None:
        """Write ``record`` as a whole (a migration's copy), on the version read now."""
        with self._lock(ref):
            self._write(ref, record, self.records.read(ref)[1])

    def forget_cache(self, ref: str | None = None) -> None:
        """Read ``ref`` (every record: None) from the store again next time."""
        if ref is None:
            self._cache.clear()
        else:
            self._cache.pop(ref, None)

    def get(self, ref: str, slot: Slot = "current") -> SmtpLogin | None:
        return self.record(ref).slot(slot)

    def put(self, ref: str, login: SmtpLogin, slot: Slot = "current", *, new: bool = False) -> None:
        """Store ``login`` in ``slot`` of ``ref``'s record (written, then read back).

        ``new``: the caller knows the store holds nothing for ``ref`` yet (a login the provider has
        just created), so the record is not read first.
        """
        register(login.password.get_secret_value())
        self.check()
        with self._lock(ref):
            if new:
                record, version = LoginRecord(), None
            else:
                record, version = self._read(ref)
            self._write(ref, record.with_slot(slot, login), version)

    def delete(self, ref: str, slot: Slot = "current") -> bool:
        """Clear one slot; True if it held a login. A record left empty is removed."""
        with self._lock(ref):
            record, version = self._read(ref)
            if record.slot(slot) is None:
                return False
            self._write(ref, record.with_slot(slot, None), version)
            return True

    def forget(self, ref: str) -> bool:
        """Remove the whole record of ``ref`` (a deleted or retired login); True if there was one."""
        with self._lock(ref):
            cached = self._cache.get(ref) if self._caching else None
            version = cached[1] if cached is not None else None
            if cached is not None and cached[0].empty and not getattr(version, "legacy", ()):
                return False
            found = bool(self.records.delete(ref, version))
            self._remember(ref, LoginRecord(), self.records.ABSENT)
            return found

    def promote(self, ref: str, pending: SmtpLogin | None = None, current: SmtpLogin | None = None) -> None:
        """current → previous, pending → current, pending cleared: one write. Idempotent.

        ``pending``: the login to make current (default: the record's pending one); ``current``:
        the login it replaces (default: the record's current one; a replacement passes the old
        credential's login, which becomes the new record's previous).
        """
        with self._lock(ref):
            record, version = self._read(ref)
            pending = pending or record.pending
            if pending is None:
                return  # already promoted
            current = current if current is not None else record.current
            promoted = record.promoted(pending, current)
            if promoted.same_as(record):
                return
            self._write(ref, promoted, version)

    # -- blobs (cached sessions) -----------------------------------------------------------
    def get_blob(self, name: str) -> str | None:
        return self._blobs.get(name)

    def put_blob(self, name: str, value: str) -> None:
        self.check()
        self._blobs.put(name, value)

    def delete_blob(self, name: str) -> bool:
        return self._blobs.delete(name)
