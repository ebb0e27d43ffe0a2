"""The Mailgun wire protocol for domain credentials: paths, form bodies, answers and errors.

reference: docs/reference/mailgun.md §Endpoints. Requests carry form fields (the official SDK
sends them urlencoded, as we do); answers are JSON. Errors are ``{"message": ...}`` or, for a
refused key, a plain-text ``Forbidden``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

from smtpcreds.plugin import AuthError, ErrorDetail, HttpTransport, expect, parse_json

PROVIDER = "mailgun"
#: reference: docs/reference/mailgun.md §Rate limits: a 429 may say when the window resets here
WAIT_HEADERS = ("X-RateLimit-Reset",)

Item = dict[str, Any]


class MailgunApi:
    """Calls ``/domains/{domain}/credentials`` and returns what the answers hold."""

    def __init__(self, http: HttpTransport, *, region: str, custom_root: bool) -> None:
        self.http = http
        self.region = region
        self.custom_root = custom_root

    def close(self) -> None:
        self.http.close()

    def page(self, domain: str, *, limit: int, skip: int) -> list[Item]:
        """One page of credentials (``total_count`` is not used: see the provider's listing)."""
        body = self._json(domain, "GET", _base(domain), params={"limit": limit, "skip": skip})
        expect(isinstance(body, dict) and isinstance(body.get("items"), list), PROVIDER,
               f"GET {_base(domain)}: no items list")
        items: list[Item] = []
        for item in body["items"]:
            expect(isinstance(item, dict) and isinstance(item.get("login"), str), PROVIDER,
                   f"GET {_base(domain)}: an item has no login")
            items.append(item)
        return items

    def create(self, domain: str, login: str, password: str) -> None:
        # docs/reference/mailgun.md §Endpoints (login, password) and §Passwords (never without one)
        self._json(domain, "POST", _base(domain), form_body={"login": login, "password": password},
                   idempotent=False)

    def set_password(self, domain: str, local: str, password: str) -> None:
        self._json(domain, "PUT", f"{_base(domain)}/{_segment(local)}", form_body={"password": password})

    def delete(self, domain: str, local: str) -> None:
        self._json(domain, "DELETE", f"{_base(domain)}/{_segment(local)}")

    def _json(self, domain: str, method: str, path: str, **kw: Any) -> Any:
        try:
            resp = self.http.request(method, path, ok=(200,), **kw)
        except AuthError as e:
            if e.status != 401:
                raise
            raise AuthError(self.forbidden(domain), status=401, provider=PROVIDER, code=e.code) from None
        return parse_json(resp, PROVIDER)

    def forbidden(self, domain: str) -> str:
        """The two causes of Mailgun's bare 401 ``Forbidden`` (docs/reference/mailgun.md §Errors)."""
        other = "eu" if self.region == "us" else "us"
        where = ("the API root set in base_url" if self.custom_root
                 else f"the {self.region!r} region's API")
        return (f"{PROVIDER}: 401 Forbidden from {where}: either the API key is wrong (or lacks "
                f"access), or the domain {domain!r} was created in the other region (set region = "
                f"{other!r} in the profile)")


def _base(domain: str) -> str:
    return f"domains/{_segment(domain)}/credentials"


def _segment(value: str) -> str:
    return quote(value, safe="@")


def parse_error(resp: requests.Response, body: Any) -> ErrorDetail | None:
    """``{"message": ...}`` (docs/reference/mailgun.md §Errors); anything else falls back to the status."""
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return ErrorDetail(body["message"])
    return None


def transport(factory: Callable[..., HttpTransport], base_url: str, api_key: str, *, timeout: float,
              verify_tls: bool) -> HttpTransport:
    """The transport: HTTP Basic ``api:<key>`` (docs/reference/mailgun.md §Authentication)."""
    import base64

    basic = base64.b64encode(f"api:{api_key}".encode()).decode()
    return factory(base_url, provider=PROVIDER, headers={"Authorization": f"Basic {basic}"},
                   timeout=timeout, verify_tls=verify_tls, error_parser=parse_error,
                   wait_headers=WAIT_HEADERS, secrets=[api_key, basic])
