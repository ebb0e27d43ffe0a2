"""The one-item keyring layout, and the upgrade from the three-item layout of earlier releases.

The three-item items below are what releases before the one-item layout wrote: a bare login as
JSON under ``<id>``, ``<id>#pending`` and ``<id>#previous`` (``SmtpLogin.to_secret_json``).
"""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from smtpcreds.client import secret_store
from smtpcreds.errors import SecretStoreError
from smtpcreds.models import SmtpLogin
from smtpcreds.store import SecretStore, Slot
from smtpcreds.store.keyring import calls
from smtpcreds.testing.support import MemoryKeyring

SERVICE = "smtpcreds/relay"


def login(pw: str, user: str = "user@example.com") -> SmtpLogin:
    return SmtpLogin(host="smtp.example.com", port=587, username=user, password=SecretStr(pw))


def old_item(pw: str) -> str:
    """An item as the three-item layout stored it (verbatim shape of an earlier release's JSON)."""
    return json.dumps({"host": "smtp.example.com", "port": 587, "security": "starttls",
                       "username": "user@example.com", "password": pw,
                       "created_at": "2026-01-02T03:04:05Z", "from_address": None}, separators=(",", ":"))


def seed_old(kr: MemoryKeyring, ref: str, **slots: str) -> None:
    for slot, pw in slots.items():
        kr.store[(SERVICE, ref if slot == "current" else f"{ref}#{slot}")] = old_item(pw)


def pw(store: SecretStore, ref: str, slot: Slot = "current") -> str | None:
    got = store.get(ref, slot)
    return None if got is None else got.password.get_secret_value()


def test_three_item_layout_is_read_transparently(memory_keyring: MemoryKeyring) -> None:
    seed_old(memory_keyring, "u", current="old-current-pass-1", pending="old-pending-pass-1",
             previous="old-previous-pass-1")
    store = secret_store("relay")
    assert (pw(store, "u"), pw(store, "u", "pending"), pw(store, "u", "previous")) == (
        "old-current-pass-1", "old-pending-pass-1", "old-previous-pass-1")
    assert len(memory_keyring.store) == 3, "reading changes nothing"


def test_a_change_rewrites_three_items_as_one_and_loses_nothing(memory_keyring: MemoryKeyring) -> None:
    seed_old(memory_keyring, "u", current="old-current-pass-1", pending="old-pending-pass-1",
             previous="old-previous-pass-1")
    store = secret_store("relay")
    store.promote("u")
    assert set(memory_keyring.entries(SERVICE)) == {"u"}
    fresh = secret_store("relay")
    assert (pw(fresh, "u"), pw(fresh, "u", "pending"), pw(fresh, "u", "previous")) == (
        "old-pending-pass-1", None, "old-current-pass-1")
    assert fresh.get("u").created_at.year == 2026  # type: ignore[union-attr]


def test_a_lone_pending_item_of_an_interrupted_create_is_kept(memory_keyring: MemoryKeyring) -> None:
    seed_old(memory_keyring, "new-user", pending="lone-pending-pass-1")
    store = secret_store("relay")
    assert pw(store, "new-user", "pending") == "lone-pending-pass-1"
    store.put("new-user", login("now-current-pass-1"))
    assert set(memory_keyring.entries(SERVICE)) == {"new-user"}
    assert (pw(store, "new-user"), pw(store, "new-user", "pending")) == ("now-current-pass-1", "lone-pending-pass-1")


def test_forget_removes_every_item_of_either_layout(memory_keyring: MemoryKeyring) -> None:
    seed_old(memory_keyring, "old", current="old-current-pass-1", previous="old-previous-pass-1")
    store = secret_store("relay")
    store.put("new", login("new-current-pass-1"))
    assert store.forget("old") and store.forget("new")
    assert memory_keyring.entries(SERVICE) == {}
    assert not store.forget("new")


def test_clearing_the_last_slot_removes_the_item(memory_keyring: MemoryKeyring) -> None:
    store = secret_store("relay")
    store.put("u", login("pending-only-pass-1"), "pending")
    assert store.delete("u", "pending") and not store.delete("u", "pending")
    assert memory_keyring.entries(SERVICE) == {}


def test_promote_is_one_write_on_a_cached_record(memory_keyring: MemoryKeyring) -> None:
    store = secret_store("relay")
    store.put("u", login("current-pass-0001"))
    with store.caching():
        store.get("u")
        before = dict(calls.op_count)
        store.put("u", login("pending-pass-0001"), "pending")
        store.promote("u")
        store.promote("u")  # idempotent: nothing left to do, no call
        spent = {k: calls.op_count[k] - before[k] for k in before}
    assert spent == {"read": 2, "write": 2, "delete": 0}  # each write read back
    assert (pw(store, "u"), pw(store, "u", "previous"), pw(store, "u", "pending")) == (
        "pending-pass-0001", "current-pass-0001", None)


def test_outside_a_caching_block_reads_see_other_processes_changes(memory_keyring: MemoryKeyring) -> None:
    mine, theirs = secret_store("relay"), secret_store("relay")
    mine.put("u", login("first-pass-00001"))
    theirs.put("u", login("second-pass-0001"))
    assert pw(mine, "u") == "second-pass-0001"


def test_a_replacement_promotion_takes_the_old_login_as_previous_and_the_new_id(
        memory_keyring: MemoryKeyring) -> None:
    store = secret_store("relay")
    store.put("billing", login("old-login-pass-01"), id="old-id")
    store.put("billing", login("new-login-pass-01"), "pending", id="new-id")
    assert (store.record("billing").id, store.record("billing").pending_id) == ("old-id", "new-id")
    store.promote("billing")
    record = store.record("billing")
    assert (pw(store, "billing"), pw(store, "billing", "previous")) == ("new-login-pass-01", "old-login-pass-01")
    assert (record.id, record.pending_id) == ("new-id", None)


def test_a_failed_write_leaves_no_stale_cache(memory_keyring: MemoryKeyring) -> None:
    store = secret_store("relay")
    with store.caching():
        store.put("u", login("current-pass-0002"))
        memory_keyring.corrupt_writes = True
        with pytest.raises(SecretStoreError, match="read-back differs"):
            store.put("u", login("pending-pass-0002"), "pending")
        memory_keyring.corrupt_writes = False
        with pytest.raises(SecretStoreError, match="is not a"):
            store.get("u")  # read afresh: what the keyring really holds (a mangled item)


def test_a_record_repr_names_slots_only(memory_keyring: MemoryKeyring) -> None:
    store = secret_store("relay")
    store.put("u", login("never-in-a-repr-1"))
    assert repr(store.record("u")) == "<LoginRecord current>"
