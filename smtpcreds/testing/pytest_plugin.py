"""pytest fixtures for testing your own smtpcreds scripts offline (entry point ``pytest11``).

* ``smtpcreds_keyring`` — an in-memory keyring for the test, never your own;
* ``smtpcreds_lab`` — every installed provider emulator plus a real SMTP server on loopback;
* ``smtpcreds_config`` — a config file with profiles ``ms``, ``relay`` and ``pbx`` pointing at
  the lab, selected through ``SMTPCREDS_CONFIG`` (state directory isolated too).

Example::

    def test_my_rotation_script(smtpcreds_config, smtpcreds_lab):
        import smtpcreds
        relay = smtpcreds.connect("relay")
        cred = relay.credentials.create("billing-app")
        smtpcreds.rotate(relay, cred.id)
        login = smtpcreds.stored_login("relay", cred.id)
        assert smtpcreds_lab.smtp.accepts(login.username, login.password.get_secret_value())

Every pytest run loads this module (entry point ``pytest11``), so what the fixtures need is
imported inside them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from smtpcreds.emulator.lab import Lab
    from smtpcreds.testing.support import MemoryKeyring

__all__ = [
    "smtpcreds_config", "smtpcreds_keyring", "smtpcreds_lab",
]


@pytest.fixture
def smtpcreds_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory keyring backend installed for the duration of the test."""
    import keyring

    from smtpcreds.store import reset_backend_check
    from smtpcreds.testing.support import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    reset_backend_check()
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
        reset_backend_check()


@pytest.fixture
def smtpcreds_lab() -> Iterator[Lab]:
    """Every installed provider emulator and one SMTP server, started for the test."""
    from smtpcreds.emulator.lab import Lab

    with Lab() as lab:
        yield lab


@pytest.fixture
def smtpcreds_config(smtpcreds_lab: Lab, smtpcreds_keyring: MemoryKeyring, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file for the lab's emulators, active through SMTPCREDS_CONFIG."""
    path = tmp_path / "smtpcreds.toml"
    path.write_text(smtpcreds_lab.toml(default="relay" if "smtp2go" in smtpcreds_lab.emulators else None))
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    monkeypatch.setenv("SMTPCREDS_STATE_DIR", str(tmp_path / "state"))
    return path
