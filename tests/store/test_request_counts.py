"""KV requests per rotation, counted from a real OpenBao's own audit log (docs/performance.md,
"The team store at scale"): a fixed number per rotation, the same in a batch as one at a time,
and not one more when other rotations are live. Counts, never timings."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.client import Connection, store_settings
from smtpcreds.emulator.lab import Lab
from smtpcreds.errors import RotationError
from smtpcreds.rotation.bulk import Item, rotate_many
from smtpcreds.rotation.engine import Rotator
from smtpcreds.rotation.journal import journal_store
from smtpcreds.store.vault import kv as vault
from smtpcreds.store.vault.kv import kv_for
from smtpcreds.testing.openbao import KvRequests, OpenBao, openbao_dev
from tests.vaultstore import bao_unavailable, use_vault_store

#: One in-place rotation (SMTP2GO): what each KV request is for.
IN_PLACE = Counter({
    ("read", "leases"): 1,           # take the lease (and learn the credential's live journals)
    ("write", "leases"): 2,          # take it; release it
    ("read", "logins"): 1,           # the record: a pending login a crash left behind, and its version
    ("write", "logins"): 2,          # the pending login; the promotion
    ("write", "rotations"): 1,       # the journal, before the provider is asked anything
    ("write", "rotations-done"): 1,  # the journal, finished
    ("delete", "rotations"): 1,      # its live copy
})
#: One replace rotation (MailerSend, which returns the new password).
REPLACE = Counter({
    ("read", "leases"): 1, ("write", "leases"): 2,
    ("write", "rotations"): 3,       # plan; a create in flight; the new login's id
    ("read", "logins"): 1,           # the credential's record (one whatever its ids: docs/concepts.md)
    ("write", "logins"): 2,          # the returned password as pending (with the new id); the promotion
    ("write", "rotations-done"): 1, ("delete", "rotations"): 1,
})
#: The fleet's host reports (docs/fleet.md): listed once for a rotation's rollout (and, in place, its
#: check that no other host binds the credential); once per poll for a whole batch. No host
#: reports here, so none is read.
FLEET = Counter({("list", "hosts"): 1})
#: The write check before a provider returns a secret: once per profile and process.
WRITE_CHECK = Counter({("write", "write-check"): 1, ("read", "write-check"): 1, ("delete", "write-check"): 1})


@pytest.fixture(scope="module")
def audited() -> Iterator[OpenBao]:
    """An OpenBao dev server of its own with a file audit device."""
    try:
        with openbao_dev(audit=True) as server:
            yield server
    except RuntimeError as e:
        bao_unavailable(e)


@pytest.fixture
def prefix(audited: OpenBao, lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The vault store on the audited server, under a prefix of its own; the lab's profiles."""
    name = use_vault_store(monkeypatch, audited)["SMTPCREDS_STORE__PREFIX"]
    config = tmp_path / "config.toml"
    config.write_text(lab.toml(consumers(tmp_path), default="relay"))
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    return name


