"""Team mode against a real OpenBao server: separate machines are separate HOMEs and state
directories sharing one vault store, each ``smtpcreds`` a process of its own, no OS keyring."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.emulator.lab import Lab
from smtpcreds.testing.openbao import OpenBao, openbao_dev

from .conftest import kv_data

REF = "billing-app"


@pytest.fixture
def team(lab: Lab, tmp_path: Path, vault_env: dict[str, str]) -> dict[str, Any]:
    flag = tmp_path / "consumer-down"
    received = tmp_path / "received.json"
    hook = tmp_path / "hook.py"
    hook.write_text("import os, sys\n"
                    f"data = sys.stdin.read()\nif os.path.exists({str(flag)!r}):\n"
                    "    print('hook: app config is read-only', file=sys.stderr)\n    sys.exit(3)\n"
                    f"open({str(received)!r}, 'w').write(data)\n")
    config = tmp_path / "config.toml"
    config.write_text(lab.toml({"hook": {"provider": "exec", "command": [sys.executable, str(hook)]}},
                               default="relay"))
    config.chmod(0o600)
    base = {k: v for k, v in os.environ.items() if not k.startswith("SMTPCREDS_")}
    base.update(vault_env)
    base["SMTPCREDS_CONFIG"] = str(config)

    def machine(name: str) -> dict[str, str]:
        home = tmp_path / name
        home.mkdir(exist_ok=True)
        return {**base, "HOME": str(home), "SMTPCREDS_STATE_DIR": str(home / "state")}

    return {"a": machine("home-a"), "b": machine("home-b"), "flag": flag, "received": received,
            "prefix": vault_env["SMTPCREDS_STORE__PREFIX"]}


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "smtpcreds", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def create(env: dict[str, str]) -> str:
    r = cli(env, "--json", "creds", "create", REF)
    assert r.returncode == 0, r.stderr
    ref = str(json.loads(r.stdout)["id"])
    assert ref == REF
    return ref


def stored_current(openbao: OpenBao, prefix: str, ref: str) -> dict[str, Any]:
    record = kv_data(openbao, prefix, f"logins/relay/{ref}")
    assert record is not None and isinstance(record["current"], dict)
    return record["current"]


def test_a_rotation_stopped_on_machine_a_is_listed_and_resumed_on_machine_b(
        team: dict[str, Any], lab: Lab, openbao: OpenBao) -> None:
    a, b = team["a"], team["b"]
    ref = create(a)
    team["flag"].write_text("")
    r = cli(a, "--json", "creds", "rotate", ref, "--push", "hook")
    assert r.returncode == 8, r.stderr
    pending = kv_data(openbao, team["prefix"], f"logins/relay/{ref}")["pending"]  # type: ignore[index]
    assert pending is not None

    listed = cli(b, "--json", "rotations", "list", "--open")
    assert listed.returncode == 0, listed.stderr
    [j] = json.loads(listed.stdout)
    assert j["ref"] == ref and j["status"] == "failed"
    team["flag"].unlink()
    r = cli(b, "--json", "rotations", "resume", j["id"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "done"

    current = stored_current(openbao, team["prefix"], ref)
    assert current["password"] == pending["password"], "resumed with the same pending secret"
    assert lab.emulators["smtp2go"].user(ref)["email_password"] == current["password"]
    assert lab.smtp.accepts(current["username"], current["password"])
    assert json.loads(team["received"].read_text())["password"] == current["password"]
    r = cli(b, "--json", "creds", "login", ref, "--reveal")
    assert r.returncode == 0 and json.loads(r.stdout)["password"] == current["password"]
    assert not list((Path(a["SMTPCREDS_STATE_DIR"]) / "rotations").glob("r*.json")), "no journal on disk"


def test_two_machines_rotating_one_credential_at_once_run_one_rotation(
        team: dict[str, Any], lab: Lab, openbao: OpenBao) -> None:
    a, b = team["a"], team["b"]
    ref = create(a)
    emulator = lab.emulators["smtp2go"]
    emulator.faults.inject(method="PATCH", path=r"^/users/smtp/edit$", latency=3.0)
    args = [sys.executable, "-m", "smtpcreds", "--json", "creds", "rotate", ref]
    first = subprocess.Popen(args, env=a, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not kv_data(openbao, team["prefix"], f"leases/relay/{ref}"):
        assert time.monotonic() < deadline and first.poll() is None, "the first rotation never took its lease"
        time.sleep(0.05)
    second = cli(b, "creds", "rotate", ref)
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 8, second.stderr
    assert "is being rotated by" in second.stderr and "since" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1, second.stderr

    current = stored_current(openbao, team["prefix"], ref)
    assert emulator.user(ref)["email_password"] == current["password"]
    assert lab.smtp.accepts(current["username"], current["password"])
    edits = [r for r in emulator.requests if r.path.endswith("/users/smtp/edit")]
    assert len(edits) == 1, "exactly one rotation changed the password"


def test_a_stopped_openbao_fails_the_rotation_with_one_line_and_changes_nothing(
        lab: Lab, tmp_path: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from smtpcreds.store.vault import kv as vault

    monkeypatch.setattr(vault, "RETRY_SECONDS", 2.0)
    config = tmp_path / "config.toml"
    config.write_text(lab.toml({}, default="relay"))
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    with openbao_dev() as server:
        monkeypatch.setenv("SMTPCREDS_STORE__BACKEND", "vault")
        monkeypatch.setenv("SMTPCREDS_STORE__URL", server.url)
        monkeypatch.setenv("VAULT_TOKEN", server.token)
        r = run_cli("--json", "creds", "create", REF)
        assert r.code == 0, r
    emulator = lab.emulators["smtp2go"]
    before = emulator.user(REF)["email_password"]
    r = run_cli("creds", "rotate", REF)
    assert r.code not in (0, 1), r
    assert len(r.err.strip().splitlines()) == 1, r.err
    assert "vault store" in r.err and "cannot be reached" in r.err
    assert emulator.user(REF)["email_password"] == before
