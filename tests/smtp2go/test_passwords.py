"""Passwords are chosen by the core and kept in the keyring before SMTP2GO hears of them.

SMTP2GO generates a password when add is sent without one, but then it exists only in the
answer (reference: docs/reference/smtp2go.md §4 email_password). So a create always
sends a password that is already pending in the keyring, and a password set through the
``email_password`` option moves through the keyring the same way as a rotation's. The plugin
never touches the keyring: the core (smtpcreds.newsecret) does, and these tests go through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from smtpcreds_smtp2go.emulator import Smtp2goEmulator
from smtpcreds_smtp2go.provider import Smtp2goProvider

import smtpcreds
from smtpcreds.client import Connection
from smtpcreds.emulator.http import Request, Response
from smtpcreds.errors import NotFound, TransportError, ValidationError
from smtpcreds.models import SmtpLogin
from smtpcreds.passwords import entropy_bits
from smtpcreds.testing.support import MemoryKeyring

from .conftest import STRONG, USER, make_connection, make_provider, sent

NEW = "Another-Fake-Passw0rd-42"


class WatchedEmulator(Smtp2goEmulator):
    """Notes the profile's keyring entries (slot -> password) when an add or an edit arrives."""

    def __init__(self, keyring: MemoryKeyring, service: str) -> None:
        super().__init__()
        self.keyring, self.service = keyring, service
        self.seen: list[dict[str, str]] = []

    def _note(self) -> None:
        from smtpcreds.store.record import logins_in

        entries = self.keyring.entries(self.service)  # slot "current" as <id>, others as <id>#<slot>
        self.seen.append({user if slot == "current" else f"{user}#{slot}": doc["password"]
                          for user, raw in entries.items() for slot, doc in logins_in(raw).items()})

    def add(self, req: Request) -> Response:
        self._note()
        return super().add(req)

    def patch(self, req: Request) -> Response:
        self._note()
        return super().patch(req)


@pytest.fixture
def watched(memory_keyring: MemoryKeyring) -> Iterator[WatchedEmulator]:
    with WatchedEmulator(memory_keyring, "smtpcreds/test") as emu:
        yield emu


@pytest.fixture
def watched_core(watched: WatchedEmulator) -> Iterator[Connection]:
    with make_connection(watched) as conn:
        yield conn


@pytest.fixture
def core(emulator: Smtp2goEmulator) -> Iterator[Connection]:
    with make_connection(emulator) as conn:
        yield conn


def stored(conn: Connection, slot: Any = "current") -> str | None:
    login = conn.store.get(USER, slot)
    return None if login is None else login.password.get_secret_value()


def test_create_without_a_password_sends_a_generated_one_kept_pending_first(
        watched_core: Connection, watched: WatchedEmulator) -> None:
    cred = watched_core.credentials.create(USER)
    [body] = sent(watched, "POST", "/users/smtp/add")
    password = body["email_password"]
    assert entropy_bits(password) >= 128
    assert watched.seen == [{f"{USER}#pending": password}]
    assert cred.password is not None and cred.password.get_secret_value() == password
    assert (stored(watched_core), stored(watched_core, "pending")) == (password, None)
    assert watched.user(USER)["email_password"] == password


def test_create_with_the_password_option_keeps_it_pending_first(watched_core: Connection,
                                                                 watched: WatchedEmulator) -> None:
    watched_core.credentials.create(USER, email_password=STRONG)
    assert sent(watched, "POST", "/users/smtp/add") == [{"username": USER, "email_password": STRONG}]
    assert watched.seen == [{f"{USER}#pending": STRONG}]
    assert stored(watched_core) == STRONG


def test_the_plugin_itself_never_touches_the_keyring(watched: WatchedEmulator,
                                                     memory_keyring: MemoryKeyring) -> None:
    p = make_provider(watched)
    p.create_credential(USER, password=SecretStr(STRONG))
    p.set_password(USER, SecretStr(NEW))
    assert watched.seen == [{}, {}]
    assert memory_keyring.entries("smtpcreds/test") == {}


