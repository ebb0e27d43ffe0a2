"""Small building blocks for tests: an in-memory keyring and a provider factory."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

from smtpcreds.interfaces import Provider, ProviderContext
from smtpcreds.plugins import plugins

__all__ = [
    "MemoryKeyring", "provider_for",
]


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps secrets in this process's memory.

    Priority 1 so smtpcreds treats it as secure (it never writes to disk). ``fail_next``
    lets a test make the next operation raise; ``corrupt_writes`` makes writes read back
    differently, to exercise the read-back check.
    """

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self.fail_next: Exception | None = None
        self.corrupt_writes = False
        self.locked = False

    def _maybe_fail(self) -> None:
        if self.locked:
            raise KeyringLocked("Failed to unlock the collection!")
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc

    def get_password(self, service: str, username: str) -> str | None:
        self._maybe_fail()
        with self._lock:
            return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._maybe_fail()
        with self._lock:
            self.store[(service, username)] = password + ("x" if self.corrupt_writes else "")

    def delete_password(self, service: str, username: str) -> None:
        self._maybe_fail()
        with self._lock:
            if self.store.pop((service, username), None) is None:
                raise PasswordDeleteError("not found")

    def entries(self, service: str) -> dict[str, str]:
        with self._lock:
            return {u: p for (s, u), p in self.store.items() if s == service}

    def secrets(self) -> set[str]:
        """Every secret held: each password of the login records (current, pending, previous) and
        every other stored value (API keys, tokens) — what a secret scan searches output for."""
        from smtpcreds.store.record import logins_in  # (this package loads in every pytest run: kept light)

        with self._lock:
            values = list(self.store.values())
        found: set[str] = set()
        for value in values:
            logins = logins_in(value)
            found |= {str(d["password"]) for d in logins.values() if "password" in d} if logins else {value}
        return found


def provider_for(profile: dict[str, Any] | Any, *, name: str = "test",
                 secrets: dict[str, str] | None = None, http: Callable[..., Any] | None = None) -> Provider:
    """Build the provider of ``profile`` (a dict with ``provider`` or a profile model instance).

    Secret fields come from the profile, else from ``secrets``; the keyring store is the one of
    the process's current keyring backend. ``http``: the transport factory, e.g.
    :func:`smtpcreds.testing.answering.answering` to answer requests with a function.
    """
    # (this package loads in every pytest run through the pytest plugin, so the store comes in here)
    from smtpcreds.errors import ConfigError
    from smtpcreds.paths import state_dir
    from smtpcreds.store import SecretStore
    from smtpcreds.store.keyring import KeyringBackend

    if isinstance(profile, dict):
        cls = plugins().provider(profile["provider"])
        model = cls.profile_model.model_validate(profile)
    else:
        model = profile
        cls = plugins().provider(model.provider)
    secrets = dict(secrets or {})

    def resolve(field: str) -> str:
        value = getattr(model, field, None)
        if value is not None:
            return str(value.get_secret_value() if hasattr(value, "get_secret_value") else value)
        if field in secrets:
            return secrets[field]
        raise ConfigError(f"profile {name!r}: {field} is not set")

    store = SecretStore(name, KeyringBackend(state_dir()), allow_insecure=True)
    ctx = ProviderContext(profile_name=name, profile=model, resolve_secret=resolve, secret_store=lambda: store)
    if http is not None:
        ctx.http = http
    return cls(ctx)
