"""Bulk rotation: many credentials across both issuers, bounded concurrency, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from smtpcreds.client import Connection
from smtpcreds.emulator.lab import Lab
from smtpcreds.errors import ConfigError
from smtpcreds.rotation.bulk import Item, parse_age, rotate_many
from smtpcreds.rotation.journal import Journal, JournalStore
from smtpcreds.store.keyring.journals import FileJournals

Connect = Callable[[str], Connection]


def test_bulk_rotation_of_200_credentials_across_both_issuers(lab: Lab, connect: Connect) -> None:
    items = []
    old = {}
    for issuer in ("ms", "relay"):
        conn = connect(issuer)
        for i in range(100):
            cred = conn.credentials.create(f"app-{issuer}-{i:03d}")
            old[(issuer, cred.id)] = conn.store.get(cred.credential)
            items.append(Item(issuer, cred.id))
    outcomes = rotate_many(items, connect, concurrency=8)
    assert len(outcomes) == 200
    assert all(o.ok for o in outcomes), [o.to_dict() for o in outcomes if not o.ok][:3]
    summary = [o.to_dict() for o in outcomes]
    assert {d["strategy"] for d in summary if d["profile"] == "ms"} == {"replace"}
    assert {d["strategy"] for d in summary if d["profile"] == "relay"} == {"in-place"}
    for o in outcomes:
        assert o.result is not None
        conn = connect(o.item.profile)
        current = conn.store.get(o.result.name)
        assert current is not None and lab.smtp.accepts(current.username, current.password.get_secret_value())
        previous = old[(o.item.profile, o.item.ref)]
        assert previous is not None
        assert not lab.smtp.accepts(previous.username, previous.password.get_secret_value())
    assert len(list(connect("ms").credentials.list())) == 100


def test_rate_limits_slow_the_batch_instead_of_failing_items(lab: Lab, connect: Connect) -> None:
    conn = connect("ms")
    items = [Item("ms", conn.credentials.create(f"rl-app-{i}").id) for i in range(6)]
    # The creates (never retried by the transport) meet six 429s: each item pauses the batch
    # for the Retry-After and is resumed from its journal.
    emulator = lab.emulators["mailersend"]
    emulator.faults.inject(method="POST", path=r"/smtp-users$", status=429, headers={"Retry-After": "1"},
                           times=6)
    outcomes = rotate_many(items, connect, concurrency=3)
    assert all(o.ok for o in outcomes), [o.to_dict() for o in outcomes if not o.ok]
    assert emulator.count("POST", r"/smtp-users$") == 6 + 6 + 6  # setup creates, 429s, real creates


def test_a_replace_batch_lists_the_domain_once_not_once_per_rotation(lab: Lab, connect: Connect) -> None:
    conn = connect("ms")
    items = [Item("ms", conn.credentials.create(f"once-{i}").id) for i in range(5)]
    emulator = lab.emulators["mailersend"]
    emulator.requests.clear()
    outcomes = rotate_many(items, connect, concurrency=2)
    assert all(o.ok for o in outcomes)
    assert emulator.count("GET", r"/smtp-users$") == 1
    # per rotation: read the login, create its replacement, retire it
    assert len(emulator.requests) == 1 + 5 * 3


def test_an_in_place_rotation_reads_the_credential_once(lab: Lab, connect: Connect) -> None:
    conn = connect("relay")
    items = [Item("relay", conn.credentials.create(f"view-once-{i}").id) for i in range(3)]
    emulator = lab.emulators["smtp2go"]
    emulator.requests.clear()
    assert all(o.ok for o in rotate_many(items, connect, concurrency=1))
    assert emulator.count("POST", r"/users/smtp/view$") == 3
    assert emulator.count("PATCH", r"/users/smtp/edit$") == 3


@pytest.mark.parametrize(("issuer", "expected"), [
    # in place (one item per credential): the record read, pending written + read back, the
    # promoted record written + read back
    ("relay", {"read": 3, "write": 2, "delete": 0}),
    # replace: the same, since the credential keeps one record whatever its ids (docs/concepts.md):
    # the record read, the returned password written as pending (with the new id) + read back, the
    # promoted record (new id, old login as previous) written + read back; nothing to remove
    ("ms", {"read": 3, "write": 2, "delete": 0}),
])
def test_a_rotation_makes_only_the_keyring_calls_safety_needs(lab: Lab, connect: Connect, issuer: str,
                                                              expected: dict[str, int]) -> None:
    """Each Secret Service call costs tens of milliseconds (docs/reference/keyring-backends.md §3)."""
    from smtpcreds.rotation.engine import Rotator
    from smtpcreds.store.keyring import calls

    conn = connect(issuer)
    ref = conn.credentials.create("keyring-calls").id
    conn.store.check_writable()  # the once-per-connection canary, not part of a rotation
    before = dict(calls.op_count)
    assert Rotator(conn).rotate(ref).status == "done"
    assert {k: calls.op_count[k] - before[k] for k in before} == expected


def test_a_second_credential_of_a_name_is_refused(connect: Connect) -> None:
    """A name identifies one credential (docs/concepts.md): creating a second login of a name the
    profile's credential bears is refused (exit 2) before anything is created."""
    conn = connect("ms")
    first = conn.credentials.create("shared-name")
    with pytest.raises(ConfigError, match=f"already has a credential named 'shared-name' \\({first.id} "):
        conn.credentials.create("shared-name")
    assert [c.id for c in conn.credentials.list()] == [first.id]


