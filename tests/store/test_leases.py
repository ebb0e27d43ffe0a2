"""Rotation leases in the vault store: the holder named, expired leases taken over by resume,
a taken-over holder stopped by its next check-and-set, and ``rotations resume --all``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.client import store_settings
from smtpcreds.emulator.lab import Lab
from smtpcreds.errors import RotationError
from smtpcreds.rotation.journal import JournalStore
from smtpcreds.store.vault.journals import VaultJournals
from smtpcreds.store.vault.kv import kv_for
from smtpcreds.store.vault.leases import VaultLease

REF = "billing-app"


@pytest.fixture
def stopped(lab: Lab, tmp_path: Path, vault_env: dict[str, str], run_cli: Any,
            monkeypatch: pytest.MonkeyPatch) -> str:
    """An open rotation (its consumer failed) of credential ``billing-app``; returns its id."""
    flag = tmp_path / "consumer-down"
    flag.write_text("")
    hook = tmp_path / "hook.py"
    hook.write_text(f"import os, sys\nsys.stdin.read()\nsys.exit(3 if os.path.exists({str(flag)!r}) else 0)\n")
    config = tmp_path / "config.toml"
    config.write_text(lab.toml({"hook": {"provider": "exec", "command": [sys.executable, str(hook)]}},
                               default="relay"))
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    assert run_cli("creds", "create", REF).code == 0
    r = run_cli("--json", "creds", "rotate", REF, "--push", "hook")
    assert r.code == 8, r
    flag.unlink()
    [rotation_id] = r.json()["incomplete_rotations"]  # type: ignore[index]
    return str(rotation_id)


def plant_lease(rotation_id: str, expires_in: float) -> None:
    """A lease as a process on another machine left it (it may have died)."""
    kv = kv_for(store_settings())
    _, version = kv.read(f"leases/relay/{REF}")
    kv.write(f"leases/relay/{REF}", {"host": "other-host", "pid": 4242, "rotation_id": rotation_id,
                                     "since": "2026-12-01T10:00:00Z", "expires": time.time() + expires_in}, version)


def test_a_live_lease_is_named_by_list_and_refuses_resume(stopped: str, run_cli: Any) -> None:
    plant_lease(stopped, 600)
    listed = run_cli("--json", "rotations", "list", "--open")
    [row] = listed.json()  # type: ignore[misc]
    assert row["holder"] == f"other-host (pid 4242, rotation {stopped}) since 2026-12-01T10:00:00Z"
    r = run_cli("rotations", "resume", stopped)
    assert r.code == 8, r
    assert "other-host (pid 4242" in r.err and len(r.err.strip().splitlines()) == 1
    r = run_cli("--json", "rotations", "resume", "--all")
    assert r.code == 8 and r.json()[0]["status"] == "skipped", r  # type: ignore[index]


def test_an_expired_lease_is_taken_over_by_resume_all(stopped: str, run_cli: Any, lab: Lab) -> None:
    plant_lease(stopped, -1)
    r = run_cli("--json", "rotations", "resume", "--all")
    assert r.code == 0, r
    assert r.json() == [{"rotation_id": stopped, "status": "done", "message": ""}]
    login = run_cli("--json", "creds", "login", REF, "--reveal").json()
    assert lab.emulators["smtp2go"].user(REF)["email_password"] == login["password"]  # type: ignore[index]
    lease, _ = kv_for(store_settings()).read(f"leases/relay/{REF}")
    assert lease is not None and "released" in lease


def test_a_holder_whose_rotation_was_taken_over_stops_at_its_next_write(stopped: str) -> None:
    old_holder, new_holder = (JournalStore(VaultJournals(kv_for(store_settings()), 900)) for _ in range(2))
    j_old = old_holder.load(stopped)
    j_new = new_holder.load(stopped)
    new_holder.save(j_new)  # the taker-over writes first
    with pytest.raises(RotationError, match="changed by another process"):
        old_holder.save(j_old)


def test_a_lease_lost_while_renewing_stops_the_holder(stopped: str) -> None:
    docs = VaultJournals(kv_for(store_settings()), 900)
    store = JournalStore(docs)
    j = store.load(stopped)
    lease = VaultLease(docs.kv, "relay", REF, ttl=0.6)
    lease.acquire(j.id, str(j.next))
    try:
        docs._leases[j.id] = lease
        plant_lease("r-someone-else", 600)  # another process took it over
        deadline = time.monotonic() + 10
        while not lease.lost:
            assert time.monotonic() < deadline, "the renewal never noticed the takeover"
            time.sleep(0.05)
        with pytest.raises(RotationError, match="taken over"):
            store.save(j)
    finally:
        lease.release()
    data, _ = docs.kv.read(f"leases/relay/{REF}")
    assert data is not None and data["host"] == "other-host", "a lost lease is not released over its taker"
