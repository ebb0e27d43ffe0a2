"""Parity with the official SendGrid SDK (``sendgrid`` 6.12), recorded in data/sdk-requests.json.

1. The SDK, replayed against the emulator, sends exactly the recorded requests and gets the
   recorded answers (status and fields): the emulator answers the SDK, and the recording is current.
2. smtpcreds sends the same method, path, query, JSON body and auth kind for every operation
   (paths are below ``/v3``, which both put in the root). Deliberate differences, with the reason:

   * listing: we send ``limit=100`` (the SDK's documented ``query_params`` example, recorded as
     ``list_limit``); the plain SDK call sends none. An account holds at most 100 keys, so one
     request returns them all whatever the server's default page size is.
   * create: the same body; the SDK leaves ``scopes`` to the caller, we always send
     ``["mail.send"]`` (without it SendGrid makes a full-access key).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from smtpcreds_sendgrid.emulator import SendGridEmulator

from smtpcreds.client import Connection


def _load_recording() -> ModuleType:
    """The recording script, loaded by path (tests/sendgrid is not a package: it would shadow ``sendgrid``)."""
    path = Path(__file__).resolve().parent / "sdk_recording.py"
    spec = importlib.util.spec_from_file_location("sendgrid_sdk_recording", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sdk_recording = _load_recording()
RECORDED: dict[str, Any] = json.loads(sdk_recording.DATA.read_text(encoding="utf-8"))["operations"]


def ours(emu: SendGridEmulator, call: Callable[[], Any], key_id: str | None = None) -> list[dict[str, Any]]:
    emu.requests.clear()
    call()
    return [sdk_recording.describe(r, key_id) for r in emu.requests]


def expected(name: str) -> dict[str, Any]:
    req: dict[str, Any] = RECORDED[name]["request"]
    return req


def test_the_recording_covers_every_operation_smtpcreds_implements() -> None:
    assert set(RECORDED) == {"create", "list", "list_limit", "show", "delete"}
    assert RECORDED["create"]["status"] == 201 and RECORDED["delete"]["status"] == 204
    assert RECORDED["create"]["answer_keys"] == ["api_key", "api_key_id", "name", "scopes"]


def test_the_sdk_replayed_against_the_emulator_sends_and_gets_what_was_recorded() -> None:
    with SendGridEmulator() as emu:
        assert sdk_recording.record(emu) == RECORDED


def test_create_sends_what_the_sdk_sends(conn: Connection, emulator: SendGridEmulator) -> None:
    assert ours(emulator, lambda: conn.provider.create_credential(sdk_recording.NAME)) == [expected("create")]


def test_a_create_through_the_core_lists_first_then_sends_the_sdk_create(
        conn: Connection, emulator: SendGridEmulator) -> None:
    """The list is the core's: the ids named so before the create tell an orphan apart later."""
    assert ours(emulator, lambda: conn.credentials.create(sdk_recording.NAME)) == [
        expected("list_limit"), expected("create")]


def test_list_sends_the_sdk_list_with_the_limit(conn: Connection, emulator: SendGridEmulator) -> None:
    assert ours(emulator, lambda: list(conn.credentials.list())) == [expected("list_limit")]


def test_show_sends_what_the_sdk_sends(conn: Connection, emulator: SendGridEmulator) -> None:
    key_id, _ = emulator.add_key("billing", ["mail.send"])
    assert ours(emulator, lambda: conn.credentials.get(key_id), key_id) == [expected("show")]


def test_delete_sends_what_the_sdk_sends(conn: Connection, emulator: SendGridEmulator) -> None:
    key_id, _ = emulator.add_key("billing", ["mail.send"])
    assert ours(emulator, lambda: conn.provider.delete_credential(key_id), key_id) == [expected("delete")]
