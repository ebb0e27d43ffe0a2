"""Keyring operations of a whole ``creds rotate`` process, counted at the keyring backend.

Every call the backend receives counts (reads, writes, deletes, read-backs included), except
reads of the profile's API key. Targets: in place ≤ 5, replace ≤ 7 (the three-item layout
needed 13 and 15).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest

from smtpcreds.store import reset_backend_check
from smtpcreds.store.keyring import calls
from smtpcreds.testing.support import MemoryKeyring


class CountingKeyring(MemoryKeyring):
    """A memory keyring that notes each call: (operation, service, username)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(("read", service, username))
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("write", service, username))
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(("delete", service, username))
        super().delete_password(service, username)

    def store_calls(self) -> list[tuple[str, str, str]]:
        """The calls, without reads of profile API secrets (service ``smtpcreds``)."""
        return [c for c in self.calls if not (c[0] == "read" and c[1] == calls.SERVICE)]


@pytest.fixture
def counting() -> CountingKeyring:
    kr = CountingKeyring()
    keyring.set_keyring(kr)
    reset_backend_check()
    return kr


@pytest.mark.parametrize(("profile", "limit", "expected"), [
    # record read; pending written + read back; promoted record written + read back
    ("relay", 5, {"read": 3, "write": 2, "delete": 0}),
    # canary written + read back (the provider returns the password: proof before the create);
    # the record read; the returned password written as pending (with its new id) + read back;
    # the promoted record written + read back: the credential keeps one record whatever its ids
    ("ms", 7, {"read": 4, "write": 3, "delete": 0}),
])
def test_a_creds_rotate_process_makes_few_keyring_calls(cli_config: Path, run_cli: Any, counting: CountingKeyring,
                                                        profile: str, limit: int,
                                                        expected: dict[str, int]) -> None:
    r = run_cli("--json", "--profile", profile, "creds", "create", "counted")
    assert r.code == 0, r
    ref = r.json()["id"]
    counting.calls.clear()
    reset_backend_check()  # as a new process finds it
    r = run_cli("--json", "--profile", profile, "creds", "rotate", ref)
    assert r.code == 0, r
    calls = counting.store_calls()
    counts = {op: sum(1 for c in calls if c[0] == op) for op in ("read", "write", "delete")}
    assert counts == expected, calls
    assert len(calls) <= limit
