"""The Mailtrap wire protocol for API tokens: paths, answers and the three error bodies.

reference: docs/reference/mailtrap.md §2 (endpoints), §7 (errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from smtpcreds.plugin import ErrorDetail, HttpTransport, expect, parse_json, register_secret

PROVIDER = "mailtrap"
#: docs/reference/mailtrap.md §3: the access level that lets a token send from a domain
ADMIN = 100

Token = dict[str, Any]


def domain_admin(domain_id: int) -> list[dict[str, Any]]:
    """The only resource smtpcreds grants: admin on one sending domain (docs/reference/mailtrap.md §3)."""
    return [{"resource_type": "domain", "resource_id": domain_id, "access_level": ADMIN}]


class MailtrapApi:
    """Calls ``api_tokens`` below the account's root (``/api/accounts/{account_id}``) and returns the tokens."""

    def __init__(self, http: HttpTransport) -> None:
        self.http = http

    def close(self) -> None:
        self.http.close()

    def create(self, name: str, domain_id: int, expires_at: str | None) -> Token:
        """POST ``{name, resources, expires_at}``: 200 with the token, shown only here (§2, §4)."""
        body = {"name": name, "resources": domain_admin(domain_id), "expires_at": expires_at}
        resp = self.http.request("POST", "api_tokens", json_body=body, idempotent=False, ok=(200, 201))
        token = _token(parse_json(resp, PROVIDER), "POST api_tokens")
        secret = token.get("token")
        if isinstance(secret, str) and secret:
            register_secret(secret)  # before anything could log or echo it
        # (an answer without the token is handed on: the core deletes a token whose secret it lacks)
        return token

    def list(self) -> list[Token]:
        """Every token visible to the managing token: a bare array, no paging (§2)."""
        body = parse_json(self.http.request("GET", "api_tokens", ok=(200,)), PROVIDER)
        expect(isinstance(body, list), PROVIDER, "GET api_tokens: not a list")
        return [_token(item, "GET api_tokens") for item in body]

    def get(self, token_id: int) -> Token:
        return _token(parse_json(self.http.request("GET", f"api_tokens/{token_id}", ok=(200,)), PROVIDER),
                      "GET api_tokens/{id}")

    def delete(self, token_id: int) -> None:
        """204, and the token stops working at once (§6)."""
        self.http.request("DELETE", f"api_tokens/{token_id}", ok=(204, 200))


def _token(raw: Any, what: str) -> Token:
    expect(isinstance(raw, dict) and isinstance(raw.get("id"), int) and not isinstance(raw["id"], bool),
           PROVIDER, f"{what}: a token without an integer id")
    result: Token = raw
    return result


def parse_error(resp: requests.Response, body: Any) -> ErrorDetail | None:
    """401 ``{"error"}``, 403 ``{"errors": "…"}``, 422 ``{"errors": {field: […]}}`` (docs/reference/mailtrap.md §7)."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors", body.get("error"))
    if isinstance(errors, dict):
        fields = {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in errors.items()}
        text = "; ".join(", ".join(msgs) if k == "base" else f"{k}: {', '.join(msgs)}" for k, msgs in fields.items())
        return ErrorDetail(text or "invalid request", fields)
    if isinstance(errors, list):
        return ErrorDetail("; ".join(str(e) for e in errors) or "error")
    if isinstance(errors, str) and errors:
        hint = {401: " (the managing api_token is wrong or expired)",
                403: " (the managing api_token lacks admin access to the account)"}.get(resp.status_code, "")
        return ErrorDetail(errors + hint)
    return None


def transport(factory: Callable[..., HttpTransport], account_root: str, api_token: str, *, timeout: float,
              verify_tls: bool) -> HttpTransport:
    """Bearer auth (docs/reference/mailtrap.md §1); a 429 is retried with backoff, no Retry-After being
    documented (§8)."""
    return factory(account_root, provider=PROVIDER, headers={"Authorization": f"Bearer {api_token}"},
                   timeout=timeout, verify_tls=verify_tls, error_parser=parse_error, secrets=[api_token])
