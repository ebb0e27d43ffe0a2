"""The login records of one profile, whatever the backend: read once, changed in one write.

:class:`SecretStore` is the face the client and the rotation engine use. A record is keyed by
the credential's **name** (docs/concepts.md) and holds the provider's current id. Each change of
a record is one write of the whole record (current, pending and previous logins, ids) on the
version read, so a backend with check-and-set (the vault store) refuses a write that would
overwrite another process's change. Inside :meth:`SecretStore.caching` (a rotation, which holds
the credential's lease) a record read or written is trusted for a while instead of read again.

Releases before credential identity keyed records by the provider's id. Once the caller knows a
name's ids (:meth:`SecretStore.alias`), such a record is read where it is and moved under the
name at its next change: written under the name first, then removed, so a crash in between
leaves the new one to win.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from smtpcreds.redact import register
from smtpcreds.store.record import LoginRecord, Slot

if TYPE_CHECKING:
    from smtpcreds.models import SmtpLogin
    from smtpcreds.store.interface import Backend, Records, Values

__all__ = [
    "SecretStore",
]


@dataclass(frozen=True)
class _Moved:
    """A record found under the keys of an earlier release, to be moved under its name."""

    version: Any  # of the name's own entry (absent)
    legacy: tuple[tuple[str, Any], ...]  # (key, version) of each entry it was read from


class SecretStore:
    """The login records, blobs and canary of one profile.

    Inside :meth:`caching` (a rotation), records are cached per credential (at most
    :attr:`CACHE_SECONDS`): a rotation reads a record once, and each change after that is one
    confirmed write on the record as this store last read or wrote it. Changes of one
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
        self._aliases: dict[str, tuple[str, str | None]] = {}

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

    def alias(self, name: str, id: str, *, pending_id: str | None = None) -> None:
        """Tell the store that credential ``name``'s current login has provider id ``id`` (and a
        replacement in flight ``pending_id``), so a record an earlier release keyed by those ids is
        found (and moved under the name at its next change). Cheap: nothing is read here."""
        if self._aliases.get(name) != (id, pending_id):
            self._aliases[name] = (id, pending_id)
            self._cache.pop(name, None)

    def _read(self, ref: str) -> tuple[LoginRecord, Any]:
        cached = self._cache.get(ref)
        if cached is not None and self._caching and time.monotonic() - cached[2] < self.CACHE_SECONDS:
            return cached[0], cached[1]
        record, version = self.records.read(ref)
        alias = self._aliases.get(ref)
        if alias is not None:
            record, version = self._legacy(ref, record, version, *alias)
        self._remember(ref, record, version)
        return record, version

    def _legacy(self, name: str, record: LoginRecord, version: Any, id: str,
                pending_id: str | None) -> tuple[LoginRecord, Any]:
        """The record of ``name``, from the keys an earlier release used when it has none of its own."""
        if not record.empty:
            return (record if record.id is not None or id != name else replace(record, id=id)), version
        found: list[tuple[str, Any]] = []
        old = LoginRecord()
        if id != name:
            old, old_version = self.records.read(id)
            if not old.empty:
                found.append((id, old_version))
        new = LoginRecord()
        if pending_id is not None and pending_id not in (name, id):
            new, new_version = self.records.read(pending_id)  # an unfinished replacement's new login
            if new.pending is None:
                new = LoginRecord()
            else:
                found.append((pending_id, new_version))
        if not found:
            return record, version
        pending, pending_of = (new.pending, pending_id) if new.pending is not None else (old.pending, None)
        merged = LoginRecord(current=old.current, pending=pending, previous=old.previous,
                             id=old.id or id, pending_id=pending_of)
        return merged, _Moved(version, tuple(found))

    def _remember(self, ref: str, record: LoginRecord, version: Any) -> None:
        if self._caching:
            self._cache[ref] = (record, version, time.monotonic())

    def _write(self, ref: str, record: LoginRecord, version: Any) -> None:
        self.check()
        try:
            moved = version if isinstance(version, _Moved) else None
            if moved is not None:
                version = moved.version
            if record.empty:
                self.records.delete(ref, version)
                version = self.records.ABSENT
            else:
                version = self.records.write(ref, record, version)
            for key, old in moved.legacy if moved is not None else ():
                self.records.delete(key, old)  # (after the write: a crash in between loses nothing)
        except BaseException:
            self._cache.pop(ref, None)  # unknown what the store holds now: read it next time
            raise
        self._remember(ref, record, version)

    def record(self, ref: str) -> LoginRecord:
        """The login record of credential ``ref`` (a name; empty when there is none)."""
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

    def put(self, ref: str, login: SmtpLogin, slot: Slot = "current", *, id: str | None = None,
            new: bool = False) -> None:
        """Store ``login`` in ``slot`` of credential ``ref``'s record (one confirmed write).

        ``id``: the provider id the login belongs to (current: the credential's id from now on;
        pending: a replacement's new login). ``new``: the caller knows the store holds nothing for
        ``ref`` yet (a credential just created), so the record is not read first.
        """
        register(login.password.get_secret_value())
        self.check()
        with self._lock(ref):
            if new:
                record, version = LoginRecord(), None
            else:
                record, version = self._read(ref)
            self._write(ref, record.with_slot(slot, login, id), version)

    def delete(self, ref: str, slot: Slot = "current") -> bool:
        """Clear one slot; True if it held a login. A record left empty is removed."""
        with self._lock(ref):
            record, version = self._read(ref)
            if record.slot(slot) is None:
                return False
            self._write(ref, record.with_slot(slot, None), version)
            return True

    def forget(self, ref: str) -> bool:
        """Remove the whole record of credential ``ref`` (a deleted credential); True if there was one."""
        with self._lock(ref):
            cached = self._cache.get(ref) if self._caching else None
            version = cached[1] if cached is not None else None
            if cached is not None and cached[0].empty and not getattr(version, "legacy", ()):
                return False
            found = bool(self.records.delete(ref, version))
            alias = self._aliases.pop(ref, None)
            for key in alias or ():
                if key is not None and key != ref:
                    found = bool(self.records.delete(key, None)) or found  # what an earlier release left
            self._remember(ref, LoginRecord(), self.records.ABSENT)
            return found

    def promote(self, ref: str, pending: SmtpLogin | None = None) -> None:
        """current → previous, pending → current (its id the credential's), pending cleared: one
        write. Idempotent. ``pending``: the login to make current (default: the record's)."""
        with self._lock(ref):
            record, version = self._read(ref)
            pending = pending or record.pending
            if pending is None:
                return  # already promoted
            promoted = record.promoted(pending)
            if promoted.same_as(record):
                return
            self._write(ref, promoted, version)

    def revert(self, ref: str) -> bool:
        """Credential ``ref``'s current login is gone: make its previous one (another login, kept
        by a ``--keep-old`` rotation) current again, in one write. False when it has none."""
        with self._lock(ref):
            record, version = self._read(ref)
            if record.previous is None or record.previous_id is None:
                return False
            self._write(ref, record.reverted(), version)
            return True

    def settle(self, ref: str, login: SmtpLogin, id: str) -> None:
        """Make ``login`` (provider id ``id``) credential ``ref``'s only login: one write of a fresh
        record (a credential just created)."""
        register(login.password.get_secret_value())
        self.check()
        with self._lock(ref):
            _, version = self._read(ref)
            self._write(ref, LoginRecord(current=login, id=id), version)

    def rename(self, old: str, new: str, *, keep: bool = False) -> None:
        """Move credential ``old``'s record under ``new`` (``creds update --name``): written under
        the new name first, then removed under the old one (``keep``: not yet)."""
        with self._lock(old), self._lock(new):
            record, _ = self._read(old)
            if record.empty:
                return
            _, version = self._read(new)
            self._write(new, record, version if not isinstance(version, _Moved) else version.version)
            if not keep:
                self.forget(old)

    # -- blobs (cached sessions) -----------------------------------------------------------
    def get_blob(self, name: str) -> str | None:
        return self._blobs.get(name)

    def put_blob(self, name: str, value: str) -> None:
        self.check()
        self._blobs.put(name, value)

    def delete_blob(self, name: str) -> bool:
        return self._blobs.delete(name)
