"""Turn MailerSend error bodies (``{"message", "errors"}``) into smtpcreds errors.

Used as the transport's ``error_parser``; the transport picks the exception class from the
status (401/403 AuthError, 404 NotFound, 422 ValidationError, 429 RateLimited, 5xx ProviderError)
unless this parser forces one.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import requests

from smtpcreds.plugin import AuthError, ErrorDetail, RateLimited

#: reference: docs/reference/mailersend.md §6 "daily quota: ... #MS42901"; per-minute limit is #MS42903.
DAILY_QUOTA_CODE = "MS42901"
_CODE = re.compile(r"#(MS\d{5})")


def parse_error(resp: requests.Response, body: Any) -> ErrorDetail | None:
    """The ErrorDetail of a MailerSend error response (None: not MailerSend's envelope)."""
    if not isinstance(body, dict):
        return None
    raw = body.get("message")
    message = raw.strip() if isinstance(raw, str) and raw.strip() else None
    fields = _fields(body.get("errors"))
    found = _CODE.search(message or "")
    code = found.group(1) if found else None
    status = resp.status_code
    if status == 401:
        # reference: docs/reference/mailersend.md §6 "401: {"message":"Unauthenticated."}"
        return ErrorDetail(
            f"the API token was refused ({message or 'Unauthenticated.'}): check api_token "
            "(`smtpcreds auth set <profile>`)",
            code=code, kind=AuthError,
        )
    if status == 403:
        # reference: docs/reference/mailersend.md §11 "403 = token scope" (mailersend-php #41)
        return ErrorDetail(
            f"the API token lacks the scope for this endpoint ({_needed_scope(resp)}): "
            f"{message or 'forbidden'}",
            code=code, kind=AuthError,
        )
    if status == 429:
        if code == DAILY_QUOTA_CODE or "daily quota" in (message or "").lower():
            wait = _header_wait(resp) or _until_quota_reset(resp)
            return ErrorDetail(
                f"the account's daily API quota is used up; it resets at 00:00 UTC ({message})",
                code=code, kind=RateLimited, retry_after=wait,
            )
        return ErrorDetail(message or "rate limited", code=code, kind=RateLimited,
                           retry_after=_header_wait(resp))
    if fields:
        detail = "; ".join(f"{k}: {m}" for k, msgs in fields.items() for m in msgs)
        return ErrorDetail(f"rejected the request: {detail}", fields=fields, code=code)
    if message is None:
        return None
    return ErrorDetail(message, code=code)


def _fields(errors: Any) -> dict[str, list[str]]:
    """``{"permissions.0": ["..."]}``: dot-path keys, lists of strings (reference: docs/reference/mailersend.md §6)."""
    if not isinstance(errors, dict):
        return {}
    out: dict[str, list[str]] = {}
    for key, value in errors.items():
        msgs = value if isinstance(value, list) else [value]
        out[str(key)] = [str(m) for m in msgs]
    return out


def _needed_scope(resp: requests.Response) -> str:
    """The token scope the endpoint needs (reference: docs/reference/mailersend.md §1 token scopes)."""
    req = resp.request
    path = urlsplit(req.url or "").path
    if "/smtp-users" in path:
        family = "smtp_users"
    elif re.search(r"/(users|invites)(/|$)", path):
        family = "users"
    else:
        return "see the token's scopes in the MailerSend dashboard"
    if (req.method or "GET").upper() == "GET":
        return f"needs {family}_read or {family}_full"
    return f"needs {family}_full"


def _header_wait(resp: requests.Response) -> float | None:
    """Seconds from ``Retry-After``, else ``x-ratelimit-reset`` (seconds or an epoch timestamp)."""
    for name in ("Retry-After", "x-ratelimit-reset"):
        raw = resp.headers.get(name)
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            continue
        if not math.isfinite(value):
            continue
        if value > 1e9:  # an epoch timestamp
            value -= datetime.now(timezone.utc).timestamp()
        return max(value, 0.0)
    return None


def _until_quota_reset(resp: requests.Response) -> float:
    """Seconds until ``x-apiquota-reset`` (ISO time), else until the next 00:00 UTC
    (reference: docs/reference/mailersend.md §7 "resets 00:00 UTC", "x-apiquota-reset (ISO, next midnight)")."""
    now = datetime.now(timezone.utc)
    raw = resp.headers.get("x-apiquota-reset")
    if raw:
        try:
            at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if at.tzinfo is not None:
                return max((at - now).total_seconds(), 0.0)
        except ValueError:
            pass
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()
