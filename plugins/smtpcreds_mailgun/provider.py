"""Mailgun as an issuer: the SMTP credentials of a sending domain.

The credential id is the login (a full address on the domain); the scope is the domain.
Mailgun lets us set a password (PUT), so rotation is in place: the core generates a
32-character password (Mailgun's maximum, about 194 bits), keeps it as pending, and this
plugin sends it. Mailgun never generates one here: a create or PUT without a password would
return a password that exists only in that answer (reference: docs/reference/mailgun.md
§Passwords).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

import smtpcreds_mailgun.rules as rules
from smtpcreds.plugin import (
    AlternatingNames,
    Capability,
    ConfigError,
    NotFound,
    Provider,
    ProviderContext,
    Security,
    SmtpCredential,
    ValidationError,
    check_paging,
    security_for_port,
)
from smtpcreds_mailgun.api import PROVIDER, Item, MailgunApi, transport
from smtpcreds_mailgun.profile import MailgunProfile

#: reference: docs/reference/mailgun.md §Regions: port 587 with STARTTLS
SMTP_PORT = 587
SMTP_SECURITY: Security = "starttls"
#: Page size when listing everything (docs/reference/mailgun.md §Endpoints, the documented default of limit).
PAGE_SIZE = 100
#: Bound on pages read when listing (100 000 credentials): a server that keeps answering stops here.
MAX_PAGES = 1000


class MailgunProvider(AlternatingNames, Provider):
    """Mailgun domain SMTP credentials (in-place rotation with PUT; a replace rotation alternates
    ``billing@`` and ``billing_clone@``, since a login is unique on its domain)."""

    name: ClassVar[str] = PROVIDER
    profile_model: ClassVar[type[MailgunProfile]] = MailgunProfile
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.LIST, Capability.CREATE, Capability.DELETE, Capability.SET_PASSWORD,
        Capability.MULTI_USER,
    })
    description: ClassVar[str] = "Mailgun domain SMTP credentials (password set in place)"
    emulator: ClassVar[str | None] = "smtpcreds_mailgun.emulator:MailgunEmulator"
    #: docs/reference/mailgun.md §Passwords: 5 to 32 characters; all 32 are used.
    password_length: ClassVar[int] = rules.PASSWORD_MAX

    profile: MailgunProfile

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(ctx)
        self._api: MailgunApi | None = None

    @property
    def api(self) -> MailgunApi:
        """The wire client, built on first use (the API key is resolved only then)."""
        if self._api is None:
            p = self.profile
            http = transport(self.ctx.http, p.api_root, self.ctx.resolve_secret("api_key"),
                             timeout=p.timeout, verify_tls=p.verify_tls)
            self._api = MailgunApi(http, region=p.region, custom_root=p.base_url is not None)
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    def _domain(self, scope: str | None) -> str:
        domain = self.scope(scope)
        if not domain:
            raise ConfigError(f"{PROVIDER}: no domain: pass a scope (--scope DOMAIN) or set domain in "
                              f"profile {self.ctx.profile_name!r}", provider=PROVIDER)
        return domain

    # -- reading ----------------------------------------------------------------------------
    def list_credentials(
        self, scope: str | None = None, *, limit: int | None = None, page: int | None = None
    ) -> Iterator[SmtpCredential]:
        """Every credential of the domain, ``PAGE_SIZE`` at a time (``limit``/``skip``), until a short page.

        With ``limit`` or ``page`` given, exactly that one page. The first page is read now, so a
        bad key fails before a caller starts printing.
        """
        domain = self._domain(scope)
        check_paging(PROVIDER, limit, page)
        size = limit or PAGE_SIZE
        skip = ((page or 1) - 1) * size
        first = self.api.page(domain, limit=size, skip=skip)
        return self._pages(domain, first, size, skip, one_page=limit is not None or page is not None)

    def _pages(self, domain: str, items: list[Item], size: int, skip: int, *,
               one_page: bool) -> Iterator[SmtpCredential]:
        for _ in range(MAX_PAGES):
            for item in items:
                yield self._credential(item, domain)
            skip += len(items)
            # docs/reference/mailgun.md §Endpoints: total_count counts the items of this answer, not the domain's,
            # so only a short page says the list is over.
            if one_page or len(items) < size:
                return
            items = self.api.page(domain, limit=size, skip=skip)

    def get_credential(self, ref: str, scope: str | None = None) -> SmtpCredential:
        """Mailgun has no single-credential GET: the domain's list is read and searched."""
        domain = self._domain(scope)
        wanted = self._login(ref, domain, "ref").lower()
        for cred in self.list_credentials(domain):
            if cred.id.lower() == wanted:
                return cred
        raise NotFound(f"{PROVIDER}: no SMTP credential {wanted!r} on domain {domain!r}",
                       provider=PROVIDER, status=404)

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
        """POST ``login`` and ``password``; the core generated the password and keeps it."""
        domain = self._domain(scope)
        if options:
            raise ValidationError(f"{PROVIDER}: unknown option(s) {', '.join(sorted(options))}: a "
                                  "credential has only a login and a password",
                                  fields={k: ["is not a Mailgun credential option"] for k in options},
                                  provider=PROVIDER)
        if not enabled:
            raise rules.invalid("enabled", "Mailgun credentials cannot be disabled (delete it instead)")
        login = self._login(name, domain, "name")
        if password is None:
            # docs/reference/mailgun.md §Passwords: Mailgun would generate one that exists only in its answer
            raise rules.invalid("password", "required: smtpcreds never lets Mailgun generate one")
        self.api.create(domain, login, rules.password(password.get_secret_value()))
        cred = self._credential({"login": login, "mailbox": login}, domain)
        cred.password = password
        return cred

    def set_password(self, ref: str, password: SecretStr, scope: str | None = None) -> None:
        """PUT ``password``; the path holds the login's local part, as the official SDK sends it."""
        domain = self._domain(scope)
        login = self._login(ref, domain, "ref")
        self.api.set_password(domain, rules.local_part(login), rules.password(password.get_secret_value()))

    def delete_credential(self, ref: str, scope: str | None = None) -> None:
        domain = self._domain(scope)
        self.api.delete(domain, rules.local_part(self._login(ref, domain, "ref")))

    # -- identity and endpoint ---------------------------------------------------------------
    def local(self, name: str) -> str:
        """The part of a login that names its credential: ``billing`` of ``billing@mg.example.com``."""
        return rules.local_part(name)

    def predict_id(self, name: str, scope: str | None = None) -> str | None:
        """The login address: ``billing`` on domain ``mg.example.com`` is ``billing@mg.example.com``."""
        return self._login(name, self._domain(scope), "name")

    def smtp_endpoint(self) -> tuple[str, int, Security]:
        p = self.profile
        port = p.smtp_port or SMTP_PORT
        security: Security = p.smtp_security or (security_for_port(port) if p.smtp_port else SMTP_SECURITY)
        return p.smtp_host or p.smtp_region_host, port, security

    @staticmethod
    def _login(value: str, domain: str, field: str) -> str:
        return rules.login(value, domain, field)

    def _credential(self, item: Item, domain: str) -> SmtpCredential:
        host, port, _ = self.smtp_endpoint()
        login = item["login"]
        extra = {k: v for k, v in item.items() if k != "login" and k != "password"}
        return SmtpCredential(provider=PROVIDER, id=login, scope=domain, name=login, username=login,
                              host=host, port=port, enabled=True, extra=extra)
