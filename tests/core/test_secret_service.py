"""The keyring store against a real Secret Service (gnome-keyring on a private D-Bus session).

These run under ``tests/run.sh`` (as CI does); with ``CI=true`` a skip fails the run.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import SecretStr

from smtpcreds.client import secret_store
from smtpcreds.models import SmtpLogin
from smtpcreds.store import SecretStore

pytestmark = pytest.mark.secret_service


def login(pw: str) -> SmtpLogin:
    return SmtpLogin(host="smtp.example.com", port=587, username="u@example.com", password=SecretStr(pw))


@pytest.fixture
def store() -> SecretStore:
    s = secret_store(f"ss-test-{secrets.token_hex(4)}")
    yield s
    for slot in ("current", "pending", "previous"):
        s.delete("cred", slot)  # type: ignore[arg-type]


def test_the_secret_service_backend_is_accepted(store: SecretStore) -> None:
    store.check()


def test_slots_round_trip_with_read_back(store: SecretStore) -> None:
    store.put("cred", login("old-Secret-1234567"))
    store.put("cred", login("new-Secret-1234567"), "pending")
    assert store.get("cred", "pending").password.get_secret_value() == "new-Secret-1234567"  # type: ignore[union-attr]
    store.promote("cred")
    assert store.get("cred").password.get_secret_value() == "new-Secret-1234567"  # type: ignore[union-attr]
    assert store.get("cred", "previous").password.get_secret_value() == "old-Secret-1234567"  # type: ignore[union-attr]
    assert store.get("cred", "pending") is None


def test_a_locked_collection_is_refused_with_how_to_fix(tmp_path: Path) -> None:
    """Create the collection unlocked, restart the daemon without --unlock, then try to store."""
    if not shutil.which("dbus-run-session") or not shutil.which("gnome-keyring-daemon"):
        pytest.fail("dbus-run-session and gnome-keyring-daemon are required")
    probe = textwrap.dedent(f"""
        import sys, time
        sys.path[:0] = {sys.path!r}
        from keyring.backends import SecretService
        import keyring
        kr = SecretService.Keyring()
        mode = sys.argv[1]
        if mode == "create":
            deadline = time.monotonic() + 20
            while True:
                try:
                    kr.set_password("probe", "probe", "x"); break
                except Exception:
                    if time.monotonic() > deadline: raise
                    time.sleep(0.2)
        else:
            keyring.set_keyring(kr)
            from smtpcreds.client import secret_store
            from smtpcreds.errors import SecretStoreError
            try:
                secret_store("locked").get("any")  # the first keyring call tells it is locked
                print("ACCEPTED")
            except SecretStoreError as e:
                print("REFUSED:", e)
    """)
    script = tmp_path / "probe.py"
    script.write_text(probe)
    shell = textwrap.dedent(f"""
        set -e
        export XDG_DATA_HOME={tmp_path}/data
        printf 'pw' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
        d=$!
        {sys.executable} {script} create
        kill $d; wait $d 2>/dev/null || true
        gnome-keyring-daemon --foreground --components=secrets </dev/null >/dev/null 2>&1 &
        d=$!
        sleep 0.5
        {sys.executable} {script} check
        kill $d 2>/dev/null || true
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY")}
    proc = subprocess.run(["dbus-run-session", "--", "bash", "-c", shell], capture_output=True, text=True,
                          timeout=90, env=env)
    assert "REFUSED:" in proc.stdout, proc.stdout + proc.stderr
    assert "locked" in proc.stdout and "Unlock it" in proc.stdout
