"""Raw OS-keyring calls, made safe: one process-wide lock, an inter-process write lock, read-backs.

Backends are not safe under concurrency (keyrings.alt's file backends corrupt their file when
threads write at once, and no backend promises safety across processes), so every call goes
through one lock, and writes also hold a lock file in the state directory handed to them.
Writes are read back to confirm. Before first use the backend is checked
(:func:`check_backend`): a missing or plaintext (priority < 1) keyring is refused unless the
user opted in; a locked one fails its first call with how to unlock it. ``keyring`` itself is
imported on the first call, so a vault-store process never loads it (nor its D-Bus client).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock

from smtpcreds.errors import SecretStoreError

__all__ = [
    "SERVICE", "check_backend", "delete_raw", "get_raw", "insecure_allowed", "op_count", "reset_backend_check",
    "set_raw",
]

#: The keyring service of profile API secrets; login records live under ``<SERVICE>/<profile>``.
SERVICE = "smtpcreds"

_call_lock = threading.RLock()
_checked: dict[int, str] = {}  # id(backend) -> "" when usable, else the refusal message
#: Keyring operations done by this process (for benchmarks and tests).
op_count = {"read": 0, "write": 0, "delete": 0}
_file_locks: dict[str, Any] = {}


def _keyring() -> Any:
    import keyring  # (on first use: see the module's docstring)

    return keyring


@contextmanager
def _write_lock(lock_dir: Path) -> Iterator[None]:
    """The process lock, then the inter-process lock file. Re-entrant (one FileLock per path),
    so a change of several items holds it once across its writes."""
    with _call_lock:
        path = str(lock_dir / "keyring.lock")
        lock = _file_locks.get(path)
        if lock is None:
            lock = _file_locks[path] = FileLock(path, timeout=60)
        with lock:
            yield


def insecure_allowed(config_flag: bool = False) -> bool:
    return config_flag or os.environ.get("SMTPCREDS_ALLOW_INSECURE_KEYRING", "") in ("1", "true", "yes")


def check_backend(allow_insecure: bool = False) -> None:
    """Refuse a keyring that would lose or expose secrets; cached per backend."""
    backend = _keyring().get_keyring()
    key = id(backend)
    with _call_lock:
        if key not in _checked:
            _checked[key] = _diagnose(backend)
        problem = _checked[key]
    if problem and not (allow_insecure and not problem.startswith("locked")):
        raise SecretStoreError(problem)


def _diagnose(backend: Any) -> str:
    from keyring.backends import fail  # (keyring on first use)

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
    """Forget which keyring backends were checked (a test or a demo switched backends)."""
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
    from keyring.errors import KeyringLocked  # (keyring on first use)

    return isinstance(e, KeyringLocked) or "lock" in f"{type(e).__name__} {e}".lower()


def _hint(e: BaseException) -> str:
    """How to fix a failed keyring call, for the one-line error."""
    if "lock" in f"{type(e).__name__} {e}".lower():
        return ("unlock the keyring (log in to the desktop session, or run gnome-keyring-daemon --unlock) "
                "and retry")
    return ("check the keyring with 'keyring diagnose' (or choose another backend with "
            "PYTHON_KEYRING_BACKEND) and retry")


def get_raw(service: str, username: str) -> str | None:
    value: str | None = _call("read", _keyring().get_password, service, username)
    return value


def set_raw(service: str, username: str, value: str, lock_dir: Path) -> None:
    """Write and read back; raise SecretStoreError when the read-back differs."""
    kr = _keyring()
    with _write_lock(lock_dir):
        _call("write", kr.set_password, service, username, value)
        back = _call("read", kr.get_password, service, username)
    if back != value:
        raise SecretStoreError(
            f"the keyring did not keep the secret for {service}/{username} (read-back differs); "
            "nothing further was changed. The backend alters what it stores: check it with "
            "'keyring diagnose' or choose another one with PYTHON_KEYRING_BACKEND"
        )


def delete_raw(service: str, username: str, lock_dir: Path) -> bool:
    """Remove an item; False when there was none."""
    kr = _keyring()
    from keyring.errors import PasswordDeleteError  # (keyring on first use)

    with _write_lock(lock_dir):
        try:
            _call("delete", kr.delete_password, service, username)
        except SecretStoreError as e:
            if "PasswordDeleteError" in str(e):
                return False
            raise
        except PasswordDeleteError:
            return False
    return True