def consumers(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """A consumer ``down`` whose command always fails (exit 3): a rotation pushing to it stops, live."""
    hook = tmp_path / "down.py"
    hook.write_text("import sys\nsys.stdin.read()\nsys.exit(3)\n")
    return {"down": {"provider": "exec", "command": [sys.executable, str(hook)]}}


@pytest.fixture
def connect(lab: Lab, prefix: str, tmp_path: Path) -> Callable[[str], Connection]:
    cfg = lab.config(consumers(tmp_path))
    return lambda name: Connection(name, cfg.profile(name), config=cfg)


def counted(audited: OpenBao, prefix: str, action: Callable[[], object]) -> KvRequests:
    assert audited.audit is not None
    audited.audit.mark()
    action()
    return audited.audit.kv_requests(prefix)


def test_an_in_place_rotation_makes_ten_kv_requests(audited: OpenBao, prefix: str,
                                                    connect: Callable[[str], Connection]) -> None:
    relay = connect("relay")
    ref = relay.credentials.create("billing-app").id
    kv = counted(audited, prefix, lambda: Rotator(relay).rotate(ref))
    assert kv.by_folder == IN_PLACE + FLEET
    assert kv.total == 10 and not kv.refused


def test_a_replace_rotation_makes_twelve_kv_requests_after_one_write_check(
        audited: OpenBao, prefix: str, connect: Callable[[str], Connection]) -> None:
    ms = connect("ms")
    first, second = (ms.credentials.create(f"app-{i}").id for i in range(2))
    vault.reset_clients()  # as in a new process: the write check has not been made yet
    kv = counted(audited, prefix, lambda: Rotator(connect("ms")).rotate(first))
    assert kv.by_folder == REPLACE + FLEET + WRITE_CHECK
    kv = counted(audited, prefix, lambda: Rotator(connect("ms")).rotate(second))  # another connection
    assert kv.by_folder == REPLACE + FLEET and kv.total == 12


@pytest.mark.parametrize(("profile", "each"), [("relay", IN_PLACE), ("ms", REPLACE)])
def test_a_batch_at_concurrency_4_makes_the_requests_of_its_rotations_one_at_a_time(
        audited: OpenBao, prefix: str, connect: Callable[[str], Connection], profile: str,
        each: Counter[tuple[str, str]]) -> None:
    conn = connect(profile)
    refs = [conn.credentials.create(f"batch-{i}").id for i in range(8)]
    vault.reset_clients()
    kv = counted(audited, prefix, lambda: rotate_many([Item(profile, r) for r in refs], connect, concurrency=4))
    checks = WRITE_CHECK if profile == "ms" else Counter()
    assert kv.by_folder == Counter({k: 8 * v for k, v in each.items()}) + FLEET + checks  # one watch
    assert not kv.refused, "no check-and-set conflict between rotations of different credentials"


def test_live_rotations_of_other_credentials_cost_a_rotation_nothing(
        audited: OpenBao, prefix: str, connect: Callable[[str], Connection]) -> None:
    relay = connect("relay")
    stopped = [relay.credentials.create(f"stopped-{i}").id for i in range(5)]
    for ref in stopped:  # each stops at its push, open and live
        with pytest.raises(RotationError):
            Rotator(relay, consumer=connect).rotate(ref, push=["down"])
    assert len(journal_store().live()) == 5
    ref = relay.credentials.create("billing-app").id
    kv = counted(audited, prefix, lambda: Rotator(connect("relay")).rotate(ref))
    assert kv.by_folder == IN_PLACE + FLEET


def test_an_unfinished_rotation_is_found_through_the_credentials_lease_record(
        audited: OpenBao, prefix: str, connect: Callable[[str], Connection]) -> None:
    relay = connect("relay")
    ref = relay.credentials.create("billing-app").id
    with pytest.raises(RotationError) as first:
        Rotator(relay, consumer=connect).rotate(ref, push=["down"])
    lease, _ = kv_for(store_settings()).read("leases/relay/billing-app")  # (the credential's name)
    assert lease is not None and lease["live"] == [first.value.rotation_id] and "released" in lease

    def again() -> None:
        with pytest.raises(RotationError, match=f"unfinished rotation {first.value.rotation_id}"):
            Rotator(connect("relay")).rotate(ref)

    kv = counted(audited, prefix, again)
    # the lease (read, taken, released), the record (which login is current) and the journal the
    # lease named (not archived: read where live)
    assert kv.by_folder == Counter({("read", "leases"): 1, ("write", "leases"): 2, ("read", "logins"): 1,
                                    ("read", "rotations-done"): 1, ("read", "rotations"): 1})


def test_a_lease_record_naming_a_journal_that_was_never_written_is_cleaned_at_the_next_release(
        prefix: str, connect: Callable[[str], Connection]) -> None:
    relay = connect("relay")
    ref = relay.credentials.create("billing-app").id
    kv = kv_for(store_settings())
    kv.write("leases/relay/billing-app", {"released": "2026-12-01T10:00:00Z", "live": ["r20261201-deadbe"]}, 0)
    result = Rotator(relay).rotate(ref)  # a plan killed before its journal left such an id
    assert result.status == "done"
    lease, _ = kv.read("leases/relay/billing-app")
    assert lease is not None and lease["live"] == []


def test_a_later_rotation_retires_a_login_kept_by_a_replace_found_by_its_new_id(
        prefix: str, connect: Callable[[str], Connection], lab: Lab) -> None:
    ms = connect("ms")
    cred = ms.credentials.create("billing-app")
    first = Rotator(ms).rotate(cred.id, keep_old=True)
    assert len(list(ms.credentials.list())) == 2
    second = Rotator(connect("ms")).rotate(first.new_credential)
    assert [c.id for c in ms.credentials.list()] == [second.new_credential]
    assert journal_store().live() == []


def test_a_batch_shares_one_connection_pool_as_large_as_its_concurrency_and_one_token_look_up(
        audited: OpenBao, prefix: str, connect: Callable[[str], Connection]) -> None:
    relay = connect("relay")
    refs = [relay.credentials.create(f"pooled-{i}").id for i in range(32)]
    vault.reset_clients()  # a new process's client: no token looked up, no connection open
    assert audited.audit is not None
    audited.audit.mark()
    outcomes = rotate_many([Item("relay", r) for r in refs], connect, concurrency=16)
    assert all(o.ok for o in outcomes)
    kv = kv_for(store_settings())
    pool = kv.session.get_adapter(audited.url).poolmanager.connection_from_url(audited.url)
    assert kv.pool_size == 16
    assert pool.num_connections <= 16, "connections were opened and dropped instead of reused"
    assert audited.audit.kv_requests(prefix).other == Counter({"read auth/token/lookup-self": 1})
