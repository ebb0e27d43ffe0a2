"""Record the requests the official Mailgun SDK (``mailgun`` on PyPI) sends for each operation.

Run ``python tests/mailgun/sdk_recording.py`` after upgrading the SDK: it points the SDK at the
emulator on 127.0.0.1 (which records every request), performs each operation smtpcreds
implements, and rewrites ``tests/mailgun/data/sdk-requests.json``. test_sdk_parity.py compares
smtpcreds' requests with that file, and replays the same calls to check the emulator answers
the SDK. Secrets are never written: the password field's value is replaced by ``<password>``
and the Authorization header by its scheme and user.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mailgun.client import Client
from smtpcreds_mailgun.emulator import API_KEY, DOMAIN, MailgunEmulator, form_fields

from smtpcreds.emulator.http import RecordedRequest, Request

DATA = Path(__file__).resolve().parent / "data" / "sdk-requests.json"
LOGIN = f"alice@{DOMAIN}"
PASSWORD = "Sdk-Recording-Pw-0123456789abcd"  # a throwaway value for the emulator (never real)
NEW_PASSWORD = "Sdk-Recording-Pw-9876543210zyxw"

Operation = Callable[[Client], Any]
#: name -> what the SDK is asked to do (the documented calls of its credentials examples).
OPERATIONS: dict[str, Operation] = {
    "create": lambda c: c.domains_credentials.create(domain=DOMAIN, data={"login": LOGIN, "password": PASSWORD}),
    "list": lambda c: c.domains_credentials.get(domain=DOMAIN),
    "list_page": lambda c: c.domains_credentials.get(domain=DOMAIN, filters={"limit": 2, "skip": 2}),
    "set_password": lambda c: c.domains_credentials.put(domain=DOMAIN, login=LOGIN, data={"password": NEW_PASSWORD}),
    "delete": lambda c: c.domains_credentials.delete(domain=DOMAIN, login=LOGIN),
}


def auth_kind(headers: dict[str, str]) -> str:
    """``Basic api`` / ``Bearer`` / ``none``: the scheme (and Basic user), never the secret."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        return "Basic " + base64.b64decode(token).decode().partition(":")[0]
    return scheme or "none"


def describe(r: RecordedRequest) -> dict[str, Any]:
    """What parity compares: method, path, query, body kind and fields, auth kind."""
    ctype = r.headers.get("content-type", "").split(";")[0] or None
    fields = form_fields(Request(r.method, r.path, r.query, r.headers, r.body)) if r.body else {}
    fields = {k: ("<password>" if k == "password" else v) for k, v in fields.items()}
    return {"method": r.method, "path": r.path, "query": {k: v[-1] for k, v in r.query.items()},
            "content_type": ctype if r.body else None,
            "fields": fields, "auth": auth_kind(r.headers)}


def record(emu: MailgunEmulator) -> dict[str, dict[str, Any]]:
    """Run every operation with the SDK against ``emu``; the request and the status per operation."""
    out: dict[str, dict[str, Any]] = {}
    with Client(auth=("api", API_KEY), api_url=emu.base_url) as client:
        for name, op in OPERATIONS.items():
            if name == "list_page":  # a page past the first needs more than one credential
                for extra in ("bob", "carol"):
                    emu.add_credential(f"{extra}@{DOMAIN}", PASSWORD)
            emu.requests.clear()
            resp = op(client)
            [req] = list(emu.requests)
            out[name] = {"request": describe(req), "status": resp.status_code}
    return out


def main() -> int:
    import mailgun

    with MailgunEmulator() as emu:
        recorded = record(emu)
    doc = {"sdk": f"mailgun {mailgun.__version__}" if hasattr(mailgun, "__version__") else "mailgun",
           "operations": recorded}
    DATA.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {DATA} ({len(recorded)} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
