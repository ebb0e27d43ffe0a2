"""One contract for every store backend: each store operation, run on the keyring and on a real
OpenBao server (KV v2, check-and-set)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from smtpcreds.client import secret_store, store_backend
from smtpcreds.errors import SecretStoreError
from smtpcreds.models import SmtpLogin
from smtpcreds.store import SecretStore, Slot


@pytest.fixture(params=["keyring", "vault"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "vault":
        request.getfixturevalue("vault_env")
    return str(request.param)


def login(pw: str, user: str = "user@example.com") -> SmtpLogin:
    return SmtpLogin(host="smtp.example.com", port=587, username=user, password=SecretStr(pw))


def pw(store: SecretStore, ref: str, slot: Slot = "current") -> str | None:
    got = store.get(ref, slot)
    return None if got is None else got.password.get_secret_value()


def test_the_backend_is_the_configured_one(backend: str) -> None:
    assert secret_store("relay").backend.name == backend


def test_slots_put_get_delete(backend: str) -> None:
    store = secret_store("relay")
    assert store.get("u@x") is None
    store.put("u@x", login("current-pass-0001"))
    store.put("u@x", login("pending-pass-0001"), "pending")
    assert (pw(store, "u@x"), pw(store, "u@x", "pending"), pw(store, "u@x", "previous")) == (
        "current-pass-0001", "pending-pass-0001", None)
    assert store.delete("u@x", "pending") and not store.delete("u@x", "pending")
    assert pw(secret_store("relay"), "u@x") == "current-pass-0001"


def test_promote_and_its_idempotence(backend: str) -> None:
    store = secret_store("relay")
    store.put("u", login("old-pass-00001"))
    store.put("u", login("new-pass-00001"), "pending")
    store.promote("u")
    store.promote("u")
    fresh = secret_store("relay")
    assert (pw(fresh, "u"), pw(fresh, "u", "previous"), pw(fresh, "u", "pending")) == (
        "new-pass-00001", "old-pass-00001", None)


def test_a_new_record_and_forget(backend: str) -> None:
    store = secret_store("relay")
    store.put("fresh", login("fresh-pass-0001"), "pending", new=True)
    assert pw(secret_store("relay"), "fresh", "pending") == "fresh-pass-0001"
    assert store.forget("fresh") and not secret_store("relay").forget("fresh")
    assert secret_store("relay").get("fresh", "pending") is None


def test_profiles_are_separate(backend: str) -> None:
    secret_store("relay").put("u", login("relay-pass-0001"))
    assert secret_store("ms").get("u") is None


def test_blobs(backend: str) -> None:
    store = secret_store("pbx")
    assert store.get_blob("session") is None
    store.put_blob("session", '{"token": "abc"}')
    assert secret_store("pbx").get_blob("session") == '{"token": "abc"}'
    assert store.delete_blob("session") and store.get_blob("session") is None


def test_profile_secrets(backend: str) -> None:
    secrets = store_backend().profile_secrets()
    assert secrets.get("relay:api_key") is None
    secrets.put("relay:api_key", "api-key-value-0001")
    assert store_backend().profile_secrets().get("relay:api_key") == "api-key-value-0001"
    assert secrets.delete("relay:api_key")
    assert secrets.get("relay:api_key") is None


def test_write_check(backend: str) -> None:
    secret_store("relay").check_writable()


def test_a_change_made_elsewhere_meanwhile_is_never_overwritten(backend: str) -> None:
    """Inside a rotation (caching) a record is changed on the version read; the vault store
    detects that another process wrote meanwhile (check-and-set) and stops."""
    mine, theirs = secret_store("relay"), secret_store("relay")
    mine.put("u", login("first-pass-00001"))
    with mine.caching():
        mine.get("u")
        theirs.put("u", login("theirs-pending-01"), "pending")
        if backend == "vault":
            with pytest.raises(SecretStoreError, match="changed by another process"):
                mine.put("u", login("mine-pending-001"), "pending")
            assert pw(secret_store("relay"), "u", "pending") == "theirs-pending-01"
        else:  # the keyring has no versions: the rotation lease keeps other writers away
            mine.put("u", login("mine-pending-001"), "pending")


def test_write_checks_of_many_connections_at_once_all_pass(backend: str) -> None:
    """A bulk rotation opens a connection per worker; their write checks hit one entry together."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: secret_store("relay").check_writable(), range(16)))


def test_finished_journals_are_archived_out_of_the_live_list(backend: str) -> None:
    from smtpcreds.rotation.journal import Journal, journal_store, make_rotation_id

    store = journal_store()
    j = Journal(id=make_rotation_id(), profile="relay", provider="smtp2go", ref="u", name="u", strategy="in-place")
    store.save(j)
    assert [x.id for x in store.live()] == [j.id]
    j.status, j.retired = "done", True
    store.save(j)
    assert store.live() == [] and [x.id for x in store.all()] == [j.id]
    assert journal_store().load(j.id).status == "done"


def test_a_rotations_journal_is_found_by_its_credential_and_only_while_live(backend: str) -> None:
    """The look-up every plan makes (journal.JournalStore.open_for / unretired_for, through
    JournalDocs.live_for): it finds the live journal of its credential, not another's."""
    from smtpcreds.rotation.journal import Journal, journal_store, make_rotation_id

    store = journal_store()
    mine = Journal(id=make_rotation_id(), profile="relay", provider="mailersend", ref="old-id", name="app",
                   strategy="replace")
    other = Journal(id=make_rotation_id(), profile="relay", provider="mailersend", ref="other", name="other",
                    strategy="replace")
    for j in (mine, other):
        with store.lease(j):  # a rotation saves holding its credential's lease
            store.save(j)
    assert [j.id for j in store.live_for("relay", "app") if j.name == "app"] == [mine.id]
    found = journal_store().open_for("relay", "app")  # another process
    assert found is not None and found.id == mine.id
    assert journal_store().open_for("ms", "app") is None
    with store.lease(mine):
        mine.new_id, mine.status = "new-id", "done"  # replace, old login kept (--keep-old): live
        store.save(mine)
    kept = journal_store().unretired_for("relay", "app")
    assert kept is not None and kept.id == mine.id
    assert journal_store().open_for("relay", "app") is None
    with store.lease(mine):
        mine.retired = True
        store.save(mine)
    assert journal_store().unretired_for("relay", "app") is None
    assert mine.id not in [j.id for j in journal_store().live_for("relay", "app")]  # finished: not live
    assert [j.id for j in journal_store().live()] == [other.id]