def test_a_second_login_bearing_a_credentials_name_is_not_rotated(lab: Lab, connect: Connect) -> None:
    """A login made at the provider under the name of a credential smtpcreds manages is not that
    credential: rotating it by its id is refused (exit 2, naming both), the batch's other item goes
    on, and nothing of the twin changes (its rotation would have written the credential's record)."""
    conn = connect("ms")
    first = conn.credentials.create("shared-name")
    emulator = lab.emulators["mailersend"]
    [twin] = emulator.seed_smtp_users(1, prefix="shared-name")
    with emulator.lock:  # the same name exactly
        for users in emulator.smtp_users.values():
            if twin in users:
                users[twin].name = "shared-name"
    outcomes = rotate_many([Item("ms", first.id), Item("ms", twin)], connect, concurrency=1)
    assert outcomes[0].ok and outcomes[0].result is not None
    error = outcomes[1].error
    assert isinstance(error, ConfigError) and error.exit_code == 2
    assert twin in error.message and outcomes[0].result.new_credential in error.message
    assert {c.id for c in conn.credentials.list()} == {outcomes[0].result.new_credential, twin}
    assert conn.store.record("shared-name").id == outcomes[0].result.new_credential

def test_finished_journals_are_archived_and_lookups_see_only_live_ones(tmp_path: Path) -> None:
    journals = JournalStore(FileJournals(tmp_path))
    done = Journal(id="r1-done", profile="p", provider="x", ref="a", name="a", strategy="in-place",
                   status="done", retired=True)
    journals.save(done)
    assert FileJournals(tmp_path).path("r1-done") == tmp_path / "done" / "r1-done.json"
    assert journals.open_for("p", "a") is None and journals.live() == []
    running = Journal(id="r2-running", profile="p", provider="x", ref="b", name="b", strategy="replace")
    journals.save(running)
    found = journals.open_for("p", "b")
    assert found is not None and found.id == "r2-running"
    running.status = "done"
    journals.save(running)
    assert journals.open_for("p", "b") is None
    assert journals.unretired_for("p", "b") is not None  # done, replace, old login kept: still live
    running.retired = True
    journals.save(running)
    assert journals.unretired_for("p", "b") is None
    assert not (tmp_path / "r2-running.json").exists()
    assert [j.id for j in journals.all()] == ["r1-done", "r2-running"]
    assert journals.load("r2-running").retired


@pytest.mark.parametrize(("status", "strategy", "retired", "live"), [
    ("running", "in-place", False, True), ("failed", "replace", False, True), ("done", "replace", False, True),
    ("done", "replace", True, False), ("done", "in-place", True, False), ("aborted", "replace", False, False)])
def test_a_journal_is_live_exactly_while_it_can_change(tmp_path: Path, status: str, strategy: str,
                                                       retired: bool, live: bool) -> None:
    journals = JournalStore(FileJournals(tmp_path))
    journals.save(Journal(id="r1", profile="p", provider="x", ref="c", new_id="n", name="n",
                          strategy=strategy, status=status, retired=retired))  # type: ignore[arg-type]
    assert [j.id for j in journals.live()] == (["r1"] if live else [])
    assert [j.id for j in journals.all()] == ["r1"]


def test_a_finished_journal_left_live_by_an_older_version_or_a_crash_is_archived_on_sight(
        tmp_path: Path) -> None:
    journals = JournalStore(FileJournals(tmp_path))
    old = Journal(id="r1", profile="p", provider="x", ref="c", name="n", strategy="in-place", status="done",
                  retired=True)
    (tmp_path / "r1.json").write_text(old.model_dump_json())  # as versions before the archive wrote it
    stale = Journal(id="r2", profile="p", provider="x", ref="d", name="n", strategy="in-place")
    (tmp_path / "r2.json").write_text(stale.model_dump_json())  # a crash between archive and unlink
    stale.status, stale.retired = "done", True
    journals.save(stale)
    (tmp_path / "r2.json").write_text(stale.model_copy(update={"status": "running"}).model_dump_json())
    assert journals.open_for("p", "c") is None and journals.open_for("p", "d") is None
    assert sorted(p.name for p in tmp_path.glob("r*.json")) == []
    assert sorted(p.name for p in (tmp_path / "done").glob("r*.json")) == ["r1.json", "r2.json"]
    assert journals.load("r2").status == "done"


@pytest.mark.parametrize(("text", "seconds"), [("90d", 90 * 86400), ("12h", 43200), ("2w", 14 * 86400),
                                               ("30m", 1800)])
def test_parse_age(text: str, seconds: int) -> None:
    assert parse_age(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "90", "d", "-3d", "1y", "1.5d"])
def test_parse_age_rejects_bad_values(text: str) -> None:
    with pytest.raises(ValueError, match="90d"):
        parse_age(text)
