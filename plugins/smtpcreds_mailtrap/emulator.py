"""A Mailtrap emulator for API tokens (``/api/accounts/{account_id}/api_tokens``), on 127.0.0.1.

It answers as docs/reference/mailtrap.md describes: the bare root with the account in every path,
``Authorization: Bearer`` or ``Api-Token``, 401 ``{"error": "Incorrect API token"}``, 403
``{"errors": "Account access forbidden"}``, 404 ``{"error": "Not Found"}``, 422 ``{"errors":
{field: […]}}`` (an empty ``resources`` included), integer ids, a bare list without paging and
without secrets, a create answered 200 with the 32-hex token shown only there, ``expires_at``
omitted = one year and ``null`` = never (past or more than five years ahead refused), a delete
answered 204 that takes effect at once, expired tokens that stay listed but no longer authenticate,
and 429s with ``X-Ratelimit-*`` headers and no ``Retry-After``. Tokens with admin access to a domain
(or the account) log in as ``api`` on an attached SMTP server until deleted or expired.

Choices the reference leaves open (§11 there): managing tokens needs account admin here; the
wording of 422s other than the empty ``resources``; the 429 body; ``/reset`` is not served
(smtpcreds does not use it, §5).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from smtpcreds.plugin import EmulatorServer, HttpError, Request, Response, SmtpServer, route

#: The account and domain ids of the official SDKs' recordings (docs/reference/mailtrap.md §10).
ACCOUNT_ID = 1111111
DOMAIN_ID = 4242
DOMAIN = "example.com"
ADMIN_TOKEN_ID = 2498700
#: An account-admin token (what the profile uses); never one the tests rotate. Obviously fake.
API_TOKEN = "e" * 28 + "0adm"
SMTP_USERNAME = "api"
RESOURCE_TYPES = ("account", "project", "sandbox", "domain")
ACCESS_LEVELS = (10, 100)
#: docs/reference/mailtrap.md §4: the server's default lifetime, and the furthest expiry it accepts
DEFAULT_LIFETIME = timedelta(days=365)
MAX_AHEAD = timedelta(days=5 * 365 + 1)
#: docs/reference/mailtrap.md §8: 150 requests per 10 s, as a per-minute window
RATE_LIMIT_PER_MINUTE = 900
_PATH = r"/api/accounts/(?P<account_id>[^/]+)/api_tokens"


def stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(raw: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def invalid(field: str, message: str) -> HttpError:
    return HttpError(422, {"errors": {field: [message]}})


class MailtrapEmulator(EmulatorServer):
    """Mailtrap's API tokens with their documented answers and quirks."""

    name = "mailtrap"
    root_path = ""  # the profile's base_url is the bare root; paths carry /api/accounts/{id}

    def __init__(self, *, smtp: SmtpServer | None = None, port: int = 0, api_token: str = API_TOKEN) -> None:
        super().__init__(smtp=smtp, port=port)
        self.rate_limit_per_minute = RATE_LIMIT_PER_MINUTE
        self.domains: dict[int, str] = {DOMAIN_ID: DOMAIN}
        #: id -> {"name", "resources", "expires_at", "token", "created_by"} (ids ascending).
        self.tokens: dict[int, dict[str, Any]] = {}
        self._next_id = ADMIN_TOKEN_ID
        self.add_token("smtpcreds admin", [{"resource_type": "account", "resource_id": ACCOUNT_ID,
                                            "access_level": 100}], None, secret=api_token)

    def client_profile(self) -> dict[str, Any]:
        return {"provider": "mailtrap", "base_url": self.base_url, "api_token": self.tokens[ADMIN_TOKEN_ID]["token"],
                "account_id": ACCOUNT_ID, "domain_id": DOMAIN_ID}

    # -- framework hooks ---------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        return {"error": message} if status in (401, 404) else {"errors": message}

    def rate_limited(self, retry_after: float) -> Response:
        # docs/reference/mailtrap.md §8: no Retry-After is documented
        return Response.json({"errors": "Rate limit exceeded"}, 429,
                             {"X-Ratelimit-Limit": "150", "X-Ratelimit-Remaining": "0"})

    def authorize(self, req: Request) -> None:
        scheme, _, bearer = (req.header("authorization") or "").partition(" ")
        secret = bearer if scheme == "Bearer" else req.header("api-token")
        caller = next((t for t in self.tokens.values() if secret and t["token"] == secret), None)
        if caller is None or self.expired(caller):
            raise HttpError(401, {"error": "Incorrect API token"})
        account = req.params.get("account_id")
        admin = {"resource_type": "account", "resource_id": ACCOUNT_ID, "access_level": 100}
        if account != str(ACCOUNT_ID) or admin not in caller["resources"]:
            raise HttpError(403, {"errors": "Account access forbidden"})

    # -- state helpers -----------------------------------------------------------------------
    def add_token(self, name: str, resources: list[dict[str, Any]], expires_at: str | None, *,
                  secret: str | None = None) -> tuple[int, str]:
        """Make a token as Mailtrap would; returns ``(id, token)``."""
        token_id = self._next_id
        self._next_id += 1
        secret = secret or secrets.token_hex(16)  # 32 hex characters, as recorded (§2)
        self.tokens[token_id] = {"name": name, "resources": resources, "expires_at": expires_at, "token": secret,
                                 "created_by": "owner@example.com"}
        if self.smtp is not None and self._sends(resources):
            self.smtp.issue_key(SMTP_USERNAME, secret)
        return token_id, secret

    @staticmethod
    def _sends(resources: list[dict[str, Any]]) -> bool:
        """docs/reference/mailtrap.md §9: sending needs admin on a domain (or, here, on the account)."""
        return any(r["resource_type"] in ("domain", "account") and r["access_level"] == 100 for r in resources)

    def expired(self, token: dict[str, Any]) -> bool:
        at = _when(token["expires_at"]) if token["expires_at"] else None
        return at is not None and at <= datetime.now(timezone.utc)

    def expire(self, token_id: int) -> None:
        """Let a token expire now: still listed, refused by the API and SMTP (docs/reference/mailtrap.md §4)."""
        token = self.tokens[token_id]
        token["expires_at"] = stamp(datetime.now(timezone.utc) - timedelta(seconds=1))
        if self.smtp is not None:
            self.smtp.revoke_key(SMTP_USERNAME, token["token"])

    def named(self, name: str) -> list[int]:
        return [token_id for token_id, t in self.tokens.items() if t["name"] == name]

    def _public(self, token_id: int) -> dict[str, Any]:
        t = self.tokens[token_id]
        return {"id": token_id, "name": t["name"], "last_4_digits": t["token"][-4:], "created_by": t["created_by"],
                "expires_at": t["expires_at"], "resources": [dict(r) for r in t["resources"]]}

    def _known(self, req: Request) -> int:
        raw = req.params["token_id"]
        if not raw.isdigit() or int(raw) not in self.tokens:
            raise HttpError(404, {"error": "Not Found"})
        return int(raw)

    # -- endpoints ---------------------------------------------------------------------------
    @route("GET", _PATH)
    def list_tokens(self, req: Request) -> Response:
        return Response.json([self._public(i) for i in self.tokens])

    @route("POST", _PATH)
    def create_token(self, req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise HttpError(422, {"errors": {"base": ["The request body must be a JSON object."]}})
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise invalid("name", "can't be blank")
        resources = self._resources(body.get("resources"))
        expires_at = self._expiry(body)
        token_id, _ = self.add_token(name, resources, expires_at)
        return Response.json({**self._public(token_id), "token": self.tokens[token_id]["token"]}, 200)

    def _resources(self, raw: Any) -> list[dict[str, Any]]:
        if not raw:  # docs/reference/mailtrap.md §3: refused, as recorded live
            raise invalid("base", "No permissions selected. Please choose at least one.")
        if not isinstance(raw, list):
            raise invalid("resources", "must be an array")
        out = []
        for item in raw:
            if not isinstance(item, dict) or item.get("resource_type") not in RESOURCE_TYPES:
                raise invalid("resources", "resource_type must be one of account, project, sandbox, domain")
            if item.get("access_level") not in ACCESS_LEVELS:
                raise invalid("resources", "access_level must be 10 or 100")
            rid = item.get("resource_id")
            if item["resource_type"] == "domain" and (not str(rid).isdigit() or int(str(rid)) not in self.domains):
                raise invalid("resources", f"domain {rid!r} not found")
            out.append({"resource_type": item["resource_type"], "resource_id": rid,
                        "access_level": item["access_level"]})
        return out

    @staticmethod
    def _expiry(body: dict[str, Any]) -> str | None:
        now = datetime.now(timezone.utc)
        if "expires_at" not in body:  # docs/reference/mailtrap.md §4: omitted is one year
            return stamp(now + DEFAULT_LIFETIME)
        raw = body["expires_at"]
        if raw is None:  # explicit null: never expires
            return None
        at = _when(raw) if isinstance(raw, str) else None
        if at is None:
            raise invalid("expires_at", "is not a valid ISO 8601 date-time")
        if at <= now or at > now + MAX_AHEAD:
            raise invalid("expires_at", "must be in the future and at most 5 years ahead")
        return stamp(at)

    @route("GET", _PATH + r"/(?P<token_id>[^/]+)")
    def get_token(self, req: Request) -> Response:
        return Response.json(self._public(self._known(req)))

    @route("DELETE", _PATH + r"/(?P<token_id>[^/]+)")
    def delete_token(self, req: Request) -> Response:
        token = self.tokens.pop(self._known(req))
        if self.smtp is not None:  # docs/reference/mailtrap.md §6: at once
            self.smtp.revoke_key(SMTP_USERNAME, token["token"])
        return Response.empty(204, "application/json")
