"""Rotations with the real Secret Service (gnome-keyring on a private D-Bus session) as the
keyring, as on a user's machine: both strategies end with the slots in the Secret Service, and
another process reads the new login from it.

These run under ``tests/run.sh`` (as CI does); with ``CI=true`` a skip fails the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from smtpcreds.client import Connection
from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation.engine import Rotator
from smtpcreds.store import SLOTS

pytestmark = pytest.mark.secret_service

Connect = Callable[[str], Connection]


@pytest.fixture
def made(connect: Connect) -> Iterator[list[tuple[str, str]]]:
    """(profile, credential id) of every login a test stored: removed from the Secret Service after."""
    refs: list[tuple[str, str]] = []
    yield refs
    for profile, ref in refs:
        for slot in SLOTS:
            connect(profile).store.delete(ref, slot)


@pytest.mark.parametrize("issuer", ["relay", "ms"])
def test_a_rotation_keeps_every_slot_in_the_secret_service(lab: Lab, connect: Connect, issuer: str,
                                                           made: list[tuple[str, str]]) -> None:
    import keyring
    from keyring.backends import SecretService

    assert isinstance(keyring.get_keyring(), SecretService.Keyring)
    conn = connect(issuer)
    cred = conn.credentials.create("secret-service-app")
    made.append((issuer, cred.id))
    old = conn.store.get(cred.credential)
    assert old is not None
    result = Rotator(conn, consumer=connect).rotate(cred.id, push=["pbx"])
    made.append((issuer, result.new_credential))
    assert result.status == "done" and result.verified
    current = conn.store.get(result.name)
    previous = conn.store.get(result.name, "previous")
    assert current is not None and previous is not None
    assert previous.password.get_secret_value() == old.password.get_secret_value()
    assert conn.store.get(result.name, "pending") is None
    assert lab.smtp.accepts(current.username, current.password.get_secret_value())
    assert not lab.smtp.accepts(old.username, old.password.get_secret_value())


def test_another_process_reads_the_rotated_login_from_the_secret_service(
        lab: Lab, connect: Connect, tmp_path: Path, made: list[tuple[str, str]]) -> None:
    conn = connect("relay")
    cred = conn.credentials.create("secret-service-cli")
    made.append(("relay", cred.id))
    Rotator(conn, consumer=connect).rotate(cred.id)
    config = tmp_path / "config.toml"
    config.write_text(lab.toml(default="relay"))
    config.chmod(0o600)
    env = {**os.environ, "SMTPCREDS_CONFIG": str(config),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}
    proc = subprocess.run([sys.executable, "-m", "smtpcreds", "--json", "creds", "login", cred.id, "--reveal"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(proc.stdout)
    current = conn.store.get(cred.credential)
    assert current is not None and shown["password"] == current.password.get_secret_value()
