"""A rotation SIGKILLed at each step boundary on machine A (its own HOME and state directory),
then resumed on machine B once its lease has expired: every case ends with the provider, the vault
store and the SMTP server agreeing, and no second secret generated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.testing.openbao import OpenBao

from .conftest import kv_data

CHILD = Path(__file__).parent.parent / "rotation" / "crash_child.py"
BOUNDARIES = ["plan", "create_pending", "set", "verify", "push", "promote"]
LOCK_TTL = 2

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("issuer", ["relay", "ms"])
@pytest.mark.parametrize("crash_at", BOUNDARIES)
def test_killed_on_a_resumed_on_b(issuer: str, crash_at: str, lab: Lab, tmp_path: Path,
                                  vault_env: dict[str, str], openbao: OpenBao) -> None:
    config = tmp_path / "config.toml"
    config.write_text(lab.toml({}, default=issuer))
    config.chmod(0o600)
    base = {k: v for k, v in os.environ.items() if not k.startswith("SMTPCREDS_")}
    base.update(vault_env, SMTPCREDS_CONFIG=str(config), SMTPCREDS_STORE__LOCK_TTL=str(LOCK_TTL))

    def machine(name: str) -> dict[str, str]:
        home = tmp_path / name
        home.mkdir()
        return {**base, "HOME": str(home), "SMTPCREDS_STATE_DIR": str(home / "state")}

    a, b = machine("a"), machine("b")
    prefix = vault_env["SMTPCREDS_STORE__PREFIX"]
    made = subprocess.run([sys.executable, "-m", "smtpcreds", "--json", "creds", "create", "billing-app"], env=a,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    ref = json.loads(made.stdout)["id"]
    child = subprocess.run([sys.executable, str(CHILD), issuer, ref, crash_at, "auto"], env=a,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr

    listed = subprocess.run([sys.executable, "-m", "smtpcreds", "--json", "rotations", "list", "--open"], env=b,
                            capture_output=True, text=True, timeout=60)
    [j] = json.loads(listed.stdout)
    record: Any = kv_data(openbao, prefix, f"logins/{issuer}/billing-app")  # one record, by the name
    pending = (record or {}).get("pending") or None
    time.sleep(LOCK_TTL + 0.5)  # the dead holder's lease expires
    resumed = subprocess.run([sys.executable, "-m", "smtpcreds", "--json", "rotations", "resume", j["id"]],
                             env=b, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(resumed.stdout)
    assert final["status"] == "done"

    current = kv_data(openbao, prefix, f"logins/{issuer}/billing-app")
    assert current is not None and current["pending"] is None and current["id"] == final["new_credential"]
    login: Any = current["current"]
    assert lab.smtp.accepts(login["username"], login["password"])
    if pending is not None:
        assert login["password"] == pending["password"], "resume generated a second secret"
    if issuer == "relay":
        assert lab.emulators["smtp2go"].user(ref)["email_password"] == login["password"]
    else:  # the old login is retired, and no record is left under a provider id
        assert kv_data(openbao, prefix, f"logins/{issuer}/{ref}") is None
        assert ref not in {c["id"] for c in json.loads(subprocess.run(
            [sys.executable, "-m", "smtpcreds", "--json", "--profile", issuer, "creds", "list"], env=b,
            capture_output=True, text=True, timeout=60).stdout)}
