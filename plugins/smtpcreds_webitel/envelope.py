"""The engine's error bodies, turned into :class:`~smtpcreds.transport.ErrorDetail`.

Two shapes exist (reference: docs/reference/webitel.md §5 "Errors and status codes"):

* the generic envelope ``{"status": "error", "info": <message>, "code": <code>}``; ``code``
  is a Mongo number or an SMTP code such as ``EAUTH``, absent for the engine's own errors;
* login/logout's ``{"status": 401, "message": "Invalid credentials"}``.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from smtpcreds.plugin import AuthError, ErrorDetail, SmtpCredsError

TOKEN_EXPIRED = "Token Expired"
SECURITY_CODE = "Set security code"
MAX_TEXT = 300


def error_text(body: Any) -> str | None:
    """The message of an error body: ``info``, else ``message`` (None when neither is there)."""
    if not isinstance(body, dict):
        return None
    for name in ("info", "message"):
        value = body.get(name)
        if isinstance(value, str) and value:
            return _short(value)
        if value is not None and not isinstance(value, str):
            return _short(json.dumps(value, separators=(",", ":")))
    return None


def _short(text: str) -> str:
    """One line of at most :data:`MAX_TEXT` characters (the engine passes SMTP and Mongo text on)."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_TEXT else line[: MAX_TEXT - 1] + "…"


def parse_error(resp: requests.Response, body: Any) -> ErrorDetail | None:
    """The transport's error parser for the engine."""
    text = error_text(body)
    if text is None:
        return None
    raw_code = body.get("code")
    code = None if raw_code is None else str(raw_code)
    kind: type[SmtpCredsError] | None = None
    # reference: docs/reference/webitel.md §2 "Branches 3.2-v3.5: expired → 400 Token Expired"
    if resp.status_code == 400 and text == TOKEN_EXPIRED:
        kind = AuthError
    # reference: docs/reference/webitel.md §2 "root with TOTP on but no code → 301"
    if resp.status_code == 301:
        kind = AuthError
    message = text if code is None else f"{text} (code {code})"
    return ErrorDetail(message=message, code=code, kind=kind)
