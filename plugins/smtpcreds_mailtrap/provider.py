"""Mailtrap as an issuer: API tokens with admin access to one sending domain, used as SMTP passwords.

The SMTP username is ``api`` and the password is an API token, which Mailtrap returns once, in the
create answer (docs/reference/mailtrap.md §2, §9). Rotation is the replace strategy: create a token
with the same resources (the core stores it as pending the moment it arrives), verify it, push it,
delete the old token, which stops working at once (§6). Mailtrap's ``/reset`` is not used: it
works once per token and leaves the old one valid for hours (§5).

Every token smtpcreds creates carries exactly one resource, admin on the profile's domain, and an
``expires_at`` chosen in the profile (never left to the server's one-year default, §4). Tokens that
expire within the profile's rotation age are flagged with a warning whenever they are read.

The credential id is the token's integer id, as a string; its name is the token's name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from pydantic import SecretStr

from smtpcreds.plugin import (
    Capability,
    NotFound,
    Provider,
    ProviderContext,
    Security,
    SmtpCredential,
    check_key_create,
    check_paging,
    local_page,
    security_for_port,
)
from smtpcreds_mailtrap.api import PROVIDER, MailtrapApi, Token, transport
from smtpcreds_mailtrap.profile import MailtrapProfile

log = logging.getLogger("smtpcreds.mailtrap")

#: docs/reference/mailtrap.md §9: the transactional stream, port 587 with STARTTLS, username "api"
SMTP_HOST, SMTP_PORT, SMTP_USERNAME = "live.smtp.mailtrap.io", 587, "api"
SMTP_SECURITY: Security = "starttls"
#: Longest token name we send (ours: Mailtrap documents no limit, docs/reference/mailtrap.md §11).
NAME_MAX = 100


class MailtrapProvider(Provider):
    """Mailtrap API tokens as SMTP passwords (replace rotation)."""

    name: ClassVar[str] = PROVIDER
    profile_model: ClassVar[type[MailtrapProfile]] = MailtrapProfile
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.LIST, Capability.CREATE, Capability.DELETE, Capability.MULTI_USER,
    })
    description: ClassVar[str] = "Mailtrap API tokens (domain admin) as SMTP passwords (replace rotation)"
    emulator: ClassVar[str | None] = "smtpcreds_mailtrap.emulator:MailtrapEmulator"

    profile: MailtrapProfile

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(ctx)
        self._api: MailtrapApi | None = None
        #: Tokens already warned about (a command may read the list several times).
        self._warned: set[tuple[str, str]] = set()

    @property
    def api(self) -> MailtrapApi:
        """The wire client, built on first use (the API token is resolved only then)."""
        if self._api is None:
            p = self.profile
            self._api = MailtrapApi(transport(self.ctx.http, p.account_root, self.ctx.resolve_secret("api_token"),
                                              timeout=p.timeout, verify_tls=p.verify_tls))
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    # -- reading ----------------------------------------------------------------------------
    def list_credentials(
        self, scope: str | None = None, *, limit: int | None = None, page: int | None = None
    ) -> Iterator[SmtpCredential]:
        """Every token the managing token sees, in one request (Mailtrap does not page, §2);
        ``limit``/``page`` slice it."""
        check_paging(PROVIDER, limit, page)
        return iter([self._credential(t) for t in local_page(self.api.list(), limit, page)])

    def get_credential(self, ref: str, scope: str | None = None) -> SmtpCredential:
        """One token, with its resources and expiry."""
        return self._credential(self.api.get(_token_id(ref)))

    # -- writing ----------------------------------------------------------------------------
    def create_credential(
        self,
        name: str,
        scope: str | None = None,
        *,
        enabled: bool = True,
        password: SecretStr | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> SmtpCredential:
        """POST a token named ``name`` with admin on the profile's domain only and the profile's expiry."""
        check_key_create(PROVIDER, name, enabled=enabled, password=password, options=options, name_max=NAME_MAX,
                         secret="API token", maker="Mailtrap", from_profile="domain and expiry come from the profile")
        p = self.profile
        if p.token_lifetime_days != "never" and p.token_lifetime_days < p.rotation_age_days:
            log.warning("mailtrap: profile %r: tokens live %d days (token_lifetime_days) but are rotated after "
                        "%d (rotation_age_days): each will stop working before its rotation",
                        self.ctx.profile_name, p.token_lifetime_days, p.rotation_age_days)
        token = self.api.create(name, p.domain_id, p.expires_at())
        cred = self._credential(token)
        secret = token.get("token")
        if isinstance(secret, str) and secret:
            cred.password = SecretStr(secret)
        return cred

    def delete_credential(self, ref: str, scope: str | None = None) -> None:
        self.api.delete(_token_id(ref))

    # -- endpoint ---------------------------------------------------------------------------
    def smtp_endpoint(self) -> tuple[str, int, Security]:
        p = self.profile
        port = p.smtp_port or SMTP_PORT
        security: Security = p.smtp_security or (security_for_port(port) if p.smtp_port else SMTP_SECURITY)
        return p.smtp_host or SMTP_HOST, port, security

    def _credential(self, token: Token) -> SmtpCredential:
        host, port, _ = self.smtp_endpoint()
        extra = {k: token[k] for k in ("expires_at", "resources", "last_4_digits", "created_by") if k in token}
        extra.setdefault("expires_at", None)
        cred = SmtpCredential(provider=PROVIDER, id=str(token["id"]), scope=None, name=str(token.get("name") or ""),
                              username=SMTP_USERNAME, host=host, port=port, enabled=True, extra=extra)
        self._check_expiry(cred)
        return cred

    def _check_expiry(self, cred: SmtpCredential) -> None:
        """Warn about a token that has expired or expires within the rotation age (§4): a scheduled
        rotation may not replace it in time, and Mailtrap refuses an expired token without notice."""
        expires = _parse(cred.extra.get("expires_at"))
        if expires is None:
            return
        now = datetime.now(timezone.utc)
        age = self.profile.rotation_age_days
        if expires <= now:
            why = "expired"
        elif expires < now + timedelta(days=age):
            why = f"expires within the rotation age ({age} days)"
        else:
            return
        cred.extra["expiry_warning"] = why
        if (cred.id, why) not in self._warned:
            self._warned.add((cred.id, why))
            log.warning("mailtrap: API token %s (%r) %s, at %s: rotate it now (%s)", cred.id, cred.name, why,
                        cred.extra["expires_at"],
                        "it no longer authenticates" if why == "expired" else "SMTP logins with it stop then")


def _token_id(ref: str) -> int:
    """Token ids are integers (docs/reference/mailtrap.md §2); anything else names no token."""
    text = ref.strip()
    if not text.isdigit() or not text.isascii():
        raise NotFound(f"{PROVIDER}: no API token with id {ref!r} (token ids are numbers)", provider=PROVIDER,
                       status=404)
    return int(text)


def _parse(raw: Any) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
