"""Which logins bear which name at an issuer: how a replace rotation tells an orphan apart.

A create whose answer is lost may still make a login; when the provider chose its password,
that login must be deleted (nobody knows its password). It is told apart from the logins that
existed before by their ids, so a rotation needs the ids of the logins that share its
credential's name. :class:`SameNames` lists each profile and scope once and remembers what the
rotations that share it create, so a batch of rotations lists once instead of once per item.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from smtpcreds.capabilities import Capability
from smtpcreds.errors import SmtpCredsError

if TYPE_CHECKING:
    from smtpcreds.client import Connection
    from smtpcreds.models import SmtpCredential

__all__ = [
    "SameNames",
]


class SameNames:
    """Ids of the logins per (profile, scope, name), listed once per (profile, scope). Thread-safe."""

    def __init__(self) -> None:
        self._by_scope: dict[tuple[str, str | None], dict[str, set[str]]] = {}
        self._lock = threading.Lock()

    def ids(self, conn: Connection, name: str, scope: str | None) -> set[str]:
        """A copy of the ids of the logins named ``name`` (empty when the issuer cannot list)."""
        with self._lock:
            names = self._listing(conn, scope)
            return set(names.get(name, ()))

    def seed(self, profile: str, scope: str | None, creds: Iterable[SmtpCredential]) -> None:
        """Take a listing the caller already made (``creds rotate --all`` lists to select)."""
        names: dict[str, set[str]] = {}
        for cred in creds:
            names.setdefault(cred.name, set()).add(cred.id)
        with self._lock:
            self._by_scope[(profile, scope)] = names

    def add(self, conn: Connection, name: str, scope: str | None, cred_id: str) -> None:
        """Note a login a rotation made, so a later rotation does not take it for an orphan."""
        with self._lock:
            names = self._by_scope.get((conn.profile_name, scope))
            if names is not None:
                names.setdefault(name, set()).add(cred_id)

    def _listing(self, conn: Connection, scope: str | None) -> dict[str, set[str]]:
        key = (conn.profile_name, scope)
        names = self._by_scope.get(key)
        if names is None:
            names = {}
            if Capability.LIST in conn.capabilities:
                try:
                    for cred in conn.credentials.list(scope):
                        names.setdefault(cred.name, set()).add(cred.id)
                except SmtpCredsError:
                    return {}  # not cached: the next rotation tries again
            self._by_scope[key] = names
        return names
