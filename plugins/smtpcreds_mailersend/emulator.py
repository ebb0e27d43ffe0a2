"""An offline MailerSend: SMTP users, account users and invites over real HTTP on 127.0.0.1.

Implements what docs/reference/mailersend.md records: bearer tokens with scopes (401 ``Unauthenticated.``,
403 for a token lacking the scope), 404 ``Resource not found.`` for unknown domains on every
smtp-users route (POST included), Laravel validation errors (``{"message": "<first> (and N more
errors)", "errors": {...}}``), the three list envelopes (simple paginator for smtp-users, whose
``links`` carry ``page=`` but not ``limit=``; length-aware for invites; bare ``data`` for users),
the documented status codes, a per-minute rate limit (#MS42903) and an optional daily quota
(#MS42901). SMTP users it issues log in for real on an attached :class:`SmtpServer`.

Quick start::

    with MailerSendEmulator(rate_limit_per_minute=None) as emu:
        profile = {"provider": "mailersend", "base_url": emu.base_url,
                   "api_token": API_TOKEN, "domain_id": DEFAULT_DOMAIN_ID}
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from smtpcreds.plugin import EmulatorServer, HttpError, Request, Response, SmtpServer, route
from smtpcreds_mailersend.roles import CUSTOM_USER, PERMISSION_SLUGS, ROLE_NAMES, TEMPLATE_PERMISSIONS

#: The only token with every scope. Obviously fake.
API_TOKEN = "mlsn.emulator-token"
#: A token with read scopes only (smtp_users_read, users_read): writes get 403.
#: reference: docs/reference/mailersend.md §1
READ_ONLY_TOKEN = "mlsn.emulator-read-only"
ALL_SCOPES = frozenset({"smtp_users_full", "users_full"})
#: The domain and template the official SDK's recordings use (docs/reference/mailersend.md §8).
DEFAULT_DOMAIN_ID = "7nxe3yjmeq28vp0k"
DEFAULT_DOMAIN_NAME = "example.com"
DEFAULT_TEMPLATE_ID = "n3k6d1jreo50x4ve"

_ID = "0123456789abcdefghijklmnopqrstuvwxyz"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NOT_FOUND = {"message": "Resource not found."}


def new_id() -> str:
    """A 16-character id like MailerSend's (``0wkg2zj19ovx5py7``)."""
    return "".join(_ID[b % 36] for b in os.urandom(16))


def new_password() -> str:
    """16 random letters and digits, like the documented examples (``W3XCfDM6NWs69puR``)."""
    return "".join(_ALNUM[b % 62] for b in secrets.token_bytes(16))


def stamp(at: datetime) -> str:
    """ISO 8601 with microseconds and ``Z`` (reference: docs/reference/mailersend.md §3)."""
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def invalid(errors: dict[str, list[str]]) -> HttpError:
    """Laravel's 422: first message plus a count of the rest (reference: docs/reference/mailersend.md §6)."""
    first = next(iter(errors.values()))[0]
    rest = sum(len(v) for v in errors.values()) - 1
    message = first if not rest else f"{first} (and {rest} more error{'s' if rest > 1 else ''})"
    return HttpError(422, {"message": message, "errors": errors})


@dataclass(slots=True)
class SmtpUserRecord:
    id: str
    name: str
    username: str
    password: str
    enabled: bool
    domain_id: str
    accessed_at: str | None = None


@dataclass
class AccountUserRecord:
    id: str
    email: str
    role: str
    permissions: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    requires_periodic_password_change: bool = False
    name: str = "User"
    last_name: str = "User"
    created_at: str = ""
    updated_at: str = ""


