"""SendGrid as an issuer: API keys with the ``mail.send`` scope, used as SMTP passwords.

The SMTP username is always the literal ``apikey`` and the password is the key itself, which
SendGrid returns once, in the create answer. So rotation is the replace strategy: create a new
key with the same name (the core stores it as pending the moment it arrives), verify it, push
it, delete the old key. A create whose answer is lost is reconciled by the core, which lists
keys by name and deletes the orphan (its secret can never be known).

The credential id is the key's ``api_key_id``; its name is the key's name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

from smtpcreds.plugin import (
    Capability,
    Provider,
    ProviderContext,
    Security,
    SmtpCredential,
    check_key_create,
    local_page,
    security_for_port,
)
from smtpcreds_sendgrid.api import MAIL_SEND, PROVIDER, Key, SendGridApi, transport
from smtpcreds_sendgrid.profile import SendGridProfile

log = logging.getLogger("smtpcreds.sendgrid")

#: reference: docs/reference/sendgrid.md §SMTP
SMTP_HOST, SMTP_PORT, SMTP_USERNAME = "smtp.sendgrid.net", 587, "apikey"
SMTP_SECURITY: Security = "starttls"
#: Longest key name we send (ours: SendGrid documents no limit we could confirm).
NAME_MAX = 100


class SendGridProvider(Provider):
    """SendGrid API keys as SMTP passwords (replace rotation)."""

    name: ClassVar[str] = PROVIDER
    profile_model: ClassVar[type[SendGridProfile]] = SendGridProfile
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.LIST, Capability.CREATE, Capability.DELETE, Capability.MULTI_USER,
    })
    description: ClassVar[str] = "SendGrid API keys (mail.send) as SMTP passwords (replace rotation)"
    emulator: ClassVar[str | None] = "smtpcreds_sendgrid.emulator:SendGridEmulator"

    profile: SendGridProfile

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(ctx)
        self._api: SendGridApi | None = None

    @property
    def api(self) -> SendGridApi:
        """The wire client, built on first use (the API key is resolved only then)."""
        if self._api is None:
            p = self.profile
            self._api = SendGridApi(transport(self.ctx.http, p.api_root, self.ctx.resolve_secret("api_key"),
                                              timeout=p.timeout, verify_tls=p.verify_tls))
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    # -- reading ----------------------------------------------------------------------------
    def list_credentials(
        self, scope: str | None = None, *, limit: int | None = None, page: int | None = None
    ) -> Iterator[SmtpCredential]:
        """Every key (names and ids only: the list carries no scopes), in one request.

        An account holds at most 100 keys, which one request returns; ``limit``/``page`` slice it.
        """
        return iter([self._credential(k) for k in local_page(self.api.list(), limit, page)])

    def get_credential(self, ref: str, scope: str | None = None) -> SmtpCredential:
        """One key with its scopes; a key without ``mail.send`` is flagged (it cannot send)."""
        cred = self._credential(self.api.get(ref))
        if cred.extra.get("mail_send") is False:
            log.warning("sendgrid: API key %s (%r) lacks the mail.send scope: SMTP logins with it are "
                        "refused; rotate it (the new key gets mail.send)", cred.id, cred.name)
        return cred

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
        """POST a key named ``name`` with ``scopes: ["mail.send"]``; its secret is the password."""
        check_key_create(PROVIDER, name, enabled=enabled, password=password, options=options, name_max=NAME_MAX,
                         secret="API key", maker="SendGrid")
        clean = name.strip()
        key = self.api.create(clean)
        cred = self._credential(key)
        secret = key.get("api_key")
        if isinstance(secret, str) and secret:
            cred.password = SecretStr(secret)
        else:
            log.warning("sendgrid: API key %s was created without the key in the answer", cred.id)
        return cred

    def delete_credential(self, ref: str, scope: str | None = None) -> None:
        self.api.delete(ref)

    # -- endpoint ---------------------------------------------------------------------------
    def smtp_endpoint(self) -> tuple[str, int, Security]:
        p = self.profile
        port = p.smtp_port or SMTP_PORT
        security: Security = p.smtp_security or (security_for_port(port) if p.smtp_port else SMTP_SECURITY)
        return p.smtp_host or SMTP_HOST, port, security

    def _credential(self, key: Key) -> SmtpCredential:
        host, port, _ = self.smtp_endpoint()
        extra: dict[str, Any] = {}
        scopes = key.get("scopes")
        if isinstance(scopes, list):
            extra["scopes"] = [s for s in scopes if isinstance(s, str)]
            extra["mail_send"] = MAIL_SEND in extra["scopes"]
        return SmtpCredential(provider=PROVIDER, id=key["api_key_id"], scope=None, name=str(key.get("name") or ""),
                              username=SMTP_USERNAME, host=host, port=port, enabled=True, extra=extra)
