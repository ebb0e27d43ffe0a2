"""A Resend emulator for API keys (``/api-keys``), on 127.0.0.1.

It answers as docs/reference/resend.md describes: the bare root, Bearer auth, a 403 ``error code:
1010`` to a request without a User-Agent, ``{"statusCode", "name", "message"}`` errors (403
``invalid_api_key`` for an unknown key, 401 ``restricted_api_key`` for a ``sending_access`` key
on ``/api-keys``), 201 ``{id, token}`` with the token shown only there, a full-access key when
``permission`` is missing, ``domain_id`` kept only with ``sending_access``, names of at most 50
characters, a list without tokens (newest first, ``limit`` 1-100 optional, ``after``/``before``
cursors, ``has_more``), 200 ``{object, id, deleted}`` on delete, and 429s with ``retry-after`` and
the ``ratelimit-*`` headers. Every key logs in as ``resend`` on an attached SMTP server until it
is deleted.

Choices the reference leaves open (§10 there): the wording of 422s, an unknown ``domain_id``
(answered 404 ``not_found``), and the order of the list (newest first).
"""

from __future__ import annotations

import secrets
import string
import time
import uuid
from datetime import datetime, timezone
from typing import Any

from smtpcreds.plugin import EmulatorServer, HttpError, Request, Response, SmtpServer, route

ADMIN_KEY_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
#: A full_access key (what the profile uses); never one the tests rotate. Obviously fake.
API_KEY = "re_EmulatorAdmin_000000000000000000"
DOMAIN_ID = "4dd369bc-aa82-4ff3-97de-514ae3000ee0"
DOMAIN = "example.com"
SMTP_USERNAME = "resend"
NAME_MAX = 50
#: docs/reference/resend.md §7: five requests a second per team
RATE_LIMIT_PER_MINUTE = 300
_ALPHABET = string.ascii_letters + string.digits + "_"


def error(status: int, name: str, message: str) -> HttpError:
    return HttpError(status, {"statusCode": status, "name": name, "message": message})


def stamp(at: float) -> str:
    """``2023-10-06 23:47:56.678+00``, the shape of ``created_at`` (docs/reference/resend.md §5)."""
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "+00"