class MailerSendEmulator(EmulatorServer):
    """MailerSend API v1 on loopback. Thread-safe; handlers run under ``self.lock``."""

    name = "mailersend"
    root_path = "/v1"

    def __init__(
        self,
        *,
        smtp: SmtpServer | None = None,
        port: int = 0,
        rate_limit_per_minute: int | None = 60,
        invite_status: int = 201,
        delete_user_status: int = 204,
        users_paginated: bool = False,
    ) -> None:
        super().__init__(smtp=smtp, port=port)
        #: 60/min for all API requests but email (reference: docs/reference/mailersend.md §7); None turns it off.
        self.rate_limit_per_minute = rate_limit_per_minute
        #: 200 or 201 (reference: docs/reference/mailersend.md §5 "Invite: 200 vs 201").
        self.invite_status = invite_status
        #: 200 or 204 (reference: docs/reference/mailersend.md §5 "Delete user: 200 vs 204").
        self.delete_user_status = delete_user_status
        #: Answer GET /users with a length-aware paginator instead of bare ``data`` (the docs'
        #: shape; live was bare, reference: docs/reference/mailersend.md §6, §12).
        self.users_paginated = users_paginated
        #: Requests per day before #MS42901 (None: no quota). Counts failed requests too.
        self.daily_quota: int | None = None
        self.daily_used = 0
        #: The emulator's clock (UTC); tests replace it to pin the daily quota's reset.
        self.clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
        self.tokens: dict[str, frozenset[str]] = {
            API_TOKEN: ALL_SCOPES,
            READ_ONLY_TOKEN: frozenset({"smtp_users_read", "users_read"}),
        }
        self.domains: dict[str, str] = {}
        self.smtp_users: dict[str, dict[str, SmtpUserRecord]] = {}
        self._order: dict[str, list[str]] = {}
        self._usernames: set[str] = set()
        self.templates: dict[str, str] = {DEFAULT_TEMPLATE_ID: "Template"}
        self.users: dict[str, AccountUserRecord] = {}
        self.invites: dict[str, AccountUserRecord] = {}
        self.invites_sent: list[str] = []
        self.add_domain(DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME)
        self.add_user("owner@example.com", "Admin")

    def client_profile(self) -> dict[str, Any]:
        """Profile fields pointing a client at this emulator, default domain as the scope."""
        return {"provider": "mailersend", "base_url": self.base_url, "api_token": API_TOKEN,
                "domain_id": DEFAULT_DOMAIN_ID}

    # -- helpers for tests and demos ----------------------------------------------------------
    def add_domain(self, domain_id: str | None = None, name: str | None = None) -> str:
        """Register a domain (id random when not given); returns its id."""
        with self.lock:
            domain_id = domain_id or new_id()
            self.domains[domain_id] = name or f"{domain_id}.example.com"
            self.smtp_users.setdefault(domain_id, {})
            self._order.setdefault(domain_id, [])
            return domain_id

    def add_token(self, token: str, scopes: set[str] | frozenset[str]) -> None:
        """Accept ``token`` with these scopes (e.g. ``{"users_read"}``; empty: 403 everywhere)."""
        with self.lock:
            self.tokens[token] = frozenset(scopes)

    def add_template(self, template_id: str | None = None, name: str = "Template") -> str:
        with self.lock:
            template_id = template_id or new_id()
            self.templates[template_id] = name
            return template_id

    def add_user(self, email: str, role: str = "Admin", *, permissions: list[str] | None = None,
                 templates: list[str] | None = None, domains: list[str] | None = None,
                 user_id: str | None = None) -> str:
        """An account user as if an invite had been accepted; returns its id."""
        now = stamp(self.clock())
        with self.lock:
            rec = AccountUserRecord(user_id or new_id(), email, role, list(permissions or []),
                                    list(templates or []), list(domains or []),
                                    created_at=now, updated_at=now)
            self.users[rec.id] = rec
            return rec.id

    def accept_invite(self, invite_id: str) -> str:
        """Turn an invite into an account user (what the invitee's click does); returns the user id."""
        with self.lock:
            inv = self.invites.pop(invite_id)
            inv.id = new_id()
            self.users[inv.id] = inv
            return inv.id

    def seed_smtp_users(self, count: int, domain_id: str = DEFAULT_DOMAIN_ID, *, prefix: str = "user",
                        enabled: bool = True) -> list[str]:
        """Create ``count`` SMTP users directly (no HTTP), cheaply enough for 100,000; returns ids."""
        with self.lock:
            users, order = self.smtp_users[domain_id], self._order[domain_id]
            ids = []
            for i in range(count):
                rec = self._new_smtp_user(domain_id, f"{prefix}-{i}", enabled)
                users[rec.id] = rec
                order.append(rec.id)
                ids.append(rec.id)
            return ids

    def mark_accessed(self, smtp_user_id: str, at: datetime | None = None) -> None:
        """Record a login of an SMTP user (``accessed_at``)."""
        with self.lock:
            for users in self.smtp_users.values():
                if smtp_user_id in users:
                    users[smtp_user_id].accessed_at = stamp(at or self.clock())

    def smtp_user(self, smtp_user_id: str) -> SmtpUserRecord | None:
        with self.lock:
            for users in self.smtp_users.values():
                if smtp_user_id in users:
                    return users[smtp_user_id]
            return None

    # -- envelopes and errors ---------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        return {"message": message}

    def rate_limited(self, retry_after: float) -> Response:
        # reference: docs/reference/mailersend.md §6 "429: ... rate limit of N requests/min ... #MS42903"
        limit = self.rate_limit_per_minute
        return Response.json(
            {"message": f"Your account reached its rate limit of {limit} requests/min. "
                        "Please wait before trying again. #MS42903"},
            429,
            {"Retry-After": str(max(1, round(retry_after))), "x-ratelimit-limit": str(limit),
             "x-ratelimit-remaining": "0"},
        )

    def not_found(self, req: Request) -> Response:
        return Response.json(NOT_FOUND, 404)

    def authorize(self, req: Request) -> None:
        auth = req.header("authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        scopes = self.tokens.get(token or "")
        if scopes is None:
            # reference: docs/reference/mailersend.md §6 "401: {"message":"Unauthenticated."}"
            raise HttpError(401, {"message": "Unauthenticated."})
        if req.path == "/api-quota":
            return  # reference: docs/reference/mailersend.md §2 "quota ... not counted"
        self._count_daily(req)
        family = "smtp_users" if "/smtp-users" in req.path else "users"
        needed = {f"{family}_full"} if req.method != "GET" else {f"{family}_read", f"{family}_full"}
        if not needed & scopes:
            # Body as scripted in the SDK recording (reference: §6 "403: shape not captured").
            raise HttpError(403, {"message": "This action is unauthorized."})

    def _count_daily(self, req: Request) -> None:
        if self.daily_quota is None:
            return
        self.daily_used += 1
        if self.daily_used <= self.daily_quota:
            return
        now = self.clock()
        reset = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        # reference: docs/reference/mailersend.md §6 and §7: "#MS42901", resets 00:00 UTC, x-apiquota-* headers;
        # no Retry-After ("absent from every recorded 429").
        raise HttpError(
            429,
            {"message": "Your account reached its API daily quota limit. "
                        "Please wait until the quota resets at midnight UTC. #MS42901"},
            {"x-apiquota-remaining": "0", "x-apiquota-reset": stamp(reset)},
        )

    def _paging(self, req: Request) -> tuple[int, int]:
        errors: dict[str, list[str]] = {}
        values = {}
        for name, default, low, high in (("page", 1, 1, None), ("limit", 25, 10, 100)):
            raw = req.arg(name)
            if raw is None:
                values[name] = default
                continue
            try:
                value = int(raw)
            except ValueError:
                errors[name] = [f"The {name} must be an integer."]
                continue
            if value < low:
                errors[name] = [f"The {name} must be at least {low}."]
            elif high is not None and value > high:
                errors[name] = [f"The {name} may not be greater than {high}."]
            values[name] = value
        if errors:
            raise invalid(errors)
        return values["page"], values["limit"]

    def _length_aware(self, path: str, items: list[Any], page: int, limit: int) -> dict[str, Any]:
        """Laravel's LengthAwarePaginator (reference: docs/reference/mailersend.md §6, invites)."""
        url = f"{self.base_url}{path}"
        total = len(items)
        last = max(1, -(-total // limit))
        start = (page - 1) * limit
        chunk = items[start:start + limit]
        return {
            "data": chunk,
            "links": {"first": f"{url}?page=1", "last": f"{url}?page={last}",
                      "prev": f"{url}?page={page - 1}" if page > 1 else None,
                      "next": f"{url}?page={page + 1}" if page < last else None},
            "meta": {"current_page": page, "from": start + 1 if chunk else None, "last_page": last,
                     "links": [{"url": f"{url}?page={n}", "label": str(n), "active": n == page}
                               for n in range(1, last + 1)],
                     "path": url, "per_page": limit, "to": start + len(chunk) if chunk else None,
                     "total": total},
        }

    # -- SMTP users -------------------------------------------------------------------------
    def _domain(self, req: Request) -> str:
        domain_id = req.params["domain_id"]
        if domain_id not in self.domains:
            # reference: docs/reference/mailersend.md §2 "unknown domain_id ... POST included, gives 404"
            raise HttpError(404, NOT_FOUND)
        return domain_id

    def _smtp(self, req: Request) -> SmtpUserRecord:
        rec = self.smtp_users[self._domain(req)].get(req.params["smtp_user_id"])
        if rec is None:
            raise HttpError(404, NOT_FOUND)
        return rec

    def _new_smtp_user(self, domain_id: str, name: str, enabled: bool) -> SmtpUserRecord:
        while True:
            username = "MS_" + "".join(_ALNUM[b % 62] for b in os.urandom(6)) + "@" + self.domains[domain_id]
            if username not in self._usernames:
                break
        self._usernames.add(username)
        rec = SmtpUserRecord(new_id(), name, username, new_password(), enabled, domain_id)
        if self.smtp and enabled:
            self.smtp.issue(username, rec.password)
        return rec

    def _smtp_json(self, rec: SmtpUserRecord) -> dict[str, Any]:
        # The docs show the password in every SMTP user object (reference: docs/reference/mailersend.md §3).
        return {"id": rec.id, "name": rec.name, "username": rec.username, "password": rec.password,
                "enabled": rec.enabled, "accessed_at": rec.accessed_at,
                "server": self.smtp.host if self.smtp else "smtp.mailersend.net",
                "port": self.smtp.port if self.smtp else 587, "domain_id": rec.domain_id}

    @staticmethod
    def _smtp_fields(body: Any, *, name_required: bool) -> tuple[str | None, bool | None]:
        body = body if isinstance(body, dict) else {}
        errors: dict[str, list[str]] = {}
        name, enabled = body.get("name"), body.get("enabled")
        if name is None or name == "":
            if name_required:
                errors["name"] = ["The name field is required."]
        elif not isinstance(name, str):
            errors["name"] = ["The name must be a string."]
        elif len(name) > 50:
            errors["name"] = ["The name may not be greater than 50 characters."]
        if enabled is not None and not isinstance(enabled, bool):
            errors["enabled"] = ["The enabled field must be true or false."]
        if errors:
            raise invalid(errors)
        return name, enabled

    @route("GET", r"/domains/(?P<domain_id>[^/]+)/smtp-users")
    def list_smtp_users(self, req: Request) -> Response:
        domain_id = self._domain(req)
        page, limit = self._paging(req)
        order, users = self._order[domain_id], self.smtp_users[domain_id]
        start = (page - 1) * limit
        chunk = [self._smtp_json(users[i]) for i in order[start:start + limit]]
        url = f"{self.base_url}/domains/{domain_id}/smtp-users"
        # reference: docs/reference/mailersend.md §6: simple paginator; links carry page= but not limit=.
        return Response.json({
            "data": chunk,
            "links": {"first": f"{url}?page=1", "last": None,
                      "prev": f"{url}?page={page - 1}" if page > 1 else None,
                      "next": f"{url}?page={page + 1}" if start + limit < len(order) else None},
            "meta": {"current_page": page, "from": start + 1 if chunk else None, "path": url,
                     "per_page": limit, "to": start + len(chunk) if chunk else None},
        })

    @route("GET", r"/domains/(?P<domain_id>[^/]+)/smtp-users/(?P<smtp_user_id>[^/]+)")
    def get_smtp_user(self, req: Request) -> Response:
        return Response.json({"data": self._smtp_json(self._smtp(req))})

    @route("POST", r"/domains/(?P<domain_id>[^/]+)/smtp-users")
    def create_smtp_user(self, req: Request) -> Response:
        domain_id = self._domain(req)
        name, enabled = self._smtp_fields(req.json(), name_required=True)
        rec = self._new_smtp_user(domain_id, str(name), True if enabled is None else enabled)
        self.smtp_users[domain_id][rec.id] = rec
        self._order[domain_id].append(rec.id)
        return Response.json({"data": self._smtp_json(rec)}, 201)  # reference: §2 "201 (JAVA)"

    @route("PUT", r"/domains/(?P<domain_id>[^/]+)/smtp-users/(?P<smtp_user_id>[^/]+)")
    def update_smtp_user(self, req: Request) -> Response:
        rec = self._smtp(req)
        # reference: docs/reference/mailersend.md §2: the docs mark name required on update
        name, enabled = self._smtp_fields(req.json(), name_required=True)
        rec.name = str(name)
        if enabled is not None and enabled != rec.enabled:
            rec.enabled = enabled
            if self.smtp:
                if enabled:
                    self.smtp.issue(rec.username, rec.password)
                else:
                    self.smtp.retire(rec.username)
        return Response.json({"data": self._smtp_json(rec)})

    @route("DELETE", r"/domains/(?P<domain_id>[^/]+)/smtp-users/(?P<smtp_user_id>[^/]+)")
    def delete_smtp_user(self, req: Request) -> Response:
        rec = self._smtp(req)
        del self.smtp_users[rec.domain_id][rec.id]
        self._order[rec.domain_id].remove(rec.id)
        self._usernames.discard(rec.username)
        if self.smtp:
            self.smtp.retire(rec.username)
        return Response.empty(204)  # reference: docs/reference/mailersend.md §2 "204 (JAVA)"

    # -- account users and invites ----------------------------------------------------------
    def _user_json(self, u: AccountUserRecord) -> dict[str, Any]:
        return {
            "id": u.id, "avatar": None, "email": u.email, "last_name": u.last_name, "name": u.name,
            "2fa": False, "created_at": u.created_at, "updated_at": u.updated_at, "role": u.role,
            "permissions": list(u.permissions),
            "domains": [{"id": d, "name": self.domains.get(d, ""), "created_at": u.created_at,
                         "updated_at": u.created_at} for d in u.domains],
            "templates": [{"id": t, "name": self.templates.get(t, ""), "type": "html",
                           "created_at": u.created_at} for t in u.templates],
        }

    @staticmethod
    def _invite_json(i: AccountUserRecord) -> dict[str, Any]:
        data = None
        if i.domains or i.templates:
            data = {"domains": list(i.domains), "templates": list(i.templates)}
        return {"id": i.id, "email": i.email, "data": data, "role": i.role,
                "permissions": list(i.permissions),
                "requires_periodic_password_change": i.requires_periodic_password_change,
                "created_at": i.created_at, "updated_at": i.updated_at}

    def _check_user(self, body: Any, *, invite: bool) -> dict[str, Any]:
        """Server-side rules (reference: docs/reference/mailersend.md §4); raises the 422."""
        body = body if isinstance(body, dict) else {}
        errors: dict[str, list[str]] = {}
        if invite:
            email = body.get("email")
            taken = {u.email.lower() for u in (*self.users.values(), *self.invites.values())}
            if not email:
                errors["email"] = ["The email field is required."]
            elif not isinstance(email, str) or not _EMAIL.match(email):
                errors["email"] = ["The email must be a valid email address."]
            elif len(email) > 191:
                errors["email"] = ["The email may not be greater than 191 characters."]
            elif email.lower() in taken:
                errors["email"] = ["The email has already been taken."]
        role = body.get("role")
        if not role:
            errors["role"] = ["The role field is required."]
        elif role not in ROLE_NAMES:
            errors["role"] = ["The selected role is invalid."]  # reference: §4 (CAS users_invite)
        lists: dict[str, list[Any]] = {}
        for key in ("permissions", "templates", "domains"):
            value = body.get(key)
            if value is not None and not isinstance(value, list):
                errors[key] = [f"The {key} must be an array."]
            lists[key] = value if isinstance(value, list) else []
        if role == CUSTOM_USER and not lists["permissions"]:
            errors["permissions"] = ["The permissions field is required when role is Custom User."]
        known = {"permissions": PERMISSION_SLUGS, "templates": self.templates, "domains": self.domains}
        for key, allowed in known.items():
            for i, v in enumerate(lists[key]):
                if v not in allowed:
                    errors[f"{key}.{i}"] = [f"The selected {key}.{i} is invalid."]
        if lists["templates"] and not TEMPLATE_PERMISSIONS & set(lists["permissions"]):
            errors["templates"] = ["Templates require a read own templates permission. #MS42224"]
        rppc = body.get("requires_periodic_password_change")
        if rppc is not None and not isinstance(rppc, bool):
            errors["requires_periodic_password_change"] = [
                "The requires periodic password change field must be true or false."]
        if errors:
            raise invalid(errors)
        return {**body, **lists}

    def _account_user(self, req: Request) -> AccountUserRecord:
        u = self.users.get(req.params["user_id"])
        if u is None:
            raise HttpError(404, NOT_FOUND)
        return u

    @route("GET", r"/users")
    def list_users(self, req: Request) -> Response:
        page, limit = self._paging(req)
        users = [self._user_json(u) for u in self.users.values()]
        if self.users_paginated:
            return Response.json(self._length_aware("/users", users, page, limit))
        # reference: docs/reference/mailersend.md §6 "users: live response was only {"data":[...]}"
        start = (page - 1) * limit
        return Response.json({"data": users[start:start + limit]})

    @route("GET", r"/users/(?P<user_id>[^/]+)")
    def get_user(self, req: Request) -> Response:
        return Response.json({"data": self._user_json(self._account_user(req))})

    @route("POST", r"/users")
    def invite_user(self, req: Request) -> Response:
        body = self._check_user(req.json(), invite=True)
        now = stamp(self.clock())
        inv = AccountUserRecord(new_id(), body["email"], body["role"], body["permissions"], body["templates"],
                                body["domains"], bool(body.get("requires_periodic_password_change")),
                                created_at=now, updated_at=now)
        self.invites[inv.id] = inv
        self.invites_sent.append(inv.email)
        return Response.json({"data": self._invite_json(inv)}, self.invite_status)

    @route("PUT", r"/users/(?P<user_id>[^/]+)")
    def update_user(self, req: Request) -> Response:
        u = self._account_user(req)
        body = self._check_user(req.json(), invite=False)
        u.role, u.permissions = body["role"], body["permissions"]
        u.templates, u.domains = body["templates"], body["domains"]
        if body.get("requires_periodic_password_change") is not None:
            u.requires_periodic_password_change = body["requires_periodic_password_change"]
        u.updated_at = stamp(self.clock())
        return Response.json({"data": self._user_json(u)})

    @route("DELETE", r"/users/(?P<user_id>[^/]+)")
    def delete_user(self, req: Request) -> Response:
        del self.users[self._account_user(req).id]
        return Response.empty(self.delete_user_status)

    def _invite(self, req: Request) -> AccountUserRecord:
        inv = self.invites.get(req.params["invite_id"])
        if inv is None:
            raise HttpError(404, NOT_FOUND)
        return inv

    @route("GET", r"/invites")
    def list_invites(self, req: Request) -> Response:
        page, limit = self._paging(req)
        items = [self._invite_json(i) for i in self.invites.values()]
        return Response.json(self._length_aware("/invites", items, page, limit))

    @route("GET", r"/invites/(?P<invite_id>[^/]+)")
    def get_invite(self, req: Request) -> Response:
        return Response.json({"data": self._invite_json(self._invite(req))})

    @route("POST", r"/invites/(?P<invite_id>[^/]+)/resend")
    def resend_invite(self, req: Request) -> Response:
        inv = self._invite(req)
        self.invites_sent.append(inv.email)
        return Response.json({"data": self._invite_json(inv)})

    @route("DELETE", r"/invites/(?P<invite_id>[^/]+)")
    def cancel_invite(self, req: Request) -> Response:
        del self.invites[self._invite(req).id]
        return Response.empty(204)  # reference: docs/reference/mailersend.md §2 "204 (JAVA)"

    @route("GET", r"/api-quota")
    def api_quota(self, req: Request) -> Response:
        now = self.clock()
        reset = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        quota = self.daily_quota if self.daily_quota is not None else 100_000
        return Response.json({"quota": quota, "remaining": max(quota - self.daily_used, 0),
                              "reset": stamp(reset)})