def test_the_plugin_refuses_a_create_without_the_cores_password(provider: Smtp2goProvider,
                                                                emulator: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="password the core chose"):
        provider.create_credential(USER)
    with pytest.raises(ValidationError, match="through the core"):
        provider.create_credential(USER, password=SecretStr(STRONG), options={"email_password": STRONG})
    assert emulator.count() == 0


def test_create_refused_by_smtp2go_leaves_no_pending_password(core: Connection,
                                                              seeded: Smtp2goEmulator) -> None:
    with pytest.raises(ValidationError, match="already in use"):
        core.credentials.create(USER)
    assert (stored(core), stored(core, "pending")) == (None, None)


def test_create_without_an_answer_keeps_the_pending_password_and_reuses_it(
        core: Connection, emulator: Smtp2goEmulator) -> None:
    emulator.faults.inject(path="/users/smtp/add", drop=True)
    with pytest.raises(TransportError):
        core.credentials.create(USER)
    [lost] = sent(emulator, "POST", "/users/smtp/add")
    assert stored(core, "pending") == lost["email_password"]
    core.credentials.create(USER)
    assert sent(emulator, "POST", "/users/smtp/add")[1]["email_password"] == lost["email_password"]
    assert (stored(core), stored(core, "pending")) == (lost["email_password"], None)


def test_update_password_without_an_answer_keeps_it_pending(core: Connection, seeded: Smtp2goEmulator) -> None:
    seeded.faults.inject(path="/users/smtp/edit", drop=True, times=None)
    with pytest.raises(TransportError):
        core.credentials.update(USER, email_password=NEW)
    assert stored(core, "pending") == NEW


def test_connect_create_generates_128_bits_kept_pending_before_the_add(
        memory_keyring: MemoryKeyring) -> None:
    with WatchedEmulator(memory_keyring, "smtpcreds/relay") as emu, smtpcreds.connect(
            "relay", **emu.client_profile()) as relay:
        cred = relay.credentials.create(USER)
        [body] = sent(emu, "POST", "/users/smtp/add")
        assert entropy_bits(body["email_password"]) >= 128
        assert emu.seen == [{f"{USER}#pending": body["email_password"]}]
        assert cred.password is not None and cred.password.get_secret_value() == body["email_password"]
        assert smtpcreds.stored_login("relay", USER).password.get_secret_value() == body["email_password"]


def test_password_option_on_update_moves_through_the_keyring(watched_core: Connection,
                                                             watched: WatchedEmulator) -> None:
    watched.add_user(USER, STRONG)
    host, port, security = watched_core.provider.smtp_endpoint()
    old = SmtpLogin(host=host, port=port, security=security, username=USER, password=SecretStr(STRONG))
    watched_core.store.put(USER, old)
    watched_core.credentials.update(USER, email_password=NEW)
    assert sent(watched, "PATCH") == [{"username": USER, "email_password": NEW}]
    assert watched.seen == [{USER: STRONG, f"{USER}#pending": NEW}]
    assert (stored(watched_core), stored(watched_core, "previous")) == (NEW, STRONG)
    assert stored(watched_core, "pending") is None


def test_password_option_for_an_unknown_user_leaves_the_keyring_as_it_was(core: Connection) -> None:
    with pytest.raises(NotFound):
        core.credentials.update(USER, email_password=NEW)
    assert (stored(core), stored(core, "pending")) == (None, None)


def test_weak_password_option_touches_neither_smtp2go_nor_the_keyring(
        core: Connection, seeded: Smtp2goEmulator, memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(ValidationError, match="entropy"):
        core.credentials.update(USER, email_password="Summer2024")
    assert seeded.count() == 0
    assert memory_keyring.entries("smtpcreds/test") == {}
