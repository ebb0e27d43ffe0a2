"""SMTP2GO as an issuer: SMTP users, their passwords and every per-user setting.

The credential id is the username (SMTP2GO has no other id and no rename); the scope is the
subaccount acted on behalf of, or ``None`` for the key's own account.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

from smtpcreds.plugin import (
    AlternatingNames,
    Capability,
    NotFound,
    Provider,
    ProviderContext,
    Security,
    SmtpCredential,
    local_page,
    security_for_port,
)
from smtpcreds_smtp2go.api import Smtp2goApi, User
from smtpcreds_smtp2go.options import (
    Smtp2goOptions,
    Status,
    check_password,
    check_username,
    invalid,
    parse_options,
)
from smtpcreds_smtp2go.profile import Smtp2goProfile

log = logging.getLogger("smtpcreds.smtp2go")

# reference: docs/reference/smtp2go.md §1: SMTP2GO's documented relay host
SMTP_HOST, SMTP_PORT = "mail.smtp2go.com", 587
SMTP_SECURITY: Security = "starttls"
#: Fields of a user item that are not settings to copy into ``extra``.
_NOT_EXTRA = frozenset({"username", "email_password"})
#: Settings a replacement copies: response name -> option name.
_CLONED = {name: name for name in (
    "description", "feedback_enabled", "feedback_html", "feedback_text", "open_tracking_enabled",
    "click_tracking_enabled", "archive_enabled", "audit_email", "bounce_notifications", "status")}
_CLONED["ippool"] = "ip_pool"  # reference: §4: ip_pool is returned as ippool


class Smtp2goProvider(AlternatingNames, Provider):
    """SMTP2GO SMTP users (API v3). Usernames are unique service-wide, so a replacement alternates
    ``NAME`` and ``NAME_clone`` (docs/reference/smtp2go.md §6: usernames such as ``my_user`` are
    accepted)."""

    name: ClassVar[str] = "smtp2go"
    profile_model: ClassVar[type[Smtp2goProfile]] = Smtp2goProfile
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.LIST, Capability.CREATE, Capability.UPDATE, Capability.DELETE,
        Capability.SET_PASSWORD, Capability.MULTI_USER,
    })
    description: ClassVar[str] = "SMTP2GO SMTP users, with per-user limits, tracking and status"
    emulator: ClassVar[str | None] = "smtpcreds_smtp2go.emulator:Smtp2goEmulator"
    options_model: ClassVar[type[Smtp2goOptions]] = Smtp2goOptions
    password_option: ClassVar[str | None] = "email_password"

    profile: Smtp2goProfile

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(ctx)
        self._api: Smtp2goApi | None = None

    @property
    def api(self) -> Smtp2goApi:
        """The wire client, built on first use (resolving the API key only then)."""
        if self._api is None:
            p = self.profile
            self._api = Smtp2goApi(p.api_root, self.ctx.resolve_secret("api_key"),
                                   timeout=p.timeout, verify_tls=p.verify_tls, http=self.ctx.http)
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    # -- reading --------------------------------------------------------------------------
    def list_credentials(
        self, scope: str | None = None, *, limit: int | None = None, page: int | None = None
    ) -> Iterator[SmtpCredential]:
        """Every SMTP user; SMTP2GO answers in one piece, so ``limit``/``page`` slice locally."""
        scope = self.scope(scope)
        users, shared = self.api.view(_scoped({}, scope))
        for user in local_page(users, limit, page):
            yield self._credential(user, scope, shared)

    def get_credential(self, ref: str, scope: str | None = None) -> SmtpCredential:
        scope = self.scope(scope)
        users, shared = self.api.view(_scoped({"username": ref}, scope))
        for user in users:
            if user["username"] == ref:
                return self._credential(user, scope, shared)
        where = f" in subaccount {scope}" if scope else ""
        raise NotFound(f"smtp2go: no SMTP user {ref!r}{where}", provider=self.name, status=404)

    # -- writing --------------------------------------------------------------------------
    def create_credential(
        self,
        name: str,
        scope: str | None = None,
        *,
        enabled: bool = True,
        password: SecretStr | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> SmtpCredential:
        """POST /users/smtp/add with username = ``name`` and the password the core chose.

        The core keeps that password as pending in the store before calling, so it is never only
        in a response. SMTP2GO would generate one when add is sent without it, and that one would
        exist only in the answer (docs/reference/smtp2go.md §4), so a create without one is refused.
        """
        opts = parse_options(options, "add")
        problems: dict[str, list[str]] = {}
        _check(problems, "name", check_username, name)
        if password is None:
            problems["password"] = ["smtp2go creates logins only with a password the core chose and stored "
                                    "(create through smtpcreds.connect(...).credentials.create)"]
        else:
            _check(problems, "password", check_password, password.get_secret_value())
        _no_password_option(problems, opts)
        status = _status(problems, enabled, opts.status, creating=True)
        scope = _scope(problems, self.scope(scope), opts)
        if problems or password is None:
            raise invalid(problems)
        body: dict[str, Any] = {"username": name, **opts.wire()}
        if status is not None:
            body["status"] = status
        user = self.api.add(_scoped({**body, "email_password": password.get_secret_value()}, scope))
        cred = self._credential(user, scope)
        cred.password = password
        return cred

    def update_credential(
        self,
        ref: str,
        scope: str | None = None,
        *,
        name: str | None = None,
        enabled: bool | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> SmtpCredential:
        """PATCH only the changed fields; a full POST edit when ``replace_all=True``."""
        opts = parse_options(options, "update")
        problems: dict[str, list[str]] = {}
        if name is not None and name != ref:
            problems["name"] = [f"SMTP2GO cannot rename an SMTP user ({ref!r} -> {name!r}); "
                                "create a new one and delete the old"]
        _no_password_option(problems, opts)
        status = _status(problems, enabled, opts.status, creating=False)
        scope = _scope(problems, self.scope(scope), opts)
        if problems:
            raise invalid(problems)
        changes = opts.wire()
        if status is not None:
            changes["status"] = status
        changes.pop("subaccount_id", None)
        if not changes and not opts.replace_all:
            return self.get_credential(ref, scope)
        if opts.replace_all:
            # reference: §4: POST edit may reset what it is not given
            log.warning("smtp2go: full edit (replace_all) of %s: settings not given reset to their "
                        "defaults", ref)
        send = self.api.edit if opts.replace_all else self.api.patch
        return self._credential(send(_scoped({"username": ref, **changes}, scope)), scope)

    def set_password(self, ref: str, password: SecretStr, scope: str | None = None) -> None:
        """PATCH ``email_password`` (supported on PATCH since 2025-09-15, per the changelog)."""
        problems: dict[str, list[str]] = {}
        _check(problems, "password", check_password, password.get_secret_value())
        if problems:
            raise invalid(problems)
        self.api.patch(_scoped({"username": ref, "email_password": password.get_secret_value()},
                               self.scope(scope)))

    def delete_credential(self, ref: str, scope: str | None = None) -> None:
        self.api.remove(_scoped({"username": ref}, self.scope(scope)))

    # -- identity and endpoint ------------------------------------------------------------
    def predict_id(self, name: str, scope: str | None = None) -> str | None:
        return name

    def clone_options(self, cred: SmtpCredential) -> dict[str, Any]:
        """The settings of ``cred`` as options, so its replacement behaves the same."""
        extra = cred.extra
        options = {opt: extra[key] for key, opt in _CLONED.items() if extra.get(key) is not None}
        if extra.get("custom_ratelimit") is True:
            options["custom_ratelimit"] = True
            if extra.get("custom_ratelimit_value") is not None:
                options["custom_ratelimit_value"] = extra["custom_ratelimit_value"]
            period = extra.get("custom_ratelimit_period")
            if isinstance(period, str) and period:
                options["custom_ratelimit_period"] = period.replace(", ", ",")
        domain = extra.get("feedback_domain")
        if isinstance(domain, str) and domain not in ("", "default"):
            options["feedback_domain"] = domain
        parse_options(options, "add")  # a setting we could not send again fails here, not mid-rotation
        return options

    def smtp_endpoint(self) -> tuple[str, int, Security]:
        p = self.profile
        port = p.smtp_port or SMTP_PORT
        security: Security = p.smtp_security or (security_for_port(port) if p.smtp_port else SMTP_SECURITY)
        return p.smtp_host or SMTP_HOST, port, security

    def _credential(
        self, user: User, scope: str | None, shared: Mapping[str, Any] | None = None
    ) -> SmtpCredential:
        host, port, _ = self.smtp_endpoint()
        extra = {k: v for k, v in user.items() if k not in _NOT_EXTRA}
        for k, v in (shared or {}).items():  # view: default_ratelimit_* beside results
            extra.setdefault(k, v)
        # reference: §6 (PATCH answers a bare list): its schema spells custom_rate_limit
        if "custom_ratelimit" not in extra and "custom_rate_limit" in extra:
            extra["custom_ratelimit"] = extra.pop("custom_rate_limit")
        status = user.get("status")
        enabled = status != "blocked" if isinstance(status, str) else bool(user.get("sending_allowed", True))
        return SmtpCredential(provider=self.name, id=user["username"], scope=scope, name=user["username"],
                              username=user["username"], host=host, port=port, enabled=enabled, extra=extra)


def _scoped(body: dict[str, Any], scope: str | None) -> dict[str, Any]:
    if scope is not None:
        body["subaccount_id"] = scope
    return body


def _check(problems: dict[str, list[str]], field: str, rule: Any, value: str) -> None:
    try:
        rule(value)
    except ValueError as e:
        problems.setdefault(field, []).append(str(e))


def _no_password_option(problems: dict[str, list[str]], opts: Smtp2goOptions) -> None:
    """``email_password`` is the core's to keep (Provider.password_option): it never reaches here
    through smtpcreds.connect(), and a direct call must not bypass the store."""
    if opts.email_password is not None:
        problems["email_password"] = ["passwords are set through the core (credentials.create/set_password), "
                                      "which keeps them in the store first"]


def _status(problems: dict[str, list[str]], enabled: bool | None, status: Status | None, *,
            creating: bool) -> Status | None:
    """The ``status`` to send: the option if given, else the one ``enabled`` maps to."""
    if status is not None:
        # create's enabled=True is only the default, so there the status option wins
        if enabled is False and status != "blocked":
            problems["status"] = [f"{status!r} contradicts disabled (which means 'blocked')"]
        elif enabled is True and status == "blocked" and not creating:
            problems["status"] = ["'blocked' contradicts enabled (which means 'allowed')"]
        return status
    if enabled is None or (creating and enabled):
        return None  # SMTP2GO creates users 'allowed' by default
    return "allowed" if enabled else "blocked"


def _scope(problems: dict[str, list[str]], scope: str | None, opts: Smtp2goOptions) -> str | None:
    if opts.subaccount_id is None:
        return scope
    if scope is not None and scope != opts.subaccount_id:
        problems["subaccount_id"] = [f"{opts.subaccount_id!r} contradicts the scope {scope!r}"]
    return opts.subaccount_id
