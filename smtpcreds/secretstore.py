"""Secrets in the OS keyring: logins in slots, profile API secrets, small cached blobs.

Layout (service / username):

* ``smtpcreds/<profile>`` / ``<id>``, ``<id>#pending``, ``<id>#previous`` — an
  :class:`~smtpcreds.models.SmtpLogin` as JSON (host, port, security, username, password,
  created_at), so a script can rebuild a login from the keyring alone;
* ``smtpcreds`` / ``<profile>:<field>`` — a profile's API key, token or password;
* ``smtpcreds/<profile>`` / ``~<name>`` — a cached blob (e.g. a Webitel session).

Every keyring call goes through one process-wide lock, and writes also hold an inter-process
lock file in the state directory: backends are not safe under concurrency (see
docs/reference/keyring-backends.md §4). Writes are read back to confirm.
Before first use the backend is checked: a locked, missing or plaintext (priority < 1) keyring
is refused unless the user opted in (``allow_insecure_keyring``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from smtpcreds.errors import SecretStoreError

if TYPE_CHECKING:
    from smtpcreds.models import SmtpLogin

__all__ = [
    "SERVICE",
    "SLOTS",
    "WRITE_CHECK",
    "SecretStore",
    "Slot",
    "check_backend",
    "delete_raw",
    "get_raw",
    "insecure_allowed",
    "op_count",
    "profile_secret_user",
    "reset_backend_check",
    "set_raw",
    "state_dir",
]

Slot = Literal["current", "pending", "previous"]
SLOTS: tuple[Slot, ...] = ("current", "pending", "previous")
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
    try:
        backend.get_password(SERVICE, "__probe__")
    except Exception as e:
        return (
            f"locked: the keyring ({name}) cannot be read: {type(e).__name__}: {e}. Unlock it "
            "(e.g. log in to the desktop session, or start gnome-keyring-daemon --unlock) and retry"
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
        raise SecretStoreError(f"keyring {op} failed: {type(e).__name__}: {e}; {_hint(e)}") from None


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
    """The keyring slots of one profile."""

    def __init__(self, profile: str, *, allow_insecure: bool = False) -> None:
        self.profile = profile
        self.service = f"{SERVICE}/{profile}"
        self.allow_insecure = insecure_allowed(allow_insecure)
        self._writable = False

    def __repr__(self) -> str:
        return f"<SecretStore service={self.service!r}>"

    def check(self) -> None:
        """Raise SecretStoreError unless the backend is safe to trust with a new secret."""
        check_backend(self.allow_insecure)

    def check_writable(self) -> None:
        """Like :meth:`check`, and prove a write: store a random canary, read it back, remove it.

        Called before a provider changes anything whose secret must then be kept (a create whose
        password the provider returns once, a rotation), so a keyring that is locked, fails or
        alters what it stores refuses the operation up front. Once per store (connection).
        """
        self.check()
        if self._writable:
            return
        import secrets

        try:
            set_raw(self.service, WRITE_CHECK, secrets.token_urlsafe(16))
        finally:
            with suppress(SecretStoreError):
                delete_raw(self.service, WRITE_CHECK)
        self._writable = True

    @staticmethod
    def _user(ref: str, slot: Slot) -> str:
        return ref if slot == "current" else f"{ref}#{slot}"

    def get(self, ref: str, slot: Slot = "current") -> SmtpLogin | None:
        from smtpcreds.models import SmtpLogin
        from smtpcreds.redact import register

        raw = get_raw(self.service, self._user(ref, slot))
        if raw is None:
            return None
        try:
            login = SmtpLogin.model_validate_json(raw)
        except ValueError:
            raise SecretStoreError(
                f"the keyring entry {self.service}/{self._user(ref, slot)} is not a stored login"
            ) from None
        register(login.password.get_secret_value())
        return login

    def put(self, ref: str, login: SmtpLogin, slot: Slot = "current") -> None:
        from smtpcreds.redact import register

        register(login.password.get_secret_value())
        self.check()
        set_raw(self.service, self._user(ref, slot), login.to_secret_json())

    def delete(self, ref: str, slot: Slot = "current") -> bool:
        return delete_raw(self.service, self._user(ref, slot))

    def promote(self, ref: str, pending: SmtpLogin | None = None, current: SmtpLogin | None = None) -> None:
        """current → previous, pending → current, pending cleared. Idempotent.

        Pass the logins already read to save keyring round trips. Order matters for crash
        safety: previous is written before current is overwritten, and pending is removed last.
        """
        pending = pending or self.get(ref, "pending")
        if pending is None:
            return  # already promoted
        current = current if current is not None else self.get(ref, "current")
        with _write_lock():
            if current is not None and current.password.get_secret_value() != pending.password.get_secret_value():
                self.put(ref, current, "previous")
            self.put(ref, pending, "current")
            self.delete(ref, "pending")

    # -- blobs (cached sessions) -----------------------------------------------------------
    def get_blob(self, name: str) -> str | None:
        value: str | None = get_raw(self.service, f"~{name}")
        return value

    def put_blob(self, name: str, value: str) -> None:
        self.check()
        set_raw(self.service, f"~{name}", value)

    def delete_blob(self, name: str) -> bool:
        return delete_raw(self.service, f"~{name}")


def profile_secret_user(profile: str, field: str) -> str:
    return f"{profile}:{field}"

