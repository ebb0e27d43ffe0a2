"""Parity with the official Mailtrap SDK (``mailtrap`` 2.11), recorded in data/sdk-requests.json.

The SDK reaches its general API only over https on a host it is given, so the recording runs it
through a TLS front with a test CA (sdk_recording.py, tls_front.py).

1. The SDK, replayed against the emulator, sends exactly the recorded requests and gets the
   recorded answers (status and fields): the emulator answers the SDK, and the recording is current.
2. smtpcreds sends the same method, path, query, JSON body and auth kind for create, list, show
   and delete. Deliberate differences, with the reason:

   * creating: the SDK's documented call leaves ``expires_at`` out (recorded as ``create``), which
     gives the token the server's one year (docs/reference/mailtrap.md §4); smtpcreds always sends
     it, ``null`` by default (the SDK's ``expires_at=None``, recorded as ``create_never_expires``)
     or a date-time from ``token_lifetime_days`` (``create_expiring``).
   * headers: the SDK sends ``Content-Type: application/json`` and ``Accept: */*`` on every request,
     bodies or not; we send ``Content-Type`` only with a body and ``Accept: application/json``.
     Neither changes what the server does; the comparison reads body kinds, not headers.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from smtpcreds_mailtrap.emulator import DOMAIN_ID, MailtrapEmulator

from smtpcreds.client import Connection, connect


def _load_recording() -> ModuleType:
    """The recording script, loaded by path (tests/mailtrap is not a package: it would shadow ``mailtrap``)."""
    path = Path(__file__).resolve().parent / "sdk_recording.py"
    spec = importlib.util.spec_from_file_location("mailtrap_sdk_recording", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


sdk_recording = _load_recording()
RECORDED: dict[str, Any] = json.loads(sdk_recording.DATA.read_text(encoding="utf-8"))["operations"]


def ours(emu: MailtrapEmulator, call: Callable[[], Any], token_id: int | None = None) -> list[dict[str, Any]]:
    emu.requests.clear()
    call()
    return [sdk_recording.describe(r, token_id) for r in emu.requests]


def expected(name: str) -> dict[str, Any]:
    req: dict[str, Any] = RECORDED[name]["request"]
    return req


def test_the_recording_covers_every_operation_smtpcreds_implements() -> None:
    assert set(RECORDED) == {"create", "create_never_expires", "create_expiring", "list", "get", "delete"}
    assert {RECORDED[n]["status"] for n in RECORDED if n != "delete"} == {200}
    assert RECORDED["delete"]["status"] == 204 and RECORDED["delete"]["answer_keys"] is None
    assert "token" in RECORDED["create"]["answer_keys"] and "token" not in RECORDED["list"]["answer_keys"]
    assert "expires_at" not in RECORDED["create"]["request"]["body"]  # what the first difference is about


def test_the_sdk_replayed_over_tls_against_the_emulator_sends_and_gets_what_was_recorded() -> None:
    with MailtrapEmulator() as emu:
        emu.rate_limit_per_minute = None
        assert sdk_recording.record(emu) == RECORDED


def test_create_sends_the_sdk_create_with_expires_at_null(conn: Connection, emulator: MailtrapEmulator) -> None:
    assert ours(emulator, lambda: conn.provider.create_credential(sdk_recording.NAME)) == [
        expected("create_never_expires")]


def test_create_with_a_lifetime_sends_the_sdk_create_with_a_date_time(profile_fields: dict[str, Any],
                                                                      emulator: MailtrapEmulator) -> None:
    fields = {**profile_fields, "token_lifetime_days": 30}
    with connect("mt", provider=fields.pop("provider"), **fields) as c:
        assert ours(emulator, lambda: c.provider.create_credential(sdk_recording.NAME)) == [
            expected("create_expiring")]


def test_a_create_through_the_core_lists_first_then_sends_the_sdk_create(
        conn: Connection, emulator: MailtrapEmulator) -> None:
    """The list is the core's: the ids named so before the create tell an orphan apart later."""
    assert ours(emulator, lambda: conn.credentials.create(sdk_recording.NAME)) == [
        expected("list"), expected("create_never_expires")]


def test_list_sends_what_the_sdk_sends(conn: Connection, emulator: MailtrapEmulator) -> None:
    assert ours(emulator, lambda: list(conn.credentials.list())) == [expected("list")]


def test_show_sends_what_the_sdk_sends(conn: Connection, emulator: MailtrapEmulator) -> None:
    resources = [{"resource_type": "domain", "resource_id": DOMAIN_ID, "access_level": 100}]
    token_id, _ = emulator.add_token("billing", resources, None)
    assert ours(emulator, lambda: conn.credentials.get(str(token_id)), token_id) == [expected("get")]


def test_delete_sends_what_the_sdk_sends(conn: Connection, emulator: MailtrapEmulator) -> None:
    resources = [{"resource_type": "domain", "resource_id": DOMAIN_ID, "access_level": 100}]
    token_id, _ = emulator.add_token("billing", resources, None)
    assert ours(emulator, lambda: conn.provider.delete_credential(str(token_id)), token_id) == [expected("delete")]
