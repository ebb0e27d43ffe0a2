"""A SendGrid emulator for API keys (``/v3/api_keys``), on 127.0.0.1.

It answers as docs/reference/sendgrid.md describes: Bearer auth, ``{"errors": [{"field",
"message"}]}`` bodies, 201 with the key (``SG.<22>.<43>``, 69 characters) shown only there, a
list of ``{name, api_key_id}`` without scopes, a full-access key when ``scopes`` is missing, the
two scopes SendGrid adds to every key, at most 100 keys, and 429s with ``X-RateLimit-*``
headers. The single-key GET answers the OpenAPI document's ``result`` array, or a flat object
with ``flat_single_get = True``. Keys with ``mail.send`` log in as ``apikey`` on an attached SMTP
server until they are deleted.

Choices the reference leaves open (*unconfirmed* there): the 404 message for an unknown key,
the 400 for the 101st key, and which scopes a full-access key lists.
"""

from __future__ import annotations

import secrets
import string
import time
from typing import Any

from smtpcreds.plugin import EmulatorServer, HttpError, Request, Response, SmtpServer, route

ADMIN_KEY_ID = "AdminKeyEmulator000000"
#: A key with the api_keys scopes (what the profile uses); never one the tests rotate.
API_KEY = "SG." + ADMIN_KEY_ID + "." + "e" * 43
SMTP_USERNAME = "apikey"
#: docs/reference/sendgrid.md §Create: added to every key by SendGrid itself
ADDED_SCOPES = ("sender_verification_eligible", "2fa_required")
KEY_SCOPES = ("api_keys.create", "api_keys.read", "api_keys.update", "api_keys.delete")
#: What a key created without scopes gets (a full-access key; abridged).
FULL_ACCESS = ("mail.send", *KEY_SCOPES, "alerts.read", "stats.read", "user.profile.read")
MAX_KEYS = 100
_ALPHABET = string.ascii_letters + string.digits + "-_"


def errors(status: int, message: str, field: str | None = None) -> HttpError:
    return HttpError(status, {"errors": [{"field": field, "message": message}]})


class SendGridEmulator(EmulatorServer):
    """SendGrid ``/v3/api_keys`` with its documented answers and quirks."""

    name = "sendgrid"
    root_path = "/v3"

    def __init__(self, *, smtp: SmtpServer | None = None, port: int = 0, api_key: str = API_KEY) -> None:
        super().__init__(smtp=smtp, port=port)
        #: api_key_id -> {"name", "scopes", "secret"}; the profile's own key is one of them.
        self.keys: dict[str, dict[str, Any]] = {
            ADMIN_KEY_ID: {"name": "smtpcreds admin", "scopes": [*KEY_SCOPES, *ADDED_SCOPES], "secret": api_key}}
        #: Answer the single-key GET as a flat object instead of the ``result`` array.
        self.flat_single_get = False

    def client_profile(self) -> dict[str, Any]:
        return {"provider": "sendgrid", "base_url": self.base_url, "api_key": self.keys[ADMIN_KEY_ID]["secret"]}

    # -- framework hooks ---------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        return {"errors": [{"field": None, "message": message}]}

    def rate_limited(self, retry_after: float) -> Response:
        return Response.json(self.error_body(429, "too many requests"), 429, {
            "X-RateLimit-Limit": str(self.rate_limit_per_minute or 0), "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(time.time() + max(1.0, retry_after)))})

    def authorize(self, req: Request) -> None:
        scheme, _, token = (req.header("authorization") or "").partition(" ")
        caller = next((k for k in self.keys.values() if k["secret"] == token), None)
        if scheme != "Bearer" or caller is None:
            raise errors(401, "authorization required")
        needed = {"GET": "api_keys.read", "POST": "api_keys.create", "DELETE": "api_keys.delete"}.get(req.method)
        if needed is not None and needed not in caller["scopes"]:
            raise errors(403, "access forbidden")

    # -- state helpers -----------------------------------------------------------------------
    def add_key(self, name: str, scopes: list[str]) -> tuple[str, str]:
        """Make a key as SendGrid would; returns ``(api_key_id, api_key)``."""
        key_id = "".join(secrets.choice(_ALPHABET) for _ in range(22))
        secret = f"SG.{key_id}.{''.join(secrets.choice(_ALPHABET) for _ in range(43))}"
        self.keys[key_id] = {"name": name, "scopes": scopes, "secret": secret}
        if self.smtp is not None and "mail.send" in scopes:
            self.smtp.issue_key(SMTP_USERNAME, secret)
        return key_id, secret

    def _known(self, req: Request) -> tuple[str, dict[str, Any]]:
        key_id = req.params["key_id"]
        key = self.keys.get(key_id)
        if key is None:
            raise errors(404, "unable to find API key")
        return key_id, key

    # -- endpoints ---------------------------------------------------------------------------
    @route("POST", r"/api_keys")
    def create_key(self, req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise errors(400, "request body is invalid JSON")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise errors(400, "missing required argument", "name")
        scopes = body.get("scopes")
        if scopes is None:
            granted = list(FULL_ACCESS)  # docs/reference/sendgrid.md §Create: no scopes means full access
        elif not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise errors(400, "scopes must be an array of strings", "scopes")
        else:
            granted = list(dict.fromkeys(scopes))
        if len(self.keys) >= MAX_KEYS:
            raise errors(400, "you have reached the maximum number of API keys")
        granted += [s for s in ADDED_SCOPES if s not in granted]
        key_id, secret = self.add_key(name, granted)
        return Response.json({"api_key": secret, "api_key_id": key_id, "name": name, "scopes": granted}, 201)

    @route("GET", r"/api_keys")
    def list_keys(self, req: Request) -> Response:
        limit = req.arg("limit")
        items = [{"name": k["name"], "api_key_id": key_id} for key_id, k in self.keys.items()]
        if limit is not None:
            if not limit.isdigit() or int(limit) < 1:
                raise errors(400, "limit must be a positive integer", "limit")
            items = items[: int(limit)]
        return Response.json({"result": items})

    @route("GET", r"/api_keys/(?P<key_id>[^/]+)")
    def get_key(self, req: Request) -> Response:
        key_id, key = self._known(req)
        item = {"api_key_id": key_id, "name": key["name"], "scopes": list(key["scopes"])}
        return Response.json(item if self.flat_single_get else {"result": [item]})

    @route("DELETE", r"/api_keys/(?P<key_id>[^/]+)")
    def delete_key(self, req: Request) -> Response:
        key_id, key = self._known(req)
        del self.keys[key_id]
        if self.smtp is not None:
            self.smtp.revoke_key(SMTP_USERNAME, key["secret"])
        return Response.empty(204, "application/json")
