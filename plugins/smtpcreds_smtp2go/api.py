"""The SMTP2GO v3 wire protocol for SMTP users: endpoints, envelope and error bodies.

Every call is a JSON body to one path (reference: docs/reference/smtp2go.md §1). A
success is ``{"request_id", "data"}`` where ``data`` is ``{"results": [...]}``, except the PATCH
edit, whose ``data`` is a bare list; both shapes are accepted everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from smtpcreds.plugin import AuthError, ErrorDetail, HttpTransport, ProviderError, RateLimited, expect, register_secret

PROVIDER = "smtp2go"
API_KEY_HEADER = "X-Smtp2go-Api-Key"  # reference: §2 (the spec's only scheme)
PERMISSION_DENIED = "E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED"
DENIED = "the API key lacks the permission for"
GRANT_HINT = "grant it in SMTP2GO under Sending > API Keys > Permissions"
#: reference: §8: a 429 bans the source IP for "at least 1 minute", no headers.
RATE_LIMIT_BAN_SECONDS = 60.0

User = dict[str, Any]


class Smtp2goApi:
    """Calls the SMTP-user endpoints and returns the user items they answer with."""

    def __init__(
        self, base_url: str, api_key: str, *, timeout: float = 30.0, verify_tls: bool = True,
        http: Callable[..., HttpTransport] = HttpTransport,
    ) -> None:
        """``http``: the transport factory (the provider passes its context's)."""
        self.base_url = base_url.rstrip("/")
        self.http = http(
            self.base_url,
            provider=PROVIDER,
            headers={API_KEY_HEADER: api_key},
            timeout=timeout,
            verify_tls=verify_tls,
            error_parser=self.parse_error,
            secrets=[api_key],
        )

    def close(self) -> None:
        self.http.close()

    # -- endpoints ------------------------------------------------------------------------
    def view(self, body: dict[str, Any]) -> tuple[list[User], dict[str, Any]]:
        """POST /users/smtp/view: the users and the account-level fields beside them."""
        # reference: §8, §3: view only reads, so it is safe to retry.
        data = self._call("POST", "/users/smtp/view", body, idempotent=True)
        users = self._users(data, "/users/smtp/view")
        return users, ({k: v for k, v in data.items() if k != "results"} if isinstance(data, dict) else {})

    def add(self, body: dict[str, Any]) -> User:
        return self._one(self._call("POST", "/users/smtp/add", body, idempotent=False), "/users/smtp/add")

    def edit(self, body: dict[str, Any]) -> User:
        """Full POST edit: settings not in ``body`` may reset to their defaults."""
        return self._one(self._call("POST", "/users/smtp/edit", body, idempotent=False), "/users/smtp/edit")

    def patch(self, body: dict[str, Any]) -> User:
        """PATCH edit: settings not in ``body`` stay as they are (idempotent, so retried)."""
        return self._one(self._call("PATCH", "/users/smtp/edit", body, idempotent=True), "/users/smtp/edit")

    def remove(self, body: dict[str, Any]) -> User | None:
        users = self._users(self._call("POST", "/users/smtp/remove", body, idempotent=False),
                            "/users/smtp/remove")
        return users[0] if users else None

    # -- envelope -------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict[str, Any], *, idempotent: bool) -> Any:
        try:
            reply = self.http.json(method, path, json_body=body, idempotent=idempotent, ok=(200,))
        except AuthError as e:
            if e.status != 403 or DENIED in e.message:
                raise
            # reference: §7 (403 = key lacks permission): name it even without a JSON body
            raise AuthError(f"{PROVIDER}: {DENIED} {method} {path} (HTTP 403); {GRANT_HINT}",
                            status=403, provider=PROVIDER, code=e.code) from None
        except RateLimited as e:
            if e.retry_after is not None:
                raise
            # reference: §8: no 429 body or headers are specified; the ban is >= 1 min
            raise RateLimited(f"{e.message}; retry after {RATE_LIMIT_BAN_SECONDS:.0f}s",
                              retry_after=RATE_LIMIT_BAN_SECONDS, status=429, provider=PROVIDER,
                              code=e.code) from None
        expect(isinstance(reply, dict) and "data" in reply, PROVIDER,
               f"{method} {path} answered without the request_id/data envelope")
        data = reply["data"]
        if isinstance(data, dict) and data.get("error"):
            raise ProviderError(f"{PROVIDER}: {method} {path} failed: {data['error']}",
                                status=200, provider=PROVIDER, code=_str(data.get("error_code")))
        return data

    def _users(self, data: Any, path: str) -> list[User]:
        # reference: §6 (PATCH answers a bare list, no results)
        items = data.get("results") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise ProviderError(f"{PROVIDER}: unexpected response: {path}: data.results is not a list",
                                provider=PROVIDER)
        users: list[User] = []
        for item in items:
            expect(isinstance(item, dict) and isinstance(item.get("username"), str), PROVIDER,
                   f"{path}: a result has no username")
            # reference: §5: passwords come back in clear (deprecated field)
            register_secret(_str(item.get("email_password")))
            users.append(item)
        return users

    def _one(self, data: Any, path: str) -> User:
        users = self._users(data, path)
        expect(len(users) >= 1, PROVIDER, f"{path}: no user in the answer")
        return users[0]

    # -- errors ---------------------------------------------------------------------------
    def parse_error(self, resp: requests.Response, body: Any) -> ErrorDetail | None:
        """``data.error``/``data.error_code`` (spec) or the same at the top level (docs)."""
        if not isinstance(body, dict):
            return None
        # reference: §7: look in data first, then the top level
        inner = body.get("data")
        src: dict[str, Any] = inner if isinstance(inner, dict) else body
        message = _str(src.get("error")) or _str(body.get("error")) or _str(body.get("message"))
        code = _str(src.get("error_code")) or _str(body.get("error_code"))
        if message is None and code is None:
            return None
        message = message or code or "error"
        fields = _field_errors(src.get("field_validation_errors") or body.get("field_validation_errors"))
        endpoint = self._endpoint(resp)
        if code == PERMISSION_DENIED or resp.status_code == 403:
            # reference: §2: a key lacking an endpoint permission gets 400 with
            # ENDPOINT_PERMISSION_DENIED (spec) or 403 (docs table); both are AuthErrors.
            return ErrorDetail(f"{DENIED} {endpoint} ({message}); {GRANT_HINT}", fields, code, kind=AuthError)
        return ErrorDetail(f"{endpoint}: {message}", fields, code)

    def _endpoint(self, resp: requests.Response) -> str:
        url = resp.url or ""
        path = url[len(self.base_url):] if url.startswith(self.base_url) else url
        method = resp.request.method if resp.request is not None else None
        return f"{method or ''} {path.split('?')[0] or '/'}".strip()


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _field_errors(raw: Any) -> dict[str, list[str]]:
    """``field_validation_errors``: one ``{"fieldname","message"}`` or a list of them."""
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    out: dict[str, list[str]] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("fieldname"), str):
            out.setdefault(item["fieldname"], []).append(str(item.get("message") or "invalid"))
    return out
