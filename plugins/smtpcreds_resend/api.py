"""The Resend wire protocol for API keys: paths, answers, paging and the error body.

reference: docs/reference/resend.md §2 (endpoints), §5 (paging), §6 (errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

from smtpcreds.plugin import ErrorDetail, HttpTransport, RateLimited, expect, parse_json, register_secret

PROVIDER = "resend"
#: docs/reference/resend.md §3: always sent, because a key created without it has full access
SENDING_ACCESS = "sending_access"
#: docs/reference/resend.md §5: the largest page Resend serves
PAGE_LIMIT = 100

Key = dict[str, Any]

#: docs/reference/resend.md §6: what each refusal of the managing key means, in one line
_AUTH_HINTS = {
    "invalid_api_key": "the managing API key is wrong (check api_key in the profile or the store)",
    "missing_api_key": "no API key was sent",
    "restricted_api_key": "the managing API key has sending_access only: managing keys needs a "
                          "full_access key",
}


class ResendApi:
    """Calls ``/api-keys`` and returns what the answers hold."""

    def __init__(self, http: HttpTransport) -> None:
        self.http = http

    def close(self) -> None:
        self.http.close()

    def create(self, name: str, domain_id: str | None) -> Key:
        """POST ``{name, permission: "sending_access", domain_id?}``: 201 ``{id, token}``, the token only here."""
        body: dict[str, Any] = {"name": name, "permission": SENDING_ACCESS}
        if domain_id is not None:
            body["domain_id"] = domain_id
        answer = parse_json(self.http.request("POST", "api-keys", json_body=body, idempotent=False,
                                              ok=(201, 200)), PROVIDER)
        expect(isinstance(answer, dict) and isinstance(answer.get("id"), str) and bool(answer["id"]),
               PROVIDER, "POST /api-keys: no id in the answer")
        token = answer.get("token")
        if isinstance(token, str) and token:
            register_secret(token)  # before anything could log or echo it
        # (an answer without the token is handed on: the core deletes a key whose secret it lacks)
        result: Key = answer
        return result

    def page(self, *, limit: int = PAGE_LIMIT, after: str | None = None) -> tuple[list[Key], bool]:
        """One page of keys (newest first) and whether more follow (docs/reference/resend.md §5)."""
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params["after"] = after
        body = parse_json(self.http.request("GET", "api-keys", params=params, ok=(200,)), PROVIDER)
        expect(isinstance(body, dict) and isinstance(body.get("data"), list), PROVIDER,
               "GET /api-keys: no data list")
        keys: list[Key] = []
        for item in body["data"]:
            expect(isinstance(item, dict) and isinstance(item.get("id"), str) and bool(item["id"]), PROVIDER,
                   "GET /api-keys: a key without an id")
            keys.append(item)
        return keys, body.get("has_more") is True

    def delete(self, key_id: str) -> None:
        self.http.request("DELETE", f"api-keys/{quote(key_id, safe='')}", ok=(200, 204))


def parse_error(resp: requests.Response, body: Any) -> ErrorDetail | None:
    """``{"statusCode", "name", "message"}`` (docs/reference/resend.md §6); a refused managing key
    says which refusal it is, and a spent daily or monthly quota is a rate limit."""
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        return None
    name = body["name"]
    message = str(body.get("message") or name)
    hint = _AUTH_HINTS.get(name)
    text = f"{name}: {message}" + (f" ({hint})" if hint else "")
    kind = RateLimited if name in ("daily_quota_exceeded", "monthly_quota_exceeded") else None
    return ErrorDetail(text, code=name, kind=kind)


def transport(factory: Callable[..., HttpTransport], base_url: str, api_key: str, *, timeout: float,
              verify_tls: bool) -> HttpTransport:
    """Bearer auth; the transport's own User-Agent, which Resend requires (docs/reference/resend.md §1);
    ``Retry-After`` is honoured by the transport itself (§7)."""
    return factory(base_url, provider=PROVIDER, headers={"Authorization": f"Bearer {api_key}"},
                   timeout=timeout, verify_tls=verify_tls, error_parser=parse_error, secrets=[api_key])
