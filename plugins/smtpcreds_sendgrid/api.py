"""The SendGrid wire protocol for API keys: paths, answers and the ``errors`` body.

reference: docs/reference/sendgrid.md §Endpoints and §Errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

from smtpcreds.plugin import ErrorDetail, HttpTransport, ValidationError, expect, parse_json, register_secret

PROVIDER = "sendgrid"
#: docs/reference/sendgrid.md §Create: smtpcreds always asks for exactly this scope (none would mean full access)
MAIL_SEND = "mail.send"
#: docs/reference/sendgrid.md §Rate limits: X-RateLimit-Reset is the epoch second the window resets
WAIT_HEADERS = ("X-RateLimit-Reset",)
#: Bound on an account's keys (docs/reference/sendgrid.md §Create: 100), so listing asks for all at once.
LIST_LIMIT = 100

Key = dict[str, Any]


class SendGridApi:
    """Calls ``/api_keys`` and returns the key objects the answers hold."""

    def __init__(self, http: HttpTransport) -> None:
        self.http = http

    def close(self) -> None:
        self.http.close()

    def create(self, name: str) -> Key:
        """POST ``{name, scopes: ["mail.send"]}``: 201 with the key itself, shown only here."""
        body = parse_json(self.http.request("POST", "api_keys", json_body={"name": name, "scopes": [MAIL_SEND]},
                                            idempotent=False, ok=(201, 200)), PROVIDER)
        key = _key(body, "POST /api_keys")
        secret = key.get("api_key")
        if isinstance(secret, str) and secret:
            register_secret(secret)  # before anything could log or echo it
        # (an answer without the key is handed on: the core deletes a key whose secret it lacks)
        return key

    def list(self) -> list[Key]:
        body = parse_json(self.http.request("GET", "api_keys", params={"limit": LIST_LIMIT}, ok=(200,)), PROVIDER)
        expect(isinstance(body, dict) and isinstance(body.get("result"), list), PROVIDER,
               "GET /api_keys: no result list")
        return [_key(item, "GET /api_keys") for item in body["result"]]

    def get(self, key_id: str) -> Key:
        """One key, with its scopes. The answer is a flat object or a one-item ``result`` array
        (docs/reference/sendgrid.md §Single key: the OpenAPI document and clients in use disagree); both are read."""
        body = parse_json(self.http.request("GET", f"api_keys/{segment(key_id)}", ok=(200,)), PROVIDER)
        if isinstance(body, dict) and isinstance(body.get("result"), list):
            expect(len(body["result"]) == 1, PROVIDER, "GET /api_keys/{id}: result does not hold one key")
            body = body["result"][0]
        return _key(body, "GET /api_keys/{id}")

    def delete(self, key_id: str) -> None:
        self.http.request("DELETE", f"api_keys/{segment(key_id)}", ok=(204, 200))


def _key(raw: Any, what: str) -> Key:
    expect(isinstance(raw, dict) and isinstance(raw.get("api_key_id"), str) and bool(raw["api_key_id"]),
           PROVIDER, f"{what}: a key without api_key_id")
    result: Key = raw
    return result


def segment(key_id: str) -> str:
    if not key_id.strip():
        raise ValidationError(f"{PROVIDER}: api_key_id is required", fields={"api_key_id": ["is required"]},
                              provider=PROVIDER)
    return quote(key_id.strip(), safe="")


def parse_error(resp: requests.Response, body: Any) -> ErrorDetail | None:
    """``{"errors": [{"field", "message"}]}`` (docs/reference/sendgrid.md §Errors); messages without a
    field join the text."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return None
    messages: list[str] = []
    fields: dict[str, list[str]] = {}
    for item in body["errors"]:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message") or "error")
        field = item.get("field")
        if isinstance(field, str) and field:
            fields.setdefault(field, []).append(message)
            messages.append(f"{field}: {message}")
        else:
            messages.append(message)
    if not messages:
        return None
    return ErrorDetail("; ".join(messages), fields)


def transport(factory: Callable[..., HttpTransport], base_url: str, api_key: str, *, timeout: float,
              verify_tls: bool) -> HttpTransport:
    """Bearer auth and JSON (docs/reference/sendgrid.md §Authentication)."""
    return factory(base_url, provider=PROVIDER, headers={"Authorization": f"Bearer {api_key}"},
                   timeout=timeout, verify_tls=verify_tls, error_parser=parse_error,
                   wait_headers=WAIT_HEADERS, secrets=[api_key])
