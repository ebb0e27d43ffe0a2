"""Secrets in the OS keyring: logins in slots, profile API secrets, small cached blobs.

Layout (service / username):

* ``smtpcreds/<profile>`` / ``<id>`` — the credential's login record: its current, pending and
  previous :class:`~smtpcreds.models.SmtpLogin` as one JSON document (host, port, security,
  username, password, created_at each), so a script can rebuild a login from the keyring alone
  and a state change is one write (:mod:`smtpcreds.store.keyring_records`; the three-item layout
  of earlier releases is read transparently and rewritten on the next change);
* ``smtpcreds`` / ``<profile>:<field>`` — a profile's API key, token or password;
* ``smtpcreds/<profile>`` / ``~<name>`` — a cached blob (e.g. a Webitel session).

Every keyring call goes through one process-wide lock, and writes also hold an inter-process
lock file in the state directory: backends are not safe under concurrency (see
docs/performance.md). Writes are read back to confirm.
Before first use the backend is checked: a missing or plaintext (priority < 1) keyring is
refused unless the user opted in (``allow_insecure_keyring``); a locked one fails its first call
with how to unlock it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smtpcreds.errors import SecretStoreError
from smtpcreds.store.record import SLOTS, LoginRecord, Slot

if TYPE_CHECKING:
    from smtpcreds.models import SmtpLogin
    from smtpcreds.store.settings import StoreSettings

__all__ = [
    "SERVICE",
    "SLOTS",
    "WRITE_CHECK",
    "LoginRecord",
    "SecretStore",
    "Slot",
    "check_backend",
    "check_profile_secret_store",
    "delete_profile_secret",
    "delete_raw",
    "get_profile_secret",
    "get_raw",
    "insecure_allowed",
    "op_count",
    "profile_secret_user",
    "reset_backend_check",
    "set_profile_secret",
    "set_raw",
    "state_dir",
]
SERVICE = "smtpcreds"
#: The canary entry :meth:`SecretStore.check_writable` writes and removes.
WRITE_CHECK = "~write-check"

_call_lock = threading.RLock()
_checked: dict[int, str] = {}  # id(backend) -> "" when usable, else the refusal message
#: Keyring operations done by this process (for benchmarks and tests).
op_count = {"read": 0, "write": 0, "delete": 0}


def _keyring() -> Any:
    import keyring

    return keyring


def state_dir() -> Path:
    """``platformdirs.user_state_dir("smtpcreds")``, or ``$SMTPCREDS_STATE_DIR``; created 0700."""
    raw = os.environ.get("SMTPCREDS_STATE_DIR")
    if raw:
        path = Path(raw)
    else:
        import platformdirs

        path = Path(platformdirs.user_state_dir("smtpcreds"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with suppress(OSError):
        os.chmod(path, 0o700)
    return path


_file_locks: dict[str, Any] = {}


@contextmanager
def _write_lock() -> Iterator[None]:
    """The process lock, then the inter-process lock file. Re-entrant (one FileLock per path),
    so a change of several slots (a promotion) holds it once across its writes."""
    from filelock import FileLock

    with _call_lock:
        path = str(state_dir() / "keyring.lock")
        lock = _file_locks.get(path)
        if lock is None:
            lock = _file_locks[path] = FileLock(path, timeout=60)
        with lock:
            yield


def insecure_allowed(config_flag: bool = False) -> bool:
    return config_flag or os.environ.get("SMTPCREDS_ALLOW_INSECURE_KEYRING", "") in ("1", "true", "yes")


def check_backend(allow_insecure: bool = False) -> None:
    """Refuse a keyring that would lose or expose secrets; cached per backend."""
    kr = _keyring()
    backend = kr.get_keyring()
    key = id(backend)
    with _call_lock:
        if key not in _checked:
            _checked[key] = _diagnose(backend)
        problem = _checked[key]
    if problem and not (allow_insecure and not problem.startswith("locked")):
        raise SecretStoreError(problem)


def _diagnose(backend: Any) -> str:
    from keyring.backends import fail

    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring):
        return (
            "no usable keyring backend was found. Install and unlock one (e.g. gnome-keyring with "
            "a D-Bus session), choose one with PYTHON_KEYRING_BACKEND, or opt in to an insecure one "
            "with SMTPCREDS_ALLOW_INSECURE_KEYRING=1"
        )
    priority = getattr(backend, "priority", 1)
    try:
        priority = float(priority)
    except (TypeError, ValueError):
        priority = 1.0
    if priority < 1:
        return (
            f"the keyring backend {name} is a plaintext or fallback store (priority {priority:g} < 1); "
            "use a secure backend (Secret Service, macOS Keychain, Windows Credential Locker), or set "
            "allow_insecure_keyring = true / SMTPCREDS_ALLOW_INSECURE_KEYRING=1 to accept it"
        )
    return ""


def reset_backend_check() -> None:
    with _call_lock:
        _checked.clear()


def _call(op: str, fn: Any, *args: Any) -> Any:
    try:
        with _call_lock:
            op_count[op] += 1
            return fn(*args)
    except SecretStoreError:
        raise
    except Exception as e:
        if _looks_locked(e):
            kr = _keyring().get_keyring()
            raise SecretStoreError(
                f"locked: the keyring ({type(kr).__module__}.{type(kr).__name__}) cannot be used: "
                f"{type(e).__name__}: {e}. Unlock it (e.g. log in to the desktop session, or start "
                "gnome-keyring-daemon --unlock) and retry") from None
        raise SecretStoreError(f"keyring {op} failed: {type(e).__name__}: {e}; {_hint(e)}") from None


def _looks_locked(e: BaseException) -> bool:
    from keyring.errors import KeyringLocked

    return isinstance(e, KeyringLocked) or "lock" in f"{type(e).__name__} {e}".lower()


def _hint(e: BaseException) -> str:
    """How to fix a failed keyring call, for the one-line error."""
    if "lock" in f"{type(e).__name__} {e}".lower():
        return ("unlock the keyring (log in to the desktop session, or run gnome-keyring-daemon --unlock) "
                "and retry")
    return ("check the keyring with 'keyring diagnose' (or choose another backend with "
            "PYTHON_KEYRING_BACKEND) and retry")


def get_raw(service: str, username: str) -> str | None:
    kr = _keyring()
    value: str | None = _call("read", kr.get_password, service, username)
    return value


def set_raw(service: str, username: str, value: str) -> None:
    """Write and read back; raise SecretStoreError when the read-back differs."""
    kr = _keyring()
    with _write_lock():
        _call("write", kr.set_password, service, username, value)
        back = _call("read", kr.get_password, service, username)
    if back != value:
        raise SecretStoreError(
            f"the keyring did not keep the secret for {service}/{username} (read-back differs); "
            "nothing further was changed. The backend alters what it stores: check it with "
            "'keyring diagnose' or choose another one with PYTHON_KEYRING_BACKEND"
        )


def delete_raw(service: str, username: str) -> bool:
    kr = _keyring()
    from keyring.errors import PasswordDeleteError

    with _write_lock():
        try:
            _call("delete", kr.delete_password, service, username)
        except SecretStoreError as e:
            if "PasswordDeleteError" in str(e):
                return False
            raise
        except PasswordDeleteError:
            return False
    return True


class SecretStore:
    """The login records, blobs and canary of one profile.

    Inside :meth:`caching` (a rotation), records are cached per credential (at most
    :attr:`CACHE_SECONDS`): a rotation reads a record once, and each change after that is one
    write (plus its read-back) on the record as this store last read or wrote it. Changes of one
    record are serialized in this process.
    """

    #: How long a record read or written by this store is trusted without reading it again.
    CACHE_SECONDS = 300.0

    def __init__(self, profile: str, *, allow_insecure: bool = False, settings: StoreSettings | None = None) -> None:
        from smtpcreds.store.keyring_records import KeyringRecords
        from smtpcreds.store.settings import current

        self.profile = profile
        self.service = f"{SERVICE}/{profile}"
        self.allow_insecure = insecure_allowed(allow_insecure)
        self.settings = settings or current()
        self.records: Any = KeyringRecords(self.service)
        self._values: Any = None  # blobs and write check in the vault store
        if self.settings.backend == "vault":
            from smtpcreds.store.vault import kv_for, segment
            from smtpcreds.store.vault_records import VaultRecords, VaultValues

            kv = kv_for(self.settings)
            self.records = VaultRecords(kv, profile)
            self._values = VaultValues(kv, f"blobs/{segment(profile)}")
        self._writable = False
        self._cache: dict[str, tuple[LoginRecord, Any, float]] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._locks_lock = threading.Lock()
        self._caching = 0

    def __repr__(self) -> str:
        return f"<SecretStore {self.settings.backend} profile={self.profile!r}>"

    @property
    def vault(self) -> bool:
        return self._values is not None

    def check(self) -> None:
        """Raise SecretStoreError unless the backend is safe to trust with a new secret.

        No keyring call (nor a vault request): a locked keyring shows at the first read or write, which always comes
        before a provider is asked to change anything.
        """
        if not self.vault:
            check_backend(self.allow_insecure)

    def check_writable(self) -> None:
        """Like :meth:`check`, and prove a write: store a random canary and read it back.

        Called before a provider changes anything whose secret can only be stored afterwards (a
        create whose password the provider returns once), so a keyring that is locked, fails or
        alters what it stores refuses the operation up front. Where the new secret is ours, its
        pending write is the proof and this is not needed. Once per store (connection); the
        canary item ``~write-check`` (a random token, no secret) is left in place.
        """
        self.check()
        if self._writable:
            return
        import secrets

        if self.vault:  # an entry of its own (cas=0, read back, removed): no race with other connections
            self.records.kv_write_check(secrets.token_urlsafe(16))
        else:
            set_raw(self.service, WRITE_CHECK, secrets.token_urlsafe(16))
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
        from smtpcreds.redact import register

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
        value: str | None = self._values.get(name) if self.vault else get_raw(self.service, f"~{name}")
        return value

    def put_blob(self, name: str, value: str) -> None:
        self.check()
        if self.vault:
            self._values.put(name, value)
        else:
            set_raw(self.service, f"~{name}", value)

    def delete_blob(self, name: str) -> bool:
        if self.vault:
            return bool(self._values.delete(name))
        return delete_raw(self.service, f"~{name}")


def profile_secret_user(profile: str, field: str) -> str:
    return f"{profile}:{field}"


def _profile_values(settings: StoreSettings | None = None) -> Any:
    """The vault store's profile secrets, or None for the keyring."""
    from smtpcreds.store.settings import current

    settings = settings or current()
    if settings.backend != "vault":
        return None
    from smtpcreds.store.vault import kv_for
    from smtpcreds.store.vault_records import VaultValues

    return VaultValues(kv_for(settings), "profiles")


