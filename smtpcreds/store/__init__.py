"""Where secrets and rotation state live: one interface, two backends, one function that picks.

* :mod:`.interface` — what every backend provides (records, values, journal documents, leases);
* :mod:`.keyring` — the OS keyring, with journals and leases in the state directory (one machine);
* :mod:`.vault` — OpenBao / Vault KV v2 (a team, servers): everything in KV, check-and-set writes;
* :mod:`.logins` — :class:`SecretStore`, the login records of one profile over either backend;
* :mod:`.newsecret` — the one rule for a new secret: in the store before anything can lose it;
* :mod:`.record`, :mod:`.settings`, :mod:`.leases` — the record document, the ``[store]`` table, lease notes;
* :mod:`.hosts` — the host reports agents write (vault store) and the rules for reading them.

Nothing here reads the configuration: the caller hands a backend its settings and the state
directory (:func:`open_backend`; the client does it from the loaded config).
"""

from __future__ import annotations

from pathlib import Path

from smtpcreds.store.hosts import HeldLogin, HostReport, login_identity
from smtpcreds.store.interface import Backend, Conflict, HostReports, JournalDocs, LeaseLost, Records, Values
from smtpcreds.store.keyring import KeyringBackend
from smtpcreds.store.keyring.calls import reset_backend_check
from smtpcreds.store.logins import SecretStore
from smtpcreds.store.record import SLOTS, LoginRecord, Slot
from smtpcreds.store.settings import StoreSettings, from_table
from smtpcreds.store.vault import VaultBackend

__all__ = [
    "SLOTS",
    "Backend",
    "Conflict",
    "HeldLogin",
    "HostReport",
    "HostReports",
    "JournalDocs",
    "LeaseLost",
    "LoginRecord",
    "Records",
    "SecretStore",
    "Slot",
    "StoreSettings",
    "Values",
    "from_table",
    "login_identity",
    "open_backend",
    "profile_secret_name",
    "reset_backend_check",
]


def open_backend(settings: StoreSettings, state_dir: Path) -> Backend:
    """The backend ``settings`` choose: the keyring (with ``state_dir``) or OpenBao/Vault."""
    if settings.backend == "vault":
        return VaultBackend(settings)
    return KeyringBackend(state_dir)


def profile_secret_name(profile: str, field: str) -> str:
    """The name a profile's API secret is kept under (``auth set``): ``<profile>:<field>``."""
    return f"{profile}:{field}"
