"""An emulator of the Webitel engine's login and email-settings endpoints.

Behaviour follows the engine's source as summarised in
docs/reference/webitel.md (the section numbers below): login and its error texts,
token checks (including the 400 ``Token Expired`` of engines before v3.6), root's two-factor
login (301), the error envelope, POST upsert, PUT replace with 404 on a no-op, the server
setting ``domain``, the caller's own domain overriding ``?domain=``, and a test route that
really sends a message with :mod:`smtplib` through the SMTP server named in the stored
settings, so a wrong stored password fails for real (500, ``code: EAUTH``).

It starts with ``root`` (:data:`ROOT_PASSWORD`) and a domain admin ``admin@example.com``
(:data:`ADMIN_PASSWORD`, domain ``example.com``); add more with :meth:`WebitelEmulator.add_user`::

    emu = WebitelEmulator().start()
    emu.add_user("100@other.example", "fake-user-password", domain="other.example", role="user")
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import smtplib
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal
from urllib.parse import unquote

from smtpcreds.plugin import EmulatorServer, HttpError, Request, Response, SmtpServer, route

Role = Literal["root", "admin", "user"]
#: reference: §2 "role (numeric: 2 root, 1 admin, 0 user, -1 custom)"
ROLE_NUMBERS: dict[str, int] = {"root": 2, "admin": 1, "user": 0}

ROOT_USERNAME = "root"
#: An obviously fake root password accepted by the emulator.
ROOT_PASSWORD = "webitel-emulator-root-password"
#: The domain admin every emulator starts with, used by :meth:`WebitelEmulator.client_profile`.
DEFAULT_DOMAIN = "example.com"
ADMIN_USERNAME = "admin@example.com"
ADMIN_PASSWORD = "webitel-emulator-admin-password"
#: reference: §2 "application.auth.expiresDays days (100 in shipped config)"
DEFAULT_LIFETIME = 100 * 24 * 3600.0
#: Text the switch console answers for an unknown user (the engine passes it through, §2).
UNKNOWN_USER = "-ERR User not found"


@dataclass
class User:
    username: str
    password: str
    domain: str | None
    role: Role


@dataclass
class _Key:
    key: str
    token: str
    username: str
    expires: int  # epoch ms


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _truthy(value: Any) -> bool:
    """JavaScript truthiness (an empty object is truthy). reference: §3 "Validation"."""
    if isinstance(value, (dict, list)):
        return True
    return bool(value)


def object_id() -> str:
    """A 24-hex MongoDB ObjectId: 4 bytes of time, 8 random."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