def check_profile_secret_store(*, allow_insecure: bool = False) -> None:
    """Refuse, before anyone types a secret, a keyring that could not keep it safely (a vault
    store proves itself when it is written)."""
    if _profile_values() is None:
        check_backend(allow_insecure or insecure_allowed())


def get_profile_secret(profile: str, field: str, settings: StoreSettings | None = None) -> str | None:
    """A profile's stored API secret (``smtpcreds auth set``), from the configured store."""
    values = _profile_values(settings)
    if values is not None:
        value: str | None = values.get(profile_secret_user(profile, field))
        return value
    return get_raw(SERVICE, profile_secret_user(profile, field))


def set_profile_secret(profile: str, field: str, value: str, *, allow_insecure: bool = False,
                       settings: StoreSettings | None = None) -> str:
    """Store a profile's API secret (written, read back); returns where, for the user."""
    values = _profile_values(settings)
    user = profile_secret_user(profile, field)
    if values is not None:
        values.put(user, value)
        return f"{values.kv.mount}/{values.kv.prefix}/profiles/{user}"
    check_backend(allow_insecure or insecure_allowed())
    set_raw(SERVICE, user, value)
    return f"{SERVICE} / {user}"


def delete_profile_secret(profile: str, field: str) -> bool:
    values = _profile_values()
    if values is not None:
        return bool(values.delete(profile_secret_user(profile, field)))
    return delete_raw(SERVICE, profile_secret_user(profile, field))

