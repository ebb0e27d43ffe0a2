"""The keyring store: slots, read-back, refusal of unsafe backends."""

from __future__ import annotations

import pytest
from keyring.backends import fail
from pydantic import SecretStr

from smtpcreds.client import secret_store
from smtpcreds.errors import SecretStoreError
from smtpcreds.models import SmtpLogin
from smtpcreds.store import reset_backend_check
from smtpcreds.testing.support import MemoryKeyring


def login(pw: str = "S3cret-pass-word-xyz") -> SmtpLogin:
    return SmtpLogin(host="smtp.example.com", port=587, username="user@example.com", password=SecretStr(pw))


def test_a_login_round_trips_as_json_in_the_current_slot(memory_keyring: MemoryKeyring) -> None:
    store = secret_store("relay")
    store.put("user1", login())
    got = store.get("user1")
    assert got is not None and got.password.get_secret_value() == "S3cret-pass-word-xyz"
    assert ("smtpcreds/relay", "user1") in memory_keyring.store


def test_slots_are_one_record_in_one_entry(memory_keyring: MemoryKeyring) -> None:
    import json

    store = secret_store("relay")
    store.put("u", login("current-pass-1234"), "current")
    store.put("u", login("pending-pass-1234"), "pending")
    assert set(memory_keyring.entries("smtpcreds/relay")) == {"u"}
    doc = json.loads(memory_keyring.entries("smtpcreds/relay")["u"])
    assert (doc["current"]["password"], doc["pending"]["password"], doc["previous"]) == (
        "current-pass-1234", "pending-pass-1234", None)


def test_promote_moves_current_to_previous_and_pending_to_current(memory_keyring: MemoryKeyring) -> None:
    store = secret_store("relay")
    store.put("u", login("old-password-1234"))
    store.put("u", login("new-password-1234"), "pending")
    store.promote("u")
    assert store.get("u").password.get_secret_value() == "new-password-1234"  # type: ignore[union-attr]
    assert store.get("u", "previous").password.get_secret_value() == "old-password-1234"  # type: ignore[union-attr]
    assert store.get("u", "pending") is None
    store.promote("u")  # idempotent
    assert store.get("u").password.get_secret_value() == "new-password-1234"  # type: ignore[union-attr]


def test_a_write_that_reads_back_differently_is_refused(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.corrupt_writes = True
    with pytest.raises(SecretStoreError, match="read-back differs"):
        secret_store("relay").put("u", login())


def test_an_exception_mid_write_is_a_secret_store_error(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.fail_next = RuntimeError("dbus went away")
    with pytest.raises(SecretStoreError, match="dbus went away"):
        secret_store("relay").put("u", login())


def test_a_locked_keyring_is_refused_with_how_to_fix(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.locked = True
    secret_store("relay").check()  # no keyring call: the first read or write tells
    with pytest.raises(SecretStoreError, match="Unlock it"):
        secret_store("relay").get("u")
    with pytest.raises(SecretStoreError, match="Unlock it"):
        secret_store("relay").put("u", login())


def test_a_locked_keyring_is_refused_even_with_insecure_opt_in(memory_keyring: MemoryKeyring,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_ALLOW_INSECURE_KEYRING", "1")
    memory_keyring.locked = True
    with pytest.raises(SecretStoreError, match="Unlock it"):
        secret_store("relay", allow_insecure=True).put("u", login())


def test_the_fail_backend_is_refused() -> None:
    import keyring

    keyring.set_keyring(fail.Keyring())
    reset_backend_check()
    with pytest.raises(SecretStoreError, match="no usable keyring"):
        secret_store("relay").check()


def test_a_plaintext_fallback_is_refused_unless_opted_in(tmp_path: object,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path) + "/plain.cfg"  # type: ignore[misc]
    keyring.set_keyring(kr)
    reset_backend_check()
    with pytest.raises(SecretStoreError, match="plaintext or fallback"):
        secret_store("relay").put("u", login())
    monkeypatch.setenv("SMTPCREDS_ALLOW_INSECURE_KEYRING", "1")
    secret_store("relay").put("u", login())
    assert secret_store("relay").get("u") is not None


def test_insecure_opt_in_through_config_flag() -> None:
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    keyring.set_keyring(PlaintextKeyring())
    reset_backend_check()
    secret_store("relay", allow_insecure=True).check()


def test_repr_of_a_login_masks_the_password() -> None:
    assert "S3cret" not in repr(login()) and "S3cret" not in str(login())


def test_keyring_calls_are_serialized_across_threads(memory_keyring: MemoryKeyring) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store = secret_store("relay")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: store.put(f"u{i}", login(f"password-number-{i:04d}")), range(50)))
    assert len(memory_keyring.entries("smtpcreds/relay")) == 50
