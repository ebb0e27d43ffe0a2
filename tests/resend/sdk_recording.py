"""Record the requests the official Resend SDK (``resend`` on PyPI) sends for each operation.

Run ``python tests/resend/sdk_recording.py`` after upgrading the SDK: it points the SDK at the
emulator on 127.0.0.1 (``resend.api_url``, which records every request), performs each operation
smtpcreds implements, and rewrites ``tests/resend/data/sdk-requests.json``. test_sdk_parity.py
compares smtpcreds' requests with that file and replays the same calls to check the emulator
answers the SDK. No secret is written: the Authorization header is reduced to its scheme, and key
ids (random per run) to ``{api_key_id}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import resend
from smtpcreds_resend.emulator import DOMAIN_ID, ResendEmulator

from smtpcreds.emulator.http import RecordedRequest

DATA = Path(__file__).resolve().parent / "data" / "sdk-requests.json"
NAME = "billing"

#: name -> what the SDK is asked to do, given the id of the key made by "create".
OPERATIONS: dict[str, Callable[[str], Any]] = {
    "create": lambda _id: resend.ApiKeys.create({"name": NAME, "permission": "sending_access",
                                                 "domain_id": DOMAIN_ID}),
    "list": lambda _id: resend.ApiKeys.list(),
    "list_page": lambda key_id: resend.ApiKeys.list({"limit": 2, "after": key_id}),
    "delete": lambda key_id: resend.ApiKeys.remove(key_id),
}


def describe(r: RecordedRequest, key_id: str | None = None) -> dict[str, Any]:
    """What parity compares: method, path, query, body kind and JSON body, auth kind."""
    def placeholder(text: str) -> str:
        return text.replace(key_id, "{api_key_id}") if key_id else text

    ctype = r.headers.get("content-type", "").split(";")[0] or None
    return {"method": r.method, "path": placeholder(r.path),
            "query": {k: placeholder(v[-1]) for k, v in r.query.items()},
            "content_type": ctype if r.body else None, "body": r.json(),
            "auth": r.headers.get("authorization", "").partition(" ")[0] or "none"}


class StatusRecorder(resend.RequestsClient):
    """The SDK's own HTTP client, keeping each answer's status (the SDK's answers do not carry it)."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[int] = []

    def request(self, *args: Any, **kwargs: Any) -> Any:
        content, status, headers = super().request(*args, **kwargs)
        self.statuses.append(status)
        return content, status, headers


@contextmanager
def pointed_at(emu: ResendEmulator) -> Iterator[StatusRecorder]:
    """The SDK's module-level settings aimed at ``emu``, restored afterwards."""
    saved = resend.api_url, resend.api_key, resend.default_http_client
    client = StatusRecorder()
    resend.api_url, resend.api_key = emu.origin, emu.client_profile()["api_key"]
    resend.default_http_client = client
    try:
        yield client
    finally:
        resend.api_url, resend.api_key, resend.default_http_client = saved


def record(emu: ResendEmulator) -> dict[str, dict[str, Any]]:
    """Run every operation with the SDK against ``emu``: the request and the answer's status and keys."""
    out: dict[str, dict[str, Any]] = {}
    key_id = ""
    with pointed_at(emu) as client:
        for name, op in OPERATIONS.items():
            emu.requests.clear()
            answer = op(key_id)
            if name == "create":
                key_id = answer["id"]
            [req] = list(emu.requests)
            out[name] = {"request": describe(req, key_id), "status": client.statuses[-1],
                         "answer_keys": sorted(k for k in answer if k != "http_headers")}  # (the SDK's own)
    return out


def main() -> int:
    with ResendEmulator() as emu:
        emu.rate_limit_per_minute = None
        recorded = record(emu)
    doc = {"sdk": f"resend {resend.__version__}", "operations": recorded}
    DATA.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {DATA} ({len(recorded)} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
