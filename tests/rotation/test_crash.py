"""Crash tests: a rotation SIGKILLed in a real subprocess at every step boundary (and in the
middle of the provider request), then ``smtpcreds rotations resume``: every case must end
consistent — provider, keyring and consumer agree, the SMTP server accepts the stored current
login, no provider login exists whose password is not stored, no second secret was generated.

The keyring is a file backend shared by the processes (keyrings.alt, opted in as insecure).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from smtpcreds.client import Connection
from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation.journal import Journal, journal_store
from smtpcreds.store import reset_backend_check

CHILD = Path(__file__).with_name("crash_child.py")
BOUNDARIES = ["plan", "create_pending", "set", "verify", "push", "promote"]
CASES = [(issuer, step, True) for issuer in ("relay", "ms") for step in BOUNDARIES] + [
    ("relay", "mid-request", True), ("ms", "mid-request", True)] + [
    # between the provider's create (it returned the new login's password) and the store's record of
    # it, and between that record and the journal naming the new login: resume finds it by the name
    ("ms", "after-create", True), ("ms", "after-store", True)] + [
    # without consumers the journal is written only at plan and at the end: resume redoes the rest
    (issuer, step, False) for issuer in ("relay", "ms") for step in ("set", "verify", "promote")]
ISSUER_REQUEST = {"relay": ("PATCH", r"^/users/smtp/edit$"), "ms": ("POST", r"/smtp-users$")}

pytestmark = pytest.mark.slow


@pytest.fixture
def shared(tmp_path: Path, lab: Lab, env_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Config file, state dir and a file keyring that parent and child share."""
    xdg = tmp_path / "xdg"
    kr = PlaintextKeyring()
    kr.file_path = str(xdg / "python_keyring" / "keyring_pass.cfg")  # type: ignore[misc]
    keyring.set_keyring(kr)
    reset_backend_check()
    monkeypatch.setenv("SMTPCREDS_ALLOW_INSECURE_KEYRING", "1")
    config = tmp_path / "config.toml"
    config.write_text(lab.toml({"app-env": {"provider": "envfile", "path": str(env_file)}}))
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    env = {**os.environ, "XDG_DATA_HOME": str(xdg), "SMTPCREDS_CONFIG": str(config),
           "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
           "SMTPCREDS_ALLOW_INSECURE_KEYRING": "1", "SMTPCREDS_STATE_DIR": os.environ["SMTPCREDS_STATE_DIR"]}
    from smtpcreds.config import load_config

    yield {"env": env, "config": load_config(config)}


def _connect(shared: dict[str, Any], name: str) -> Connection:
    cfg = shared["config"]
    return Connection(name, cfg.profile(name), config=cfg)


def _only_journal() -> Journal | None:
    journals = journal_store().all()
    assert len(journals) <= 1
    return journals[0] if journals else None


@pytest.mark.parametrize(("issuer", "crash_at", "push"), CASES,
                         ids=[f"{i}-{s}" + ("" if p else "-nopush") for i, s, p in CASES])
def test_rotation_killed_then_resumed_ends_consistent(lab: Lab, shared: dict[str, Any], issuer: str,
                                                       crash_at: str, push: bool) -> None:
    conn = _connect(shared, issuer)
    cred = conn.credentials.create("billing-app")
    old = conn.store.get(cred.credential)
    assert old is not None
    emulator = lab.emulators["smtp2go" if issuer == "relay" else "mailersend"]
    args = [sys.executable, str(CHILD), issuer, cred.id, crash_at if crash_at != "mid-request" else "none",
            "auto", *(["pbx", "app-env"] if push else [])]
    if crash_at == "mid-request":
        method, path = ISSUER_REQUEST[issuer]
        emulator.faults.inject(method=method, path=path, latency=1.0)
        sent_before = emulator.count(method, path)
        child = subprocess.Popen(args, env=shared["env"], stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while emulator.count(method, path) == sent_before:
            assert time.monotonic() < deadline and child.poll() is None, "the child never sent the request"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        time.sleep(1.2)  # let the emulator finish the request the dead client sent
    else:
        child = subprocess.Popen(args, env=shared["env"], stderr=subprocess.PIPE, text=True)
        child.wait(timeout=60)
    stderr = child.stderr.read() if child.stderr else ""
    assert child.returncode == -signal.SIGKILL, f"child was not killed: {child.returncode} {stderr}"

    j = _only_journal()
    assert j is not None
    pending = conn.store.get(j.name, "pending") if (j.strategy == "in-place" or j.new_id) else None
    if pending is None and (j.strategy == "in-place" or j.new_id):
        promoted = conn.store.get(j.name)  # killed after promotion: the new login is current already
        if promoted is not None and promoted.created_at >= j.created_at:
            pending = promoted

    proc = subprocess.run([sys.executable, "-m", "smtpcreds", "--json", "rotations", "resume", j.id],
                          env=shared["env"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == "done"

    # provider, keyring and SMTP server agree
    final = journal_store().load(j.id)
    logins = list(conn.credentials.list())
    assert [c.id for c in logins] == [final.target], "exactly the new login remains at the provider"
    for c in logins:
        stored = conn.store.get(c.credential)
        assert stored is not None, f"provider login {c.id} has no stored password"
        assert lab.smtp.accepts(stored.username, stored.password.get_secret_value())
    if final.strategy == "replace":
        assert not lab.smtp.accepts(old.username, old.password.get_secret_value())
    current = conn.store.get(final.name)
    assert current is not None
    if pending is not None:
        assert current.password.get_secret_value() == pending.password.get_secret_value(), \
            "resume generated a second secret"
    if not push:
        return
    pbx = _connect(shared, "pbx").settings.get()
    assert pbx.password is not None and pbx.password.get_secret_value() == current.password.get_secret_value()
    env_values = _connect(shared, "app-env").settings.get()
    assert env_values.password.get_secret_value() == current.password.get_secret_value()  # type: ignore[union-attr]


def test_crash_matrix_size() -> None:
    """Reports how many crash cases the matrix runs: 2 strategies x 6 boundaries + 2 mid-request
    + 2 around the store's record of a returned password, with consumers, and 2 x 3 boundaries
    without."""
    print(f"crash cases: {len(CASES)}")
    assert len(CASES) == 22
