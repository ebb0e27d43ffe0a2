"""The keyring backend: secrets in the OS keyring, journals and leases in the state directory.

Layout (service / username): ``smtpcreds/<profile>`` / ``<ref>`` — a credential's login record;
``smtpcreds`` / ``<profile>:<field>`` — a profile's API secret; ``smtpcreds/<profile>`` /
``~<name>`` — a cached blob (e.g. a Webitel session); ``smtpcreds/<profile>`` / ``~write-check``
— the canary of the write check. Every call goes through :mod:`smtpcreds.store.keyring.calls`.
"""

from __future__ import annotations

from pathlib import Path

from smtpcreds.store.keyring import calls
from smtpcreds.store.keyring.journals import FileJournals
from smtpcreds.store.keyring.records import KeyringRecords, KeyringValues

__all__ = [
    "WRITE_CHECK", "KeyringBackend",
]

#: The canary entry :meth:`KeyringBackend.check_writable` writes (a random token, no secret).
WRITE_CHECK = "~write-check"


class KeyringBackend:
    """The OS keyring (secrets) and ``state_dir`` (journals, leases, the write lock)."""

    name = "keyring"

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    def __repr__(self) -> str:
        return f"<KeyringBackend {self.state_dir}>"

    @staticmethod
    def service(profile: str) -> str:
        return f"{calls.SERVICE}/{profile}"

    def records(self, profile: str) -> KeyringRecords:
        return KeyringRecords(self.service(profile), self.state_dir)

    def blobs(self, profile: str) -> KeyringValues:
        return KeyringValues(self.service(profile), self.state_dir, prefix="~")

    def profile_secrets(self) -> KeyringValues:
        return KeyringValues(calls.SERVICE, self.state_dir)

    def journals(self) -> FileJournals:
        return FileJournals(self.state_dir / "rotations")

    def hosts(self) -> None:
        """None: other hosts cannot reach this machine's keyring, so no agent reports here."""
        return None

    def check(self, allow_insecure: bool) -> None:
        calls.check_backend(calls.insecure_allowed(allow_insecure))

    def check_writable(self, profile: str, token: str) -> None:
        calls.set_raw(self.service(profile), WRITE_CHECK, token, self.state_dir)

    def reserve(self, threads: int) -> None:
        """Nothing to size: keyring calls are serialized (:mod:`.calls`)."""
