"""Parity with the official Resend SDK (``resend`` 2.52), recorded in data/sdk-requests.json.

1. The SDK, replayed against the emulator, sends exactly the recorded requests and gets the
   recorded answers (status and fields): the emulator answers the SDK, and the recording is current.
2. smtpcreds sends the same method, path, query, JSON body and auth kind for create, list and
   delete. Deliberate differences, with the reason:

   * GET and DELETE: the SDK sends the JSON body ``{}`` (it always passes ``json=``); we send no
     body. An empty object and no body mean the same (docs/reference/resend.md §9), so the
     comparison reads ``{}`` as no body.
   * listing: we always send ``limit=100`` (the largest page) and follow ``after`` while
     ``has_more`` (docs/reference/resend.md §5), which is the SDK's ``list({"limit", "after"})``
     recorded as ``list_page``; the plain SDK call sends no ``limit``, which makes Resend answer
     every key at once, unbounded.
   * showing one key: Resend has no single-key GET (§4); we read the list, the same request.
   * creating: the same body; the SDK leaves ``permission`` to the caller, we always send
     ``sending_access`` (without it Resend makes a full-access key, §3).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from smtpcreds_resend.emulator import ResendEmulator

from smtpcreds.client import Connection


def _load_recording() -> ModuleType:
    """The recording script, loaded by path (tests/resend is not a package: it would shadow ``resend``)."""
    path = Path(__file__).resolve().parent / "sdk_recording.py"
    spec = importlib.util.spec_from_file_location("resend_sdk_recording", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sdk_recording = _load_recording()
RECORDED: dict[str, Any] = json.loads(sdk_recording.DATA.read_text(encoding="utf-8"))["operations"]


def same_without_empty_body(req: dict[str, Any]) -> dict[str, Any]:
    """The SDK's ``{}`` body on GET/DELETE read as no body (the first deliberate difference)."""
    if req["body"] == {} and req["method"] in ("GET", "DELETE"):
        return {**req, "body": None, "content_type": None}
    return req


def ours(emu: ResendEmulator, call: Callable[[], Any], key_id: str | None = None) -> list[dict[str, Any]]:
    emu.requests.clear()
    call()
    return [sdk_recording.describe(r, key_id) for r in emu.requests]


def expected(name: str, **query: str) -> dict[str, Any]:
    req = same_without_empty_body(RECORDED[name]["request"])
    return {**req, "query": {**req["query"], **query}}


def test_the_recording_covers_every_operation_smtpcreds_implements() -> None:
    assert set(RECORDED) == {"create", "list", "list_page", "delete"}
    assert RECORDED["create"]["status"] == 201 and RECORDED["delete"]["status"] == 200
    assert RECORDED["create"]["answer_keys"] == ["id", "token"]
    assert RECORDED["list"]["request"]["body"] == {}  # what the first difference is about


def test_the_sdk_replayed_against_the_emulator_sends_and_gets_what_was_recorded() -> None:
    with ResendEmulator() as emu:
        emu.rate_limit_per_minute = None
        assert sdk_recording.record(emu) == RECORDED


def test_create_sends_what_the_sdk_sends(conn: Connection, emulator: ResendEmulator) -> None:
    assert ours(emulator, lambda: conn.provider.create_credential(sdk_recording.NAME)) == [expected("create")]


def test_a_create_through_the_core_lists_first_then_sends_the_sdk_create(
        conn: Connection, emulator: ResendEmulator) -> None:
    """The list is the core's: the ids named so before the create tell an orphan apart later."""
    assert ours(emulator, lambda: conn.credentials.create(sdk_recording.NAME)) == [
        expected("list", limit="100"), expected("create")]


def test_list_sends_the_sdk_list_with_the_largest_page(conn: Connection, emulator: ResendEmulator) -> None:
    assert ours(emulator, lambda: list(conn.credentials.list())) == [expected("list", limit="100")]


def test_the_next_page_is_the_sdk_list_with_limit_and_after(conn: Connection, emulator: ResendEmulator) -> None:
    for i in range(100):
        emulator.add_key(f"k{i}")
    cursor = [c.id for c in conn.credentials.list()][99]
    assert ours(emulator, lambda: list(conn.credentials.list()), cursor) == [
        expected("list", limit="100"), expected("list_page", limit="100")]


def test_show_sends_the_sdk_list(conn: Connection, emulator: ResendEmulator) -> None:
    key_id, _ = emulator.add_key("billing")
    assert ours(emulator, lambda: conn.credentials.get(key_id), key_id) == [expected("list", limit="100")]


def test_delete_sends_what_the_sdk_sends(conn: Connection, emulator: ResendEmulator) -> None:
    key_id, _ = emulator.add_key("billing")
    assert ours(emulator, lambda: conn.provider.delete_credential(key_id), key_id) == [expected("delete")]