class WebitelEmulator(EmulatorServer):
    """Webitel engine 3.x on 127.0.0.1: ``/login``, ``/logout``, ``/api/v2/email/settings``."""

    name = "webitel"
    root_path = ""

    def __init__(self, *, smtp: SmtpServer | None = None, port: int = 0, root_path: str | None = None,
                 token_lifetime: float = DEFAULT_LIFETIME, **kw: Any) -> None:
        super().__init__(smtp=smtp, port=port)
        if root_path is not None:
            # A reverse proxy's prefix such as "/engine" (reference: §1 "Base URL").
            setattr(self, "root_path", root_path.rstrip("/"))  # noqa: B010 - shadows the ClassVar
        #: Seconds a login stays valid.
        self.token_lifetime = token_lifetime
        #: Engines 3.2-v3.5 answer an expired token with 400 and other token errors with
        #: "Invalid Token or Key" (reference: §2 "Branches 3.2-v3.5").
        self.legacy_token_errors = False
        #: Root's TOTP code when two-factor login is on.
        self.totp_code: str | None = None
        self.users: dict[str, User] = {}
        self.keys: dict[str, _Key] = {}
        #: One document per domain (reference: §3 "Storage").
        self.settings: dict[str, dict[str, Any]] = {}
        #: Successful logins, for tests.
        self.login_count = 0
        #: Messages the test route sent.
        self.test_messages: list[EmailMessage] = []
        self._secret = secrets.token_bytes(32)
        self._clock_shift_ms = 0
        self._local = threading.local()
        self.add_user(ROOT_USERNAME, ROOT_PASSWORD, role="root")
        self.add_user(ADMIN_USERNAME, ADMIN_PASSWORD, domain=DEFAULT_DOMAIN, role="admin")

    def client_profile(self) -> dict[str, Any]:
        """Profile fields for the default domain admin (who logs in with POST /login)."""
        return {"provider": "webitel", "base_url": self.base_url, "username": ADMIN_USERNAME,
                "password": ADMIN_PASSWORD, "domain": DEFAULT_DOMAIN}

    # -- helpers for tests and demos ------------------------------------------------------
    def add_user(self, username: str, password: str, domain: str | None = None, role: Role = "admin") -> User:
        """Add a login; root has no domain, domain admins and users have one."""
        with self.lock:
            user = User(username, password, None if role == "root" else domain, role)
            self.users[username] = user
            return user

    def enable_totp(self, code: str = "123456") -> str:
        """Turn on root's two-factor login with a fixed code."""
        self.totp_code = code
        return code

    def issue_session(self, username: str = ROOT_USERNAME) -> dict[str, str]:
        """A valid ``X-Key``/``X-Access-Token`` pair for ``username``, without a counted login.

        For scripts and tests that configure a key and token instead of a password.
        """
        with self.lock:
            if username not in self.users:
                raise KeyError(username)
            expires = self.now_ms() + int(self.token_lifetime * 1000)
            key, token = str(uuid.uuid4()), self._jwt(expires)
            self.keys[key] = _Key(key, token, username, expires)
            return {"X-Key": key, "X-Access-Token": token}

    def __enter__(self) -> WebitelEmulator:
        self.start()
        return self

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self._clock_shift_ms

    def expire_tokens(self) -> None:
        """Move the engine's clock past the expiry of every token issued so far."""
        with self.lock:
            latest = max((k.expires for k in self.keys.values()), default=self.now_ms())
            self._clock_shift_ms += max(0, latest - self.now_ms()) + 1

    def seed_settings(self, domain: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Store a settings document as the engine would (``_id`` and ``domain`` set)."""
        with self.lock:
            stored = {"_id": object_id(), **{k: v for k, v in doc.items() if k != "_id"}, "domain": domain}
            self.settings[domain] = stored
            copied: dict[str, Any] = json.loads(json.dumps(stored))
            return copied

    def error_body(self, status: int, message: str) -> Any:
        # reference: §5 "Generic handler ... {"status":"error","info":<message>}"
        return {"status": "error", "info": message}

    # -- tokens ---------------------------------------------------------------------------
    def _jwt(self, expires: int) -> str:
        head = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        body = _b64(json.dumps({"exp": expires}).encode())
        sig = hmac.new(self._secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(sig)}"

    def _jwt_exp(self, token: str) -> int | None:
        try:
            head, body, sig = token.split(".")
            good = hmac.new(self._secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(good, _unb64(sig)):
                return None
            exp = json.loads(_unb64(body))["exp"]
            return int(exp)
        except (ValueError, KeyError, TypeError):
            return None

    @staticmethod
    def _body(req: Request) -> dict[str, Any]:
        """The parsed body; without a JSON content type the engine parses nothing (§2)."""
        if "application/json" not in (req.header("content-type") or ""):
            return {}
        try:
            data = req.json()
        except HttpError:
            # reference: §2 "malformed JSON → 400 before any 401"
            raise HttpError(400, {"status": "error", "info": "Unexpected token in JSON"}) from None
        return data if isinstance(data, dict) else {}

    def _credential(self, req: Request, name: str, header: str) -> str | None:
        body = self._body(req)
        value = body.get(name) or req.arg(name) or req.header(header)
        return str(value) if value else None

    def authorize(self, req: Request) -> None:
        self._local.caller = None
        if req.path in ("/login", "/logout"):
            return
        # reference: §2 "How /api/v2/* requests are checked (validateRequestV2)"
        token = self._credential(req, "access_token", "x-access-token")
        key = self._credential(req, "x_key", "x-key")
        legacy = self.legacy_token_errors
        if not token:
            raise HttpError(401, self.error_body(401, "Invalid Token or Key" if legacy else "Invalid token"))
        exp = self._jwt_exp(token)
        if exp is None:
            raise HttpError(401, self.error_body(401, "Invalid Token or Key" if legacy else "Invalid token"))
        if exp <= self.now_ms():
            status = 400 if legacy else 401
            raise HttpError(status, self.error_body(status, "Token Expired"))
        if not key:
            raise HttpError(401, self.error_body(401, "Invalid Token or Key"))
        found = self.keys.get(key)
        if found is None or found.token != token:
            raise HttpError(401, self.error_body(401, "Invalid Token or Key" if legacy else "Invalid User"))
        self._local.caller = self.users.get(found.username)

    def _caller(self) -> User:
        caller: User | None = getattr(self._local, "caller", None)
        if caller is None:
            raise HttpError(401, self.error_body(401, "Invalid User"))
        return caller

    def not_found(self, req: Request) -> Response:
        # Unknown /api/v2 paths still go through auth first (§2 "unknown /api/v2 paths give 401").
        if req.path.startswith("/api/"):
            try:
                with self.lock:
                    self.authorize(req)
            except HttpError as e:
                return Response.json(e.body, e.status)
        return Response.json(self.error_body(404, f"{req.path} not found."), 404)

    # -- login / logout -------------------------------------------------------------------
    @route("POST", r"/login")
    def handle_login(self, req: Request) -> Response:
        body = self._body(req)
        username = body.get("username")
        password = body.get("password")
        if not username or not isinstance(username, str):
            return Response.json({"status": 401, "message": "Invalid credentials"}, 401)
        user = self.users.get(username)
        if user is None:
            return Response.json(self.error_body(401, UNKNOWN_USER), 401)
        if password != user.password:
            return Response.json(self.error_body(401, "secret incorrect"), 401)
        if user.role == "root" and self.totp_code is not None:
            code = req.arg("code")
            if not code:
                # reference: §2 "root with TOTP on but no code → 301 ... (no Location header)"
                return Response.json(self.error_body(301, "Set security code"), 301)
            if code != self.totp_code:
                return Response.json(self.error_body(401, "code incorrect"), 401)
        expires = self.now_ms() + int(self.token_lifetime * 1000)
        key = str(uuid.uuid4())
        token = self._jwt(expires)
        self.keys[key] = _Key(key, token, user.username, expires)
        self.login_count += 1
        answer: dict[str, Any] = {
            "key": key,
            "token": token,
            "expires": expires,
            "username": user.username,
            "role": ROLE_NUMBERS[user.role],
            "roleName": user.role,
            "acl": {"cdr": ["*"]} if user.role != "root" else {"*": ["*"]},
            "cdr": {"host": "", "useProxy": True},
            "verto": "wss://127.0.0.1:8082",
        }
        if user.domain is not None:
            answer["domain"] = user.domain
        return Response.json(answer)

    @route("POST", r"/logout")
    def handle_logout(self, req: Request) -> Response:
        key = self._credential(req, "x_key", "x-key")
        token = self._credential(req, "access_token", "x-access-token")
        if not key or not token:
            return Response.json({"status": 401, "message": "Invalid credentials"}, 401)
        found = self.keys.get(key)
        if found is None or found.token != token:
            return Response.json(self.error_body(401, "Invalid credentials."), 401)
        now = self.now_ms()
        for k in [k for k, v in self.keys.items() if k == key or v.expires <= now]:
            del self.keys[k]
        return Response.json({"status": "OK", "info": "Successful logout."})

    # -- email settings -------------------------------------------------------------------
    def _domain(self, req: Request) -> str | None:
        """The caller's own domain, else ``?domain=`` (reference: §3 "Domain resolution")."""
        caller = self._caller()
        return caller.domain or req.arg("domain") or None

    @route("GET", r"/api/v2/email/settings")
    def handle_get_settings(self, req: Request) -> Response:
        domain = self._domain(req)
        if domain is None:
            raise HttpError(400, self.error_body(400, "Bad request (domain required)."))
        doc = self.settings.get(domain)
        if doc is None:
            raise HttpError(404, self.error_body(404, "Not found!"))
        return Response.json(doc)

    def _checked_body(self, req: Request) -> tuple[str, dict[str, Any]]:
        body = self._body(req)
        domain = self._domain(req)
        if not (_truthy(body.get("provider")) and _truthy(body.get("options")) and domain):
            raise HttpError(400, self.error_body(400, "Bad parameters."))
        assert domain is not None
        body["domain"] = domain
        return domain, body

    def _replace(self, domain: str, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        given = body.pop("_id", None)
        if existing is not None and given is not None and given != existing["_id"]:
            # reference: §3 "a string _id differing from the stored ObjectId → ... 500 with Mongo code"
            raise HttpError(500, {
                "status": "error",
                "info": "After applying the update, the (immutable) field '_id' was found to have been "
                        f"altered to _id: \"{given}\"",
                "code": 66,
            })
        doc_id = existing["_id"] if existing is not None else (given if given is not None else object_id())
        doc = {"_id": doc_id, **body}
        self.settings[domain] = doc
        return doc

    @route("POST", r"/api/v2/email/settings")
    def handle_post_settings(self, req: Request) -> Response:
        domain, body = self._checked_body(req)
        # reference: §3 "POST: replacement update with upsert:true" (never 201/409)
        return Response.json(self._replace(domain, body, self.settings.get(domain)))

    @route("PUT", r"/api/v2/email/settings")
    def handle_put_settings(self, req: Request) -> Response:
        domain, body = self._checked_body(req)
        existing = self.settings.get(domain)
        unchanged = existing is not None and {k: v for k, v in existing.items() if k != "_id"} == {
            k: v for k, v in body.items() if k != "_id"}
        if existing is None or unchanged:
            # reference: §3 "PUT ... nModified === 0 → 404" (a no-op modifies nothing)
            raise HttpError(404, self.error_body(404, "Not found."))
        return Response.json(self._replace(domain, body, existing))

    @route("DELETE", r"/api/v2/email/settings")
    def handle_delete_settings(self, req: Request) -> Response:
        domain = self._domain(req)
        if domain is None:
            raise HttpError(400, self.error_body(400, "Bad parameters."))
        removed = 1 if self.settings.pop(domain, None) is not None else 0
        # reference: §3 "DELETE ... Note capital Info"
        return Response.json({"status": "OK", "Info": f"Removed {removed} record."})

    @route("POST", r"/api/v2/email/settings/test(?:/(?P<to>[^/]*))?")
    def handle_test_settings(self, req: Request) -> Response:
        body = self._body(req)
        domain = self._domain(req)
        to = unquote(req.params.get("to") or "") or body.get("to")
        doc = self.settings.get(domain or "")
        if doc is None:
            raise HttpError(404, self.error_body(404, f"Not settings EMail provider from domain {domain}"))
        if doc.get("provider") != "smtp":
            raise HttpError(500, self.error_body(500, "Bad provider name."))  # §4 "provider"
        return Response.json({"status": "OK", "info": self._send(doc, str(to or ""))})

    def _send(self, doc: dict[str, Any], to: str) -> dict[str, Any]:
        """Send one message as nodemailer-smtp-pool would with the stored ``options``."""
        opts = doc.get("options") if isinstance(doc.get("options"), dict) else {}
        assert isinstance(opts, dict)
        tls = opts.get("tls") if isinstance(opts.get("tls"), dict) else {}
        auth = opts.get("auth") if isinstance(opts.get("auth"), dict) else {}
        assert isinstance(tls, dict) and isinstance(auth, dict)
        context = ssl.create_default_context()
        if tls.get("rejectUnauthorized") is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        host, port = str(opts.get("host") or "localhost"), opts.get("port")
        port = int(port) if isinstance(port, (int, str)) and str(port).isdigit() else (
            465 if opts.get("secure") else 25)
        sender = str(doc.get("from") or auth.get("user") or "webitel@localhost")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, to, "Webitel email settings test"
        msg.set_content("This is a test message from the Webitel engine emulator.")
        try:
            client: smtplib.SMTP
            if opts.get("secure"):
                client = smtplib.SMTP_SSL(host, port, timeout=10, context=context)
            else:
                client = smtplib.SMTP(host, port, timeout=10)
            with client:
                client.ehlo()
                # secure:false is plain, upgraded when offered (§4 "secure"; nodemailer's default)
                if client.has_extn("starttls") and not opts.get("ignoreTLS"):
                    client.starttls(context=context)
                    client.ehlo()
                if auth.get("user"):
                    client.login(str(auth.get("user")), str(auth.get("pass") or ""))
                refused = client.send_message(msg)
        except smtplib.SMTPAuthenticationError as e:
            text = e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else e.smtp_error
            raise self._smtp_error(f"Invalid login: {e.smtp_code} {text}", "EAUTH") from None
        except smtplib.SMTPRecipientsRefused:
            raise self._smtp_error("Can't send mail - all recipients were rejected", "EENVELOPE") from None
        except (smtplib.SMTPException, OSError) as e:
            raise self._smtp_error(f"{type(e).__name__}: {e}", "ECONNECTION") from None
        self.test_messages.append(msg)
        return {
            "accepted": [to],
            "rejected": sorted(refused),
            "response": "250 Message accepted for delivery",
            "envelope": {"from": sender, "to": [to]},
            "messageId": f"<{uuid.uuid4()}@webitel>",
        }

    def _smtp_error(self, info: str, code: str) -> HttpError:
        # reference: §5 "code ... present for ... SMTP (e.g. EAUTH) errors"
        return HttpError(500, {"status": "error", "info": info, "code": code})
