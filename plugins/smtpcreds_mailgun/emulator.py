"""A Mailgun emulator for domain SMTP credentials, on 127.0.0.1.

It answers as docs/reference/mailgun.md describes: the bare root with ``/v3`` endpoints,
HTTP Basic ``api:<key>``, form bodies (urlencoded as the official SDK sends them, or
multipart as the documentation shows), ``{"message"}`` errors, a plain-text ``Forbidden`` 401
for a bad key *or* a domain of the other region, ``limit``/``skip`` paging
(``total_count`` counting the page), a password generated and shown once when a create or PUT
has none, and 429s with ``X-RateLimit-*`` headers. Credentials it holds are issued to an
attached SMTP server, so a login is accepted there exactly while Mailgun would accept it.

Choices the reference leaves open (marked *unconfirmed* in the reference page): the status
and message for a duplicate login (400 ``Credentials already exist``), an unknown login
(404 ``Credentials not found``) and an unknown domain (404 ``Domain not found``).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import re
import time
from typing import Any
from urllib.parse import parse_qs, unquote

from smtpcreds.plugin import EmulatorServer, HttpError, Request, Response, SmtpServer, route
from smtpcreds_mailgun import rules

API_KEY = "key-emulator0000000000000000000000"
DOMAIN = "mg.example.com"
REGION = "us"
_DOMAIN_PATH = r"/v3/domains/(?P<domain>[^/]+)/credentials"


def form_fields(req: Request) -> dict[str, str]:
    """The form fields of a urlencoded or multipart body (last value of a repeated field)."""
    ctype = req.header("content-type") or ""
    if ctype.startswith("multipart/form-data"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + req.body)
        fields: dict[str, str] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                fields[name] = payload.decode() if isinstance(payload, bytes) else ""
        return fields
    if not req.body:
        return {}
    if ctype and not ctype.startswith("application/x-www-form-urlencoded"):
        raise HttpError(400, {"message": f"Unsupported Content-Type {ctype.split(';')[0]!r}"})
    return {k: v[-1] for k, v in parse_qs(req.body.decode(), keep_blank_values=True).items()}


class MailgunEmulator(EmulatorServer):
    """Mailgun ``/v3/domains/{domain}/credentials`` with its documented answers and quirks."""

    name = "mailgun"
    root_path = ""  # the profile's base_url is the bare root; endpoints carry their version

    def __init__(self, *, smtp: SmtpServer | None = None, port: int = 0, api_key: str = API_KEY,
                 domains: dict[str, str] | None = None, region: str = REGION) -> None:
        super().__init__(smtp=smtp, port=port)
        self.api_key = api_key
        #: This emulator serves one region; a domain of the other one answers 401 Forbidden.
        self.region = region
        #: domain -> region it was created in.
        self.domains: dict[str, str] = dict(domains or {DOMAIN: region})
        #: domain -> login -> {"password", "created_at"} (insertion order is creation order).
        self.credentials: dict[str, dict[str, dict[str, Any]]] = {d: {} for d in self.domains}

    def client_profile(self) -> dict[str, Any]:
        return {"provider": "mailgun", "base_url": self.base_url, "api_key": self.api_key, "domain": DOMAIN}

    # -- framework hooks ---------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        return {"message": message}

    def rate_limited(self, retry_after: float) -> Response:
        reset = str(int(time.time() + max(1.0, retry_after)))
        return Response.json({"message": "Too Many Requests"}, 429, {
            "X-RateLimit-Limit": str(self.rate_limit_per_minute or 0), "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset})

    def dispatch(self, req: Request) -> Response:
        """Check the key (and the domain's region) first: a refusal is a plain-text body."""
        if not self._authorized(req):
            # docs/reference/mailgun.md §Errors: a bad key, or a domain of the other region, gets this
            return Response(401, b"Forbidden", {"Content-Type": "text/plain; charset=utf-8"})
        return super().dispatch(req)

    def _authorized(self, req: Request) -> bool:
        scheme, _, token = (req.header("authorization") or "").partition(" ")
        try:
            user, _, key = base64.b64decode(token, validate=True).decode().partition(":")
        except ValueError:
            return False
        if scheme.lower() != "basic" or user != "api" or key != self.api_key:
            return False
        m = re.match(r"/v3/domains/([^/]+)", req.path)
        return m is None or self.domains.get(unquote(m.group(1))) in (None, self.region)

    # -- state helpers -----------------------------------------------------------------------
    def add_credential(self, login: str, password: str, domain: str = DOMAIN) -> None:
        self.credentials.setdefault(domain, {})[login] = {"password": password,
                                                          "created_at": _rfc2822(time.time())}
        if self.smtp is not None:
            self.smtp.issue(login, password)

    def _store(self, req: Request) -> tuple[str, dict[str, dict[str, Any]]]:
        domain = unquote(req.params["domain"])
        if domain not in self.domains:
            raise HttpError(404, {"message": "Domain not found"})
        return domain, self.credentials.setdefault(domain, {})

    def _spec(self, req: Request, domain: str, creds: dict[str, dict[str, Any]]) -> str:
        spec = unquote(req.params["spec"])
        login = spec if "@" in spec else f"{spec}@{domain}"
        if login not in creds:
            raise HttpError(404, {"message": "Credentials not found"})
        return login

    # -- endpoints ---------------------------------------------------------------------------
    @route("GET", _DOMAIN_PATH)
    def list_credentials(self, req: Request) -> Response:
        _domain, creds = self._store(req)
        try:
            limit = int(req.arg("limit", "100") or "100")
            skip = int(req.arg("skip", "0") or "0")
        except ValueError:
            raise HttpError(400, {"message": "limit and skip must be integers"}) from None
        if limit < 1 or skip < 0:
            raise HttpError(400, {"message": "limit must be positive and skip not negative"})
        items = [{"size_bytes": None, "created_at": c["created_at"], "mailbox": login, "login": login}
                 for login, c in creds.items()][skip:skip + limit]
        # docs/reference/mailgun.md §Endpoints: total_count is "the number of credentials described in items"
        return Response.json({"total_count": len(items), "items": items})

    @route("POST", _DOMAIN_PATH)
    def create_credential(self, req: Request) -> Response:
        domain, creds = self._store(req)
        fields = form_fields(req)
        raw = fields.get("login") or fields.get("mailbox")
        if not raw:
            raise HttpError(400, {"message": "login is required"})
        login = raw if "@" in raw else f"{raw}@{domain}"
        if login.partition("@")[2] != domain:
            raise HttpError(400, {"message": f"login must be on the domain {domain}"})
        if login in creds:
            raise HttpError(400, {"message": "Credentials already exist"})
        password, generated = self._password(fields)
        self.add_credential(login, password, domain)
        if generated:  # docs/reference/mailgun.md §Passwords: shown once, in this answer only
            return Response.json({"message": "Created 1 credentials pair(s)",
                                  "note": "Please store the password, it will not be shown again",
                                  "credentials": {login: password}})
        return Response.json({"message": "Created 1 credentials pair(s)"})

    @route("PUT", _DOMAIN_PATH + r"/(?P<spec>[^/]+)")
    def update_credential(self, req: Request) -> Response:
        domain, creds = self._store(req)
        login = self._spec(req, domain, creds)
        password, generated = self._password(form_fields(req))
        if self.smtp is not None:
            self.smtp.retire(login)
        self.add_credential(login, password, domain)
        if generated:
            return Response.json({"message": "Password changed", "note": "Please store the password",
                                  "credentials": {login: password}})
        return Response.json({"message": "Password changed"})

    @route("DELETE", _DOMAIN_PATH + r"/(?P<spec>[^/]+)")
    def delete_credential(self, req: Request) -> Response:
        domain, creds = self._store(req)
        login = self._spec(req, domain, creds)
        del creds[login]
        if self.smtp is not None:
            self.smtp.retire(login)
        return Response.json({"message": "Credentials have been deleted", "spec": login})

    @staticmethod
    def _password(fields: dict[str, str]) -> tuple[str, bool]:
        given = fields.get("password")
        if not given:
            import secrets

            return secrets.token_urlsafe(24)[:32], True
        if not rules.PASSWORD_MIN <= len(given) <= rules.PASSWORD_MAX:
            raise HttpError(400, {"message": f"Password length must be between {rules.PASSWORD_MIN} and "
                                             f"{rules.PASSWORD_MAX} characters."})
        return given, False


def _rfc2822(ts: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(ts))
