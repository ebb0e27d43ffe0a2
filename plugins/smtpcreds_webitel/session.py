"""Signing in to the engine: ``POST /login``, the cached session, and one re-login on 401.

The engine answers a login with ``key`` (sent as ``X-Key``), ``token`` (``X-Access-Token``)
and ``expires`` in epoch milliseconds, 100 days ahead in the shipped config (reference:
docs/reference/webitel.md §2 "Login"). The session is kept in the profile's keyring as a
small JSON blob until it expires, so a cron job does not log in on every run. A request
refused with 401, or with 400 ``Token Expired`` on engines before v3.6, makes one new login
and one retry; a second refusal is an :class:`~smtpcreds.errors.AuthError`.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import requests

from smtpcreds.plugin import (
    AuthError,
    HttpTransport,
    ProviderError,
    SecretStoreError,
    SmtpCredsError,
    expect,
    parse_json,
)
from smtpcreds.plugin import register_secret as register
from smtpcreds_webitel.envelope import SECURITY_CODE, error_text

if TYPE_CHECKING:
    from smtpcreds.plugin import ProviderContext
    from smtpcreds_webitel.profile import WebitelProfile

log = logging.getLogger("smtpcreds.webitel")

PROVIDER = "webitel"
BLOB = "session"
#: Statuses of a refused login: the engine's code answers 401, its docs 400 and 404, and
#: deployed builds may differ. reference: docs/reference/webitel.md §2 "Login errors", §7.
REFUSED = (400, 401, 404)
#: Seconds to wait for another thread's or process's login before logging in anyway.
LOGIN_LOCK_TIMEOUT = 60.0
#: A cached session this close to its expiry is replaced before use (milliseconds).
EXPIRY_MARGIN_MS = 60_000


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Session:
    """An X-Key/X-Access-Token pair, and what the login told about the caller."""

    key: str
    token: str
    #: Epoch milliseconds; None for a configured pair (its lifetime is unknown).
    expires: int | None = None
    username: str | None = None
    #: The caller's own domain (None for root, or unknown for a configured pair).
    domain: str | None = None
    #: Whether ``domain`` is known: True after a login, False for a configured pair.
    knows_domain: bool = False
    base_url: str | None = None

    def __repr__(self) -> str:
        return f"<Session username={self.username!r} domain={self.domain!r} expires={self.expires}>"

    def headers(self) -> dict[str, str]:
        return {"X-Key": self.key, "X-Access-Token": self.token}

    def fresh(self, at_ms: int) -> bool:
        return self.expires is None or self.expires - EXPIRY_MARGIN_MS > at_ms


class Authenticator:
    """Supplies a valid session to every request and renews it when the engine refuses it."""

    def __init__(self, http: HttpTransport, ctx: ProviderContext, profile: WebitelProfile) -> None:
        self.http = http
        self.ctx = ctx
        self.profile = profile
        self._session: Session | None = None
        #: Logins done by this instance (for tests and benchmarks).
        self.logins = 0

    # -- the session ----------------------------------------------------------------------
    def session(self) -> Session:
        """The current session: in memory, else cached in the keyring, else a new login.

        Only a cached session is checked against its expiry; one in memory is used until the
        engine refuses it (then :meth:`request` logs in again).
        """
        if self._session is not None:
            return self._session
        if not self.profile.logs_in:
            self._session = self._configured()
            return self._session
        self._session = self._cached_or_login()
        return self._session

    def _cached_or_login(self, refused: Session | None = None) -> Session:
        """The cached session (unless it is the one just ``refused``), else a new login.

        One thread or process at a time per profile, so connections that start together, or
        that are refused together, log in once between them and share the session.
        """
        with self._login_lock():
            cached = self._load()
            if cached is not None and (refused is None or cached.key != refused.key):
                return cached
            if cached is not None:
                self.forget()  # the refused one: not to be tried again if this login fails
            return self.login()

    @contextmanager
    def _login_lock(self) -> Iterator[None]:
        from filelock import FileLock, Timeout

        from smtpcreds.plugin import state_dir

        name = re.sub(r"[^A-Za-z0-9_.-]", "_", self.ctx.profile_name)
        lock = FileLock(str(state_dir() / f"webitel-login-{name}.lock"), timeout=LOGIN_LOCK_TIMEOUT)
        try:
            lock.acquire()
        except Timeout:
            log.warning("%s: another login is taking long; logging in without waiting", PROVIDER)
            yield
            return
        try:
            yield
        finally:
            lock.release()

    def _configured(self) -> Session:
        key = self.ctx.resolve_secret("key")
        token = self.ctx.resolve_secret("token")
        register(key, token)
        return Session(key=key, token=token, base_url=self.profile.base_url)

    def login(self, code: str | None = None) -> Session:
        """``POST /login`` with the profile's username and password (and a two-factor ``code``);
        cache the session, so the commands that follow use it."""
        username = self.profile.username
        assert username is not None
        password = self.ctx.resolve_secret("password")
        register(password)
        params = {"code": code} if code else None
        # Without Content-Type: application/json the engine ignores the body (the transport
        # always sends it). reference: docs/reference/webitel.md §2 "Login errors"
        resp = self.http.request("POST", "/login", params=params,
                                 json_body={"username": username, "password": password},
                                 ok=(200, 301, *REFUSED))
        body = _json(resp)
        if resp.status_code == 301:
            # reference: docs/reference/webitel.md §2 "root with TOTP on but no code → 301"
            raise AuthError(
                f"{PROVIDER}: {username!r} has two-factor login: the engine asks for a security code "
                f"({error_text(body) or SECURITY_CODE}); log in with the current code first: "
                f"'smtpcreds --profile {self.ctx.profile_name} webitel login --code NNNNNN'",
                status=301, provider=PROVIDER,
            )
        if resp.status_code in REFUSED:
            raise _refused(resp, error_text(body), username, self.http)
        expect(isinstance(body, dict), PROVIDER, "login answer is not a JSON object")
        key, token, expires = body.get("key"), body.get("token"), body.get("expires")
        expect(isinstance(key, str) and bool(key), PROVIDER, "login answer has no key")
        expect(isinstance(token, str) and bool(token), PROVIDER, "login answer has no token")
        register(key, token)
        domain = body.get("domain")
        session = Session(
            key=key,
            token=token,
            expires=int(expires) if isinstance(expires, (int, float)) and not isinstance(expires, bool)
            else None,
            username=username,
            domain=domain if isinstance(domain, str) and domain else None,
            knows_domain=True,
            base_url=self.profile.base_url,
        )
        self.logins += 1
        self._save(session)
        self._session = session
        return session

    def forget(self) -> None:
        """Drop the session from memory and from the keyring."""
        self._session = None
        if self.profile.logs_in:
            try:
                self.ctx.secret_store().delete_blob(BLOB)
            except SecretStoreError as e:
                log.warning("%s: could not remove the cached session: %s", PROVIDER, e.message)

    def logout(self) -> None:
        """``POST /logout`` the cached or current session (if any), then forget it."""
        session = self._session or (self._load() if self.profile.logs_in else None)
        if session is None:
            return
        try:
            self.http.request("POST", "/logout", headers=session.headers(), ok=(200, 401))
        finally:
            self.forget()

    # -- keyring cache --------------------------------------------------------------------
    def _load(self) -> Session | None:
        try:
            raw = self.ctx.secret_store().get_blob(BLOB)
        except SecretStoreError as e:
            log.warning("%s: cannot read the cached session (%s); logging in", PROVIDER, e.message)
            return None
        if raw is None:
            return None
        session = _parse_cached(raw)
        if session is None:
            log.warning("%s: the cached session is unreadable; logging in again", PROVIDER)
            return None
        register(session.key, session.token)
        if session.base_url != self.profile.base_url or session.username != self.profile.username:
            return None  # the profile now points elsewhere
        if not session.fresh(now_ms()):
            return None
        return session

    def _save(self, session: Session) -> None:
        try:
            self.ctx.secret_store().put_blob(BLOB, json.dumps(asdict(session), separators=(",", ":")))
        except SecretStoreError as e:
            # Not fatal: the next run logs in again.
            log.warning("%s: the session is not cached (%s)", PROVIDER, e.message)

    # -- requests -------------------------------------------------------------------------
    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        """Send an authenticated request; on a refused session log in once and retry once."""
        session = self.session()
        try:
            return self.http.request(method, path, headers=session.headers(), **kw)
        except AuthError as first:
            if not self.profile.logs_in:
                raise AuthError(
                    f"{PROVIDER}: the configured key and token were refused ({_reason(first)}); "
                    "set a new pair, or configure username and password instead",
                    status=first.status, provider=PROVIDER,
                ) from None
            log.info("%s: session refused (%s); logging in again", PROVIDER, _reason(first))
            self._session = None
            self._session = self._cached_or_login(refused=session)
        try:
            return self.http.request(method, path, headers=self._session.headers(), **kw)
        except AuthError as second:
            self.forget()
            raise AuthError(
                f"{PROVIDER}: the engine refused a fresh session too ({_reason(second)}); "
                "check that the user may use this engine and that its clock is right",
                status=second.status, provider=PROVIDER,
            ) from None


def _refused(resp: requests.Response, reason: str | None, username: str,
             http: HttpTransport) -> SmtpCredsError:
    """The error for a refused login; a 400/404 without the engine's envelope is not one."""
    status = resp.status_code
    if reason is None and status != 401:
        return http.error_for(resp)  # a proxy's page, say: not the engine's answer
    if "code" in (reason or "").lower():
        hint = "the security code was wrong or expired"
    elif status == 404:
        hint = "unknown user, or base_url is not the engine root (check the /engine prefix)"
    else:
        hint = "check username and password"
    return AuthError(f"{PROVIDER}: login as {username!r} refused: {reason or 'refused'} (HTTP {status}); "
                     f"{hint}", status=status, provider=PROVIDER)


#: The type of every field of a cached session (another keyring user may have changed it).
_CACHED_TYPES: dict[str, tuple[type, ...]] = {
    "key": (str,), "token": (str,), "expires": (int, type(None)), "username": (str, type(None)),
    "domain": (str, type(None)), "knows_domain": (bool,), "base_url": (str, type(None)),
}


def _parse_cached(raw: str) -> Session | None:
    """The session in a keyring blob, or None when it is not exactly what :meth:`_save` wrote."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != set(_CACHED_TYPES):
        return None
    for name, types in _CACHED_TYPES.items():
        value = data[name]
        if not isinstance(value, types) or (name == "expires" and isinstance(value, bool)):
            return None
    if not data["key"] or not data["token"]:
        return None
    return Session(**data)


def _json(resp: requests.Response) -> Any:
    try:
        return parse_json(resp, PROVIDER)
    except ProviderError:
        if resp.status_code == 200:
            raise
        return None


def _reason(e: SmtpCredsError) -> str:
    """An error's message without the ``webitel: `` prefix, to nest it in another message."""
    prefix = f"{PROVIDER}: "
    return e.message[len(prefix):] if e.message.startswith(prefix) else e.message
