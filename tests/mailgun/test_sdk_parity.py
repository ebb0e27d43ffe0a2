"""Parity with the official Mailgun SDK (``mailgun`` 1.10), recorded in data/sdk-requests.json.

1. The SDK, replayed against the emulator, sends exactly the recorded requests and gets the
   recorded (successful) answers: the emulator answers the SDK, and the recording is current.
2. smtpcreds sends the same method, path, query, body kind, body fields and auth kind for every
   operation. Deliberate differences, with the reason:

   * listing everything: we send ``limit=100&skip=0`` and follow with ``skip`` until
     ``total_count``; the SDK sends no query (the server's defaults are limit 100, skip 0), so
     the recorded query is compared with those defaults filled in;
   * showing one credential: Mailgun has no single-credential GET, so we read the list (the
     same request as the SDK's list) and search it;
   * a login given as a local part (``alice``): we send the full address in ``login``, as the
     SDK's own examples do, so the credential id never depends on how it was typed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from smtpcreds_mailgun.emulator import MailgunEmulator

from smtpcreds.client import Connection

if sys.version_info < (3, 11):  # the official SDK (mailgun 1.10) requires 3.11; CI runs 3.11
    pytest.skip("the official Mailgun SDK needs Python 3.11 or newer", allow_module_level=True)


def _load_recording() -> ModuleType:
    """The recording script, loaded by path (tests/mailgun is not a package: it would shadow ``mailgun``)."""
    path = Path(__file__).resolve().parent / "sdk_recording.py"
    spec = importlib.util.spec_from_file_location("mailgun_sdk_recording", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sdk_recording = _load_recording()
DATA, LOGIN, describe = sdk_recording.DATA, sdk_recording.LOGIN, sdk_recording.describe

RECORDED: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))["operations"]
#: reference: docs/reference/mailgun.md §Endpoints: the list's documented defaults
LIST_DEFAULTS = {"limit": "100", "skip": "0"}


def expected(name: str) -> dict[str, Any]:
    req = dict(RECORDED[name]["request"])
    if req["method"] == "GET":
        req["query"] = {**LIST_DEFAULTS, **req["query"]}
    return req


def ours(emu: MailgunEmulator, call: Callable[[], Any]) -> list[dict[str, Any]]:
    emu.requests.clear()
    call()
    return [describe(r) for r in emu.requests]


def test_the_recording_covers_every_operation_smtpcreds_implements() -> None:
    assert set(RECORDED) == {"create", "list", "list_page", "set_password", "delete"}
    assert {r["status"] for r in RECORDED.values()} == {200}


def test_the_sdk_replayed_against_the_emulator_sends_and_gets_what_was_recorded() -> None:
    with MailgunEmulator() as emu:
        assert sdk_recording.record(emu) == RECORDED


def test_create_sends_what_the_sdk_sends(conn: Connection, emulator: MailgunEmulator) -> None:
    assert ours(emulator, lambda: conn.credentials.create(LOGIN)) == [expected("create")]


def test_create_from_a_local_part_sends_the_full_login(conn: Connection, emulator: MailgunEmulator) -> None:
    assert ours(emulator, lambda: conn.credentials.create("alice")) == [expected("create")]


def test_list_sends_the_sdk_list_with_the_default_paging_spelled_out(
        conn: Connection, emulator: MailgunEmulator) -> None:
    assert ours(emulator, lambda: list(conn.credentials.list())) == [expected("list")]


def test_one_page_sends_the_sdk_limit_and_skip(conn: Connection, emulator: MailgunEmulator) -> None:
    assert ours(emulator, lambda: list(conn.credentials.list(limit=2, page=2))) == [expected("list_page")]


def test_show_sends_the_sdk_list(conn: Connection, emulator: MailgunEmulator) -> None:
    emulator.add_credential(LOGIN, "Seeded-Password-123")
    assert ours(emulator, lambda: conn.credentials.get(LOGIN)) == [expected("list")]


@pytest.mark.parametrize("ref", [LOGIN, "alice"])
def test_set_password_puts_to_the_local_part_as_the_sdk_does(
        conn: Connection, emulator: MailgunEmulator, ref: str) -> None:
    emulator.add_credential(LOGIN, "Seeded-Password-123")
    assert ours(emulator, lambda: conn.provider.set_password(ref, _pw())) == [expected("set_password")]


@pytest.mark.parametrize("ref", [LOGIN, "alice"])
def test_delete_targets_the_local_part_as_the_sdk_does(conn: Connection, emulator: MailgunEmulator,
                                                       ref: str) -> None:
    emulator.add_credential(LOGIN, "Seeded-Password-123")
    assert ours(emulator, lambda: conn.provider.delete_credential(ref)) == [expected("delete")]


def _pw() -> Any:
    from pydantic import SecretStr

    return SecretStr("A" * 32)