class ResendEmulator(EmulatorServer):
    """Resend ``/api-keys`` with its documented answers and quirks."""

    name = "resend"
    root_path = ""  # the profile's base_url is the bare root, as Resend documents it

    def __init__(self, *, smtp: SmtpServer | None = None, port: int = 0, api_key: str = API_KEY) -> None:
        super().__init__(smtp=smtp, port=port)
        self.rate_limit_per_minute = RATE_LIMIT_PER_MINUTE
        self.domains: dict[str, str] = {DOMAIN_ID: DOMAIN}
        #: id -> {"name", "permission", "domain_id", "token", "created_at", "last_used_at"}, oldest first.
        self.keys: dict[str, dict[str, Any]] = {}
        self._add(ADMIN_KEY_ID, "smtpcreds admin", "full_access", None, api_key)

    def client_profile(self) -> dict[str, Any]:
        return {"provider": "resend", "base_url": self.base_url, "api_key": self.keys[ADMIN_KEY_ID]["token"],
                "domain_id": DOMAIN_ID}

    # -- framework hooks ---------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        names = {400: "validation_error", 404: "not_found", 405: "method_not_allowed",
                 429: "rate_limit_exceeded"}
        return {"statusCode": status, "name": names.get(status, "application_error"), "message": message}

    def rate_limited(self, retry_after: float) -> Response:
        wait = str(max(1, round(retry_after)))
        return Response.json(self.error_body(429, "Too many requests. You can only make 5 requests per second."),
                             429, {"retry-after": wait, "ratelimit-limit": "5", "ratelimit-remaining": "0",
                                   "ratelimit-reset": wait})

    def dispatch(self, req: Request) -> Response:
        if not req.header("user-agent"):
            # docs/reference/resend.md §1: refused before anything else, and not in Resend's JSON shape
            return Response(403, b"error code: 1010", {"Content-Type": "text/plain; charset=UTF-8"})
        return super().dispatch(req)

    def authorize(self, req: Request) -> None:
        scheme, _, token = (req.header("authorization") or "").partition(" ")
        if scheme != "Bearer" or not token:
            raise error(401, "missing_api_key", "Missing API key in the authorization header. Include the "
                        "following header in the request: Authorization: Bearer YOUR_API_KEY")
        caller = next((k for k in self.keys.values() if k["token"] == token), None)
        if caller is None:
            raise error(403, "invalid_api_key", "API key is invalid")
        if caller["permission"] != "full_access":
            raise error(401, "restricted_api_key", "This API key is restricted to only send emails")

    # -- state helpers -----------------------------------------------------------------------
    def _add(self, key_id: str, name: str, permission: str, domain_id: str | None, token: str) -> None:
        self.keys[key_id] = {"name": name, "permission": permission, "domain_id": domain_id, "token": token,
                             "created_at": stamp(time.time()), "last_used_at": None}
        if self.smtp is not None:
            self.smtp.issue_key(SMTP_USERNAME, token)

    def add_key(self, name: str, permission: str = "sending_access", domain_id: str | None = None) -> tuple[str, str]:
        """Make a key as Resend would; returns ``(id, token)``."""
        key_id = str(uuid.uuid4())
        token = "re_" + "".join(secrets.choice(_ALPHABET) for _ in range(33))  # 36 characters (§3)
        self._add(key_id, name, permission, domain_id if permission == "sending_access" else None, token)
        return key_id, token

    def named(self, name: str) -> list[str]:
        """Ids of the keys called ``name``, oldest first."""
        return [key_id for key_id, k in self.keys.items() if k["name"] == name]

    # -- endpoints ---------------------------------------------------------------------------
    @route("POST", r"/api-keys")
    def create_key(self, req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise error(422, "validation_error", "The request body is missing or not a JSON object.")
        name = body.get("name")
        if name is None:
            raise error(422, "missing_required_field", "Missing `name` field.")
        if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
            raise error(422, "validation_error", f"The `name` field must be a string of 1 to {NAME_MAX} characters.")
        permission = body.get("permission", "full_access")  # docs/reference/resend.md §3: omitted is full access
        if permission not in ("full_access", "sending_access"):
            raise error(422, "invalid_parameter", "The `permission` field must be full_access or sending_access.")
        domain_id = body.get("domain_id")
        if domain_id is not None and (not isinstance(domain_id, str) or domain_id not in self.domains):
            raise error(404, "not_found", "Domain not found")
        key_id, token = self.add_key(name, permission, domain_id)
        return Response.json({"id": key_id, "token": token}, 201)

    @route("GET", r"/api-keys")
    def list_keys(self, req: Request) -> Response:
        items = [{"id": key_id, "name": k["name"], "created_at": k["created_at"], "last_used_at": k["last_used_at"]}
                 for key_id, k in reversed(self.keys.items())]
        after, before, raw_limit = req.arg("after"), req.arg("before"), req.arg("limit")
        if after and before:
            raise error(422, "validation_error", "The `after` and `before` parameters cannot be used together.")
        if raw_limit is None:  # docs/reference/resend.md §5: without limit, every key in one answer
            return Response.json({"object": "list", "has_more": False, "data": items})
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
            raise error(422, "validation_error", "The `limit` parameter must be between 1 and 100.")
        limit = int(raw_limit)
        ids = [i["id"] for i in items]
        cursor = after or before
        if cursor is not None and cursor not in ids:
            raise error(422, "validation_error", "The cursor does not name an API key.")
        if before:
            end = ids.index(before)
            window, more = items[max(0, end - limit):end], end > limit
        else:
            start = ids.index(after) + 1 if after else 0
            window, more = items[start:start + limit], start + limit < len(items)
        return Response.json({"object": "list", "has_more": more, "data": window})

    @route("DELETE", r"/api-keys/(?P<key_id>[^/]+)")
    def delete_key(self, req: Request) -> Response:
        key_id = req.params["key_id"]
        key = self.keys.pop(key_id, None)
        if key is None:
            raise error(404, "not_found", "API key not found")
        if self.smtp is not None:
            self.smtp.revoke_key(SMTP_USERNAME, key["token"])
        return Response.json({"object": "api_key", "id": key_id, "deleted": True})
