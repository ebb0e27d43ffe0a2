"""High availability: a bulk rotation against a three-node raft OpenBao cluster whose leader is
killed mid-batch. Every rotation completes or stops resumable, none loses its pending secret, the
batch goes on against the new leader, and after ``rotations resume --all`` every provider password
equals the stored current login, which SMTP accepts."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from smtpcreds.client import Connection
from smtpcreds.emulator.lab import Lab
from smtpcreds.rotation.bulk import Item, rotate_many
from smtpcreds.testing.openbao import RaftCluster, openbao_raft_cluster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[RaftCluster]:
    try:
        with openbao_raft_cluster() as running:
            yield running
    except RuntimeError as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the HA test needs a bao cluster: {e}; CI must not skip it")
        pytest.skip(f"the HA test needs a bao cluster: {e}")


def test_bulk_rotation_survives_the_leader_being_killed(cluster: RaftCluster, lab: Lab, run_cli: Any,
                                                        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    from smtpcreds.store import reset_backend_check

    for k, v in {"SMTPCREDS_STORE__BACKEND": "vault", "SMTPCREDS_STORE__URL": ",".join(cluster.urls),
                 "SMTPCREDS_STORE__PREFIX": "ha", "VAULT_TOKEN": cluster.token}.items():
        monkeypatch.setenv(k, v)
    keyring.set_keyring(fail.Keyring())
    reset_backend_check()
    config_file = tmp_path / "config.toml"
    config_file.write_text(lab.toml({}, default="relay"))
    config_file.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config_file))
    cfg = lab.config()

    def connect(name: str) -> Connection:
        return Connection(name, cfg.profile(name), config=cfg)

    items = []
    for profile in ("relay", "ms"):
        conn = connect(profile)
        items += [Item(profile, conn.credentials.create(f"ha-{profile}-{i}").id) for i in range(4)]
        conn.close()
    for name in ("smtp2go", "mailersend"):
        lab.emulators[name].latency = 0.3
    outcomes: list[Any] = []
    batch = threading.Thread(target=lambda: outcomes.extend(rotate_many(items, connect, concurrency=2)))
    batch.start()
    time.sleep(1.5)
    leader = cluster.leader()
    assert batch.is_alive(), "the leader must die mid-batch"
    leader.kill()
    killed_at = time.monotonic()
    batch.join(timeout=240)
    assert not batch.is_alive(), "the batch did not end"
    assert len(outcomes) == len(items)
    stopped = [o for o in outcomes if not o.ok]
    assert all(o.error is not None and o.error.exit_code in (4, 8) for o in stopped), \
        [o.to_dict() for o in stopped]
    assert len(stopped) < len(items), "the batch went on against the new leader"
    assert time.monotonic() - killed_at > 5, "the batch outlived the election"
    print(f"leader killed mid-batch; {len(items) - len(stopped)} done, {len(stopped)} resumed afterwards")
    if stopped:
        r = run_cli("--json", "rotations", "resume", "--all")
        assert r.code == 0, r

    for item in items:
        conn = connect(item.profile)
        creds = {c.name: c for c in conn.credentials.list()}
        for cred in creds.values():
            stored = conn.store.get(cred.credential)
            assert stored is not None, f"{cred.id} has no stored login"
            assert lab.smtp.accepts(stored.username, stored.password.get_secret_value()), cred.id
        conn.close()
    emulator = lab.emulators["smtp2go"]
    relay = connect("relay")
    for item in items:
        if item.profile == "relay":
            assert emulator.user(item.ref)["email_password"] == relay.store.get(item.ref).password.get_secret_value()  # type: ignore[union-attr]
    relay.close()


def test_a_rotation_goes_on_when_the_server_restarts_mid_rotation(lab: Lab, tmp_path: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """One raft node (data on disk) restarted while the provider request of a rotation is in flight."""
    import keyring
    from keyring.backends import fail

    from smtpcreds.rotation.engine import Rotator
    from smtpcreds.store import reset_backend_check

    try:
        cm = openbao_raft_cluster(size=1)
        single = cm.__enter__()
    except RuntimeError as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"needs a bao server: {e}")
        pytest.skip(f"needs a bao server: {e}")
    try:
        for k, v in {"SMTPCREDS_STORE__BACKEND": "vault", "SMTPCREDS_STORE__URL": single.urls[0],
                     "SMTPCREDS_STORE__PREFIX": "restart", "VAULT_TOKEN": single.token}.items():
            monkeypatch.setenv(k, v)
        keyring.set_keyring(fail.Keyring())
        reset_backend_check()
        cfg = lab.config()
        conn = Connection("relay", cfg.profile("relay"), config=cfg)
        ref = conn.credentials.create("restart-app").id
        emulator = lab.emulators["smtp2go"]
        emulator.faults.inject(method="PATCH", path=r"^/users/smtp/edit$", latency=3.0)
        results: list[Any] = []
        rotation = threading.Thread(target=lambda: results.append(Rotator(conn).rotate(ref)))
        rotation.start()
        deadline = time.monotonic() + 30
        while emulator.count("PATCH", r"^/users/smtp/edit$") == 0:  # the request is in flight
            assert time.monotonic() < deadline
            time.sleep(0.05)
        single.restart(single.nodes[0])
        assert rotation.is_alive(), "the server must restart while the rotation runs"
        rotation.join(timeout=120)
        assert results and results[0].status == "done"
        fresh = Connection("relay", cfg.profile("relay"), config=cfg)
        stored = fresh.store.get(ref)
        assert stored is not None and fresh.store.get(ref, "pending") is None
        assert emulator.user(ref)["email_password"] == stored.password.get_secret_value()
        assert lab.smtp.accepts(stored.username, stored.password.get_secret_value())
    finally:
        cm.__exit__(None, None, None)
