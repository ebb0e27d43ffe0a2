"""Record the requests the official Mailtrap SDK (``mailtrap`` on PyPI) sends for each operation.

Run ``python tests/mailtrap/sdk_recording.py`` after upgrading the SDK. The SDK's general API has
no base-URL option, only a host, and always speaks https (docs/reference/mailtrap.md §10), so the
emulator is put behind a TLS front on 127.0.0.1 with a test CA that the SDK's ``requests`` trusts
through ``REQUESTS_CA_BUNDLE``. Each operation smtpcreds implements is performed and written to
``tests/mailtrap/data/sdk-requests.json``; test_sdk_parity.py compares smtpcreds' requests with
that file and replays the same calls. No secret is written: the Authorization header is reduced to
its scheme, token ids (which vary) to ``{api_token_id}`` and expiry times to ``<date-time>``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests
from mailtrap.api.resources.api_tokens import ApiTokensApi
from mailtrap.client import MailtrapClient
from mailtrap.http import HttpClient
from mailtrap.models.api_tokens import ApiTokenResource, CreateApiTokenParams
from smtpcreds_mailtrap.emulator import ACCOUNT_ID, DOMAIN_ID, MailtrapEmulator

from smtpcreds.emulator.http import RecordedRequest


def _tls_front() -> Any:
    """tls_front.py beside this file, loaded by path (this folder is not a package, nor on sys.path)."""
    path = Path(__file__).resolve().parent / "tls_front.py"
    spec = importlib.util.spec_from_file_location("mailtrap_tls_front", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tls_front = _tls_front()
TestCA, TlsFront = tls_front.TestCA, tls_front.TlsFront

DATA = Path(__file__).resolve().parent / "data" / "sdk-requests.json"
NAME = "billing"
DATE_TIME = "<date-time>"


def _create(**expiry: Any) -> Callable[[ApiTokensApi, int], Any]:
    resources = [ApiTokenResource(resource_type="domain", resource_id=DOMAIN_ID, access_level=100)]
    return lambda api, _id: api.create(ACCOUNT_ID, CreateApiTokenParams(name=NAME, resources=resources, **expiry))


def _in_30_days() -> str:
    return (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")


#: name -> what the SDK is asked to do, given the id of the token made by the last create.
OPERATIONS: dict[str, Callable[[ApiTokensApi, int], Any]] = {
    "create": _create(),  # the SDK's documented call: expires_at left out (the server's one year)
    "create_never_expires": _create(expires_at=None),
    "create_expiring": lambda api, token_id: _create(expires_at=_in_30_days())(api, token_id),
    "list": lambda api, _id: api.get_list(ACCOUNT_ID),
    "get": lambda api, token_id: api.get_by_id(ACCOUNT_ID, token_id),
    "delete": lambda api, token_id: api.delete(ACCOUNT_ID, token_id),
}


def describe(r: RecordedRequest, token_id: int | str | None = None) -> dict[str, Any]:
    """What parity compares: method, path, query, body kind and JSON body, auth kind."""
    path = r.path.replace(f"/{token_id}", "/{api_token_id}") if token_id is not None else r.path
    body = r.json()
    if isinstance(body, dict) and isinstance(body.get("expires_at"), str):
        body = {**body, "expires_at": DATE_TIME}
    ctype = r.headers.get("content-type", "").split(";")[0] or None
    return {"method": r.method, "path": path, "query": {k: v[-1] for k, v in r.query.items()},
            "content_type": ctype if r.body else None, "body": body,
            "auth": r.headers.get("authorization", "").partition(" ")[0] or "none"}


@contextmanager
def sdk_for(emu: MailtrapEmulator) -> Iterator[tuple[ApiTokensApi, list[requests.Response]]]:
    """The SDK's ApiTokensApi talking https to ``emu`` through a TLS front, and the answers it got."""
    saved = {k: os.environ.get(k) for k in ("REQUESTS_CA_BUNDLE", "NO_PROXY", "no_proxy")}
    with tempfile.TemporaryDirectory(prefix="smtpcreds-mailtrap-ca-") as directory:
        ca = TestCA(Path(directory))
        os.environ.update(REQUESTS_CA_BUNDLE=str(ca.ca_file), NO_PROXY="127.0.0.1,localhost",
                          no_proxy="127.0.0.1,localhost")
        try:
            with TlsFront(int(emu.origin.rsplit(":", 1)[1]), ca) as front:
                client = HttpClient(host=front.host,
                                    headers=MailtrapClient(token=emu.client_profile()["api_token"]).headers)
                answers: list[requests.Response] = []
                client._session.hooks["response"].append(lambda resp, **_: answers.append(resp))
                yield ApiTokensApi(client=client), answers
                client._session.close()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def record(emu: MailtrapEmulator) -> dict[str, dict[str, Any]]:
    """Run every operation with the SDK against ``emu``: the request, the status, the answer's fields."""
    out: dict[str, dict[str, Any]] = {}
    token_id = 0
    with sdk_for(emu) as (api, answers):
        for name, op in OPERATIONS.items():
            emu.requests.clear()
            result = op(api, token_id)
            if name.startswith("create"):
                token_id = result.id
            [req] = list(emu.requests)
            answer = answers[-1]
            body = answer.json() if answer.content else None
            keys = sorted(body) if isinstance(body, dict) else sorted(body[0]) if body else None
            out[name] = {"request": describe(req, token_id), "status": answer.status_code, "answer_keys": keys}
    return out


def main() -> int:
    import importlib.metadata

    with MailtrapEmulator() as emu:
        emu.rate_limit_per_minute = None
        recorded = record(emu)
    doc = {"sdk": f"mailtrap {importlib.metadata.version('mailtrap')}", "operations": recorded}
    DATA.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {DATA} ({len(recorded)} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
