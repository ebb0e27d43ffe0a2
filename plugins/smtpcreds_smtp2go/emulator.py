"""An SMTP2GO API v3 emulator for the SMTP-user endpoints, on 127.0.0.1.

It follows the provider's OpenAPI document and notes (reference: docs/reference/smtp2go.md):
the ``request_id``/``data`` envelope, ``data.results`` lists for POST calls and a bare list
for PATCH, errors as ``data.error``/``data.error_code``, 401 for a bad key,
``ENDPOINT_PERMISSION_DENIED`` for a key without the endpoint's permission, the 64-bit
password rule and a generated password when it is blank on add, and a 429 without any
rate-limit headers that times the client out (``timeout_seconds``) after too many requests
(``rate_limit_per_minute``) or error answers (``error_limit_per_minute``). Issued logins are
wired to an attached :class:`SmtpServer`.

Choices the reference leaves open, marked *unconfirmed* in docs/providers/smtp2go.md: the
error codes and statuses for a duplicate username (400 ``USERNAME_ALREADY_EXISTS``), an
unknown username (404 ``SMTP_USER_NOT_FOUND``), an unknown subaccount, a bad key (401
``API_KEY_INVALID``) and a 429 (``TOO_MANY_REQUESTS``); a full POST edit resets the settings
it is not given but keeps the password and the status; unknown request fields are refused.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from smtpcreds.plugin import EmulatorServer, HttpError, Request, Response, SmtpServer, route
from smtpcreds.plugin import generate_password as generate
from smtpcreds_smtp2go.options import (
    MIN_PASSWORD_BITS,
    RATELIMIT_MAX,
    USERNAME_MAX,
    USERNAME_MIN,
    check_email,
    check_password,
    check_period,
)

API_KEY = "api-EMULATOR00000000000000000000000"
ENDPOINTS = frozenset({"users/smtp/add", "users/smtp/edit", "users/smtp/view", "users/smtp/remove"})
CODE = "E_ApiResponseCodes."
PERMISSION_DENIED_BODY = {
    "error": "You do not have permission to access this API endpoint",
    "error_code": CODE + "ENDPOINT_PERMISSION_DENIED",
}

BOOLS = ("custom_ratelimit", "feedback_enabled", "open_tracking_enabled", "click_tracking_enabled",
         "archive_enabled")
STRINGS = ("description", "custom_ratelimit_period", "feedback_domain", "feedback_html", "feedback_text",
           "audit_email", "bounce_notifications", "status", "email_password", "subaccount_id")
INTS = ("custom_ratelimit_value", "ip_pool")
SETTINGS = frozenset(BOOLS + STRINGS + INTS)
#: What a new user has, and what a full POST edit resets to (reference: §4).
DEFAULTS: dict[str, Any] = {
    "description": "", "custom_ratelimit": False, "custom_ratelimit_value": None,
    "custom_ratelimit_period": "0:00:00", "ippool": None, "feedback_enabled": False,
    "feedback_domain": "default", "feedback_html": "", "feedback_text": "",
    "archive_enabled": False, "open_tracking_enabled": False, "click_tracking_enabled": False,
    "audit_email": None, "bounce_notifications": "from", "status": "allowed",
}
_STATUS_CODES = {400: "NON_VALIDATING_IN_PAYLOAD", 401: "API_KEY_INVALID", 403: "ENDPOINT_PERMISSION_DENIED",
                 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 429: "TOO_MANY_REQUESTS"}


@dataclass
class Exchange:
    """One answered request, for contract checks of what the emulator sends back."""

    method: str
    path: str
    request_body: bytes
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def envelope(data: Any) -> dict[str, Any]:
    return {"request_id": str(uuid.uuid4()), "data": data}


def fail(status: int, message: str, code: str, field: str | None = None) -> HttpError:
    data: dict[str, Any] = {"error": message, "error_code": CODE + code}
    if field is not None:
        data["field_validation_errors"] = {"fieldname": field, "message": message}
    return HttpError(status, envelope(data))


class Smtp2goEmulator(EmulatorServer):
    """SMTP2GO ``/v3/users/smtp/*`` with the documented envelope, errors and quirks."""

    name = "smtp2go"
    root_path = "/v3"

    def __init__(self, *, smtp: SmtpServer | None = None, port: int = 0, api_key: str = API_KEY,
                 **kw: Any) -> None:
        super().__init__(smtp=smtp, port=port)
        #: API key -> the endpoints it may call.
        self.keys: dict[str, frozenset[str]] = {api_key: ENDPOINTS}
        #: username -> stored user (settings as returned, plus password and owner).
        self.users: dict[str, dict[str, Any]] = {}
        self.subaccounts: set[str] = set()
        self.exchanges: deque[Exchange] = deque(maxlen=10_000)
        #: reference: §8: too many requests (``rate_limit_per_minute``) or too many
        #: error answers (this, per minute; None: no limit) time the client out for at least
        #: a minute (``timeout_seconds``), answering every request 429 meanwhile.
        self.error_limit_per_minute: int | None = None
        self.timeout_seconds = 60.0
        self._timed_out_until = 0.0
        self._errors: deque[float] = deque()

    def start(self) -> Smtp2goEmulator:
        super().start()
        # Headers and body leave in two writes; without TCP_NODELAY, Nagle plus the client's
        # delayed ACK add ~40 ms to every keep-alive request.
        assert self._httpd is not None
        self._httpd.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        return self

    def client_profile(self) -> dict[str, Any]:
        """Profile fields pointing a client at this emulator (the account itself as the scope)."""
        return {"provider": "smtp2go", "base_url": self.base_url, "api_key": next(iter(self.keys))}

    # -- helpers for tests and demos ------------------------------------------------------
    def add_api_key(self, key: str, endpoints: Iterable[str] = ENDPOINTS) -> str:
        """Accept ``key`` for ``endpoints`` only (e.g. ``[]``: a key without any permission)."""
        self.keys[key] = frozenset(e.strip("/") for e in endpoints)
        return key

    def add_subaccount(self, subaccount_id: str) -> str:
        self.subaccounts.add(subaccount_id)
        return subaccount_id

    def add_user(self, username: str, password: str | None = None, *, subaccount_id: str | None = None,
                 **settings: Any) -> str:
        """Seed a user (settings as the API returns them); returns its password."""
        with self.lock:
            user = {**DEFAULTS, **settings, "username": username,
                    "email_password": password or generate(), "subaccount": subaccount_id}
            self.users[username] = user
            self._sync_login(user)
            return str(user["email_password"])

    def lift_timeout(self) -> None:
        """End a rate-limit time-out now (tests and demos need not wait a minute)."""
        with self.lock:
            self._timed_out_until = 0.0
            self._errors.clear()

    def user(self, username: str) -> dict[str, Any]:
        """A copy of the stored user (KeyError when absent)."""
        with self.lock:
            return dict(self.users[username])

    # -- overrides ------------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        return envelope({"error": message, "error_code": CODE + _STATUS_CODES.get(status, "API_EXCEPTION")})

    def rate_limited(self, retry_after: float) -> Response:
        # reference: §8: 429 with no rate-limit or Retry-After headers, and a time-out
        with self.lock:
            self._timed_out_until = time.monotonic() + self.timeout_seconds
        return Response.json(self.error_body(429, "Too Many Requests"), 429)

    def authorize(self, req: Request) -> None:
        key = req.header("X-Smtp2go-Api-Key")
        auth = req.header("Authorization") or ""
        if key is None and auth.startswith("Bearer "):  # reference: §2 (changelog 2026-09-07)
            key = auth[len("Bearer "):]
        if key is None:  # reference: §2, second way: api_key in the JSON body
            body = self._body(req)
            key = body.get("api_key") if isinstance(body.get("api_key"), str) else None
        if key is None or key not in self.keys:
            raise fail(401, "Invalid or missing API key", "API_KEY_INVALID")
        if req.path.strip("/") not in self.keys[key]:
            # reference: §7: the spec's 400 example for a key lacking the permission
            raise HttpError(400, envelope(dict(PERMISSION_DENIED_BODY)))

    def dispatch(self, req: Request) -> Response:
        resp = self._timed_out() or super().dispatch(req)
        self._count_error(resp.status)
        self.exchanges.append(Exchange(req.method, req.path, req.body, resp.status, dict(resp.headers),
                                       resp.body))
        return resp

    def _timed_out(self) -> Response | None:
        with self.lock:
            timed_out = time.monotonic() < self._timed_out_until
        return Response.json(self.error_body(429, "Too Many Requests"), 429) if timed_out else None

    def _count_error(self, status: int) -> None:
        limit = self.error_limit_per_minute
        if not limit or status < 400 or status == 429:
            return
        now = time.monotonic()
        with self.lock:
            self._errors.append(now)
            while self._errors and now - self._errors[0] >= 60:
                self._errors.popleft()
            if len(self._errors) >= limit:
                self._timed_out_until = now + self.timeout_seconds
                self._errors.clear()

    # -- endpoints ------------------------------------------------------------------------
    @route("POST", r"/users/smtp/add")
    def add(self, req: Request) -> Response:
        body = self._payload(req, SETTINGS | {"username"}, required=("username",))
        username = body["username"]
        if not USERNAME_MIN <= len(username) <= USERNAME_MAX:
            raise fail(400, f"username must be {USERNAME_MIN} to {USERNAME_MAX} characters",
                       "NON_VALIDATING_IN_PAYLOAD", "username")
        if username in self.users:  # SMTP logins are global, so usernames are unique service-wide
            raise fail(400, f"The username {username} is already in use", "USERNAME_ALREADY_EXISTS",
                       "username")
        # reference: §4 email_password: blank or omitted on add = generated
        body["email_password"] = body.get("email_password") or generate()
        user = {**DEFAULTS, "username": username, "subaccount": body.get("subaccount_id")}
        self._apply(user, body)
        self.users[username] = user
        self._sync_login(user)
        return Response.json(envelope({"results": [self._item(user)]}))

    @route("POST", r"/users/smtp/edit")
    def edit(self, req: Request) -> Response:
        body = self._payload(req, SETTINGS | {"username"}, required=("username",))
        user = self._existing(body)
        # Full edit: what is not given resets to its default (password and status are kept).
        keep = {k: user[k] for k in ("username", "subaccount", "email_password", "status")}
        user.clear()
        user.update({**DEFAULTS, **keep})
        if body.get("email_password") == "":
            body["email_password"] = generate()
        self._apply(user, body)
        self._sync_login(user)
        return Response.json(envelope({"results": [self._item(user)]}))

    @route("PATCH", r"/users/smtp/edit")
    def patch(self, req: Request) -> Response:
        # reference: §4: feedback_domain is not a PATCH field
        body = self._payload(req, (SETTINGS - {"feedback_domain"}) | {"username"}, required=("username",))
        user = self._existing(body)
        if body.get("email_password") == "":
            body["email_password"] = generate()
        self._apply(user, body)
        self._sync_login(user)
        # reference: §6 (PATCH answers a bare list, no results); the example has no nulls
        item = {k: v for k, v in self._item(user).items()
                if v is not None and k not in ("email_password", "sending_allowed")}
        return Response.json(envelope([item]))

    @route("POST", r"/users/smtp/view")
    def view(self, req: Request) -> Response:
        body = self._payload(req, {"username", "subaccount_id"})
        owner = self._owner(body)
        users = [self._item(u) for u in self.users.values()
                 if u["subaccount"] == owner and body.get("username") in (None, u["username"])]
        # reference: §5: the view example puts default_ratelimit_* beside results
        return Response.json(envelope({"results": users, "default_ratelimit_value": 0,
                                       "default_ratelimit_period": "unlimited"}))

    @route("POST", r"/users/smtp/remove")
    def remove(self, req: Request) -> Response:
        body = self._payload(req, {"username", "subaccount_id"}, required=("username",))
        user = self._existing(body)
        del self.users[user["username"]]
        if self.smtp:
            self.smtp.retire(user["username"])
        return Response.json(envelope({"results": [self._item(user)]}))

    # -- internals ------------------------------------------------------------------------
    def _body(self, req: Request) -> dict[str, Any]:
        try:
            body = json.loads(req.body) if req.body else {}
        except ValueError:
            raise fail(400, "The request body is not valid JSON", "NON_VALIDATING_IN_PAYLOAD") from None
        if not isinstance(body, dict):
            raise fail(400, "The request body must be a JSON object", "NON_VALIDATING_IN_PAYLOAD")
        return body

    def _payload(
        self, req: Request, allowed: Iterable[str], required: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        body = self._body(req)
        body.pop("api_key", None)
        for name in sorted(set(body) - set(allowed)):
            raise fail(400, f"Unexpected field {name}", "NON_VALIDATING_IN_PAYLOAD", name)
        for name in required:
            if not isinstance(body.get(name), str) or not body[name]:
                raise fail(400, f"{name} is required", "NON_VALIDATING_IN_PAYLOAD", name)
        for name, value in body.items():
            problem = _problem(name, value)
            if problem:
                raise fail(400, f"{name} {problem}", "NON_VALIDATING_IN_PAYLOAD", name)
        self._owner(body)
        return body

    def _owner(self, body: dict[str, Any]) -> str | None:
        sub = body.get("subaccount_id")
        if sub is not None and sub not in self.subaccounts:
            raise fail(400, f"Subaccount {sub} not found", "SUBACCOUNT_NOT_FOUND", "subaccount_id")
        return sub if isinstance(sub, str) else None

    def _existing(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(body["username"])
        if user is None or user["subaccount"] != self._owner(body):
            raise fail(404, f"SMTP user {body['username']} not found", "SMTP_USER_NOT_FOUND", "username")
        return user

    def _apply(self, user: dict[str, Any], body: dict[str, Any]) -> None:
        for name, value in body.items():
            if name in ("username", "subaccount_id", "custom_ratelimit_value", "custom_ratelimit_period"):
                continue
            user["ippool" if name == "ip_pool" else name] = value
        # reference: §4: the limit is only stored when custom_ratelimit is true
        if user["custom_ratelimit"]:
            for name in ("custom_ratelimit_value", "custom_ratelimit_period"):
                if name in body:
                    user[name] = body[name]
        else:
            user["custom_ratelimit_value"] = None
            user["custom_ratelimit_period"] = "0:00:00"

    def _item(self, user: dict[str, Any]) -> dict[str, Any]:
        item = {k: v for k, v in user.items() if k != "subaccount" and not (k == "ippool" and v is None)}
        item["sending_allowed"] = user["status"] != "blocked"
        return item

    def _sync_login(self, user: dict[str, Any]) -> None:
        """Blocked users cannot log in; allowed and sandbox users log in with their password."""
        if self.smtp is None:
            return
        if user["status"] == "blocked":
            self.smtp.retire(user["username"])
        else:
            self.smtp.issue(user["username"], user["email_password"])


def _problem(name: str, value: Any) -> str | None:
    """Why the server would refuse ``value`` for setting ``name`` (None: fine)."""
    if name in BOOLS:
        return None if isinstance(value, bool) else "must be a boolean"
    if name in INTS:
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be an integer"
        low, high = (1, RATELIMIT_MAX) if name == "custom_ratelimit_value" else (0, 2**31 - 1)
        return None if low <= value <= high else f"must be {low} to {high}"
    if not isinstance(value, str):
        return "must be a string"
    checks: dict[str, Callable[[str], object]] = {
        "custom_ratelimit_period": check_period,
        "audit_email": check_email,
        "bounce_notifications": lambda v: v if v in ("from", "drop") else check_email(v),
        "email_password": lambda v: None if v == "" else check_password(v),
        "status": lambda v: _one_of(v, ("allowed", "blocked", "sandbox")),
    }
    try:
        if name in checks:
            checks[name](value)
    except ValueError as e:
        if name == "email_password":
            return f"must have an entropy of at least {MIN_PASSWORD_BITS} bits"
        return str(e)
    return None


def _one_of(value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}")
    return value
