"""Record the requests the official SendGrid SDK (``sendgrid`` on PyPI) sends for each operation.

Run ``python tests/sendgrid/sdk_recording.py`` after upgrading the SDK: it points the SDK at the
emulator on 127.0.0.1 (which records every request), performs each operation smtpcreds
implements, and rewrites ``tests/sendgrid/data/sdk-requests.json``. test_sdk_parity.py compares
smtpcreds' requests with that file and replays the same calls to check the emulator answers the
SDK. No secret is written: the Authorization header is reduced to its scheme, and key ids (random
per run) to ``{api_key_id}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sendgrid import SendGridAPIClient  # type: ignore[import-untyped]
from smtpcreds_sendgrid.emulator import SendGridEmulator

from smtpcreds.emulator.http import RecordedRequest

DATA = Path(__file__).resolve().parent / "data" / "sdk-requests.json"
NAME = "billing"

#: name -> what the SDK is asked to do, given the id of the key made by "create".
OPERATIONS: dict[str, Callable[[SendGridAPIClient, str], Any]] = {
    "create": lambda sg, _id: sg.client.api_keys.post(request_body={"name": NAME, "scopes": ["mail.send"]}),
    "list": lambda sg, _id: sg.client.api_keys.get(),
    "list_limit": lambda sg, _id: sg.client.api_keys.get(query_params={"limit": 100}),
    "show": lambda sg, key_id: sg.client.api_keys._(key_id).get(),
    "delete": lambda sg, key_id: sg.client.api_keys._(key_id).delete(),
}


def describe(r: RecordedRequest, key_id: str | None = None) -> dict[str, Any]:
    """What parity compares: method, path, query, body kind and JSON body, auth kind."""
    path = r.path.replace(key_id, "{api_key_id}") if key_id else r.path
    ctype = r.headers.get("content-type", "").split(";")[0] or None
    return {"method": r.method, "path": path, "query": {k: v[-1] for k, v in r.query.items()},
            "content_type": ctype if r.body else None, "body": r.json(),
            "auth": r.headers.get("authorization", "").partition(" ")[0] or "none"}


def record(emu: SendGridEmulator) -> dict[str, dict[str, Any]]:
    """Run every operation with the SDK against ``emu``: the request and the answer's status and keys."""
    sg = SendGridAPIClient(emu.client_profile()["api_key"], host=emu.origin)
    out: dict[str, dict[str, Any]] = {}
    key_id = ""
    for name, op in OPERATIONS.items():
        emu.requests.clear()
        resp = op(sg, key_id)
        body = json.loads(resp.body) if resp.body else None
        if name == "create":
            assert isinstance(body, dict)
            key_id = body["api_key_id"]
        [req] = list(emu.requests)
        out[name] = {"request": describe(req, key_id), "status": resp.status_code,
                     "answer_keys": sorted(body) if isinstance(body, dict) else None}
    return out


def main() -> int:
    import sendgrid

    with SendGridEmulator() as emu:
        recorded = record(emu)
    doc = {"sdk": f"sendgrid {sendgrid.__version__}", "operations": recorded}
    DATA.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {DATA} ({len(recorded)} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
