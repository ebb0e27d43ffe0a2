"""MailerSend as an issuer: SMTP users of a domain (``/domains/{domain_id}/smtp-users``).

MailerSend generates SMTP passwords itself and has no endpoint to set or regenerate one, so
rotation uses the replace strategy (create a new SMTP user, retire the old one). Account users
and invites are reachable as ``provider.users`` and ``provider.invites``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import smtpcreds_mailersend.validation as validation
from smtpcreds.plugin import (
    Capability,
    ConfigError,
    Provider,
    Security,
    SmtpCredential,
    UnsupportedOperation,
    ValidationError,
    security_for_port,
)
from smtpcreds_mailersend.profile import MailerSendProfile

if TYPE_CHECKING:
    from pydantic import SecretStr

    from smtpcreds.plugin import HttpTransport
    from smtpcreds_mailersend.account import AccountUsers, Invites

log = logging.getLogger("smtpcreds.mailersend")

#: reference: docs/reference/mailersend.md §3 "smtp.mailersend.net/587"
SMTP_HOST, SMTP_PORT = "smtp.mailersend.net", 587
#: Page size when listing everything: the largest the API allows (reference: docs/reference/mailersend.md §4).
LIST_ALL_LIMIT = 100


class MailerSendProvider(Provider):
    """SMTP users per domain; account users and invites as extras."""

    name = "mailersend"
    profile_model = MailerSendProfile
    capabilities = frozenset(
        {Capability.LIST, Capability.CREATE, Capability.UPDATE, Capability.DELETE, Capability.MULTI_USER}
    )
    description = "MailerSend: SMTP users per domain (replace rotation); account users and invites"
    emulator = "smtpcreds_mailersend.emulator:MailerSendEmulator"

    profile: MailerSendProfile
    _http: HttpTransport | None = None

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def http(self) -> HttpTransport:
        """The transport, built on first use (so a provider can be listed without a token)."""
        if self._http is None:
            from smtpcreds_mailersend.api import transport

            self._http = transport(self.profile, self.ctx.resolve_secret("api_token"), self.ctx.http)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    @property
    def users(self) -> AccountUsers:
        """Account users (``/users``): list, get, invite, update, delete."""
        from smtpcreds_mailersend.account import AccountUsers

        return AccountUsers(self.http)

    @property
    def invites(self) -> Invites:
        """Pending invitations (``/invites``): list, get, resend, cancel."""
        from smtpcreds_mailersend.account import Invites

        return Invites(self.http)

    def _base(self, scope: str | None) -> str:
        domain_id = self.scope(scope)
        if not domain_id:
            raise ConfigError(
                f"mailersend: no domain: pass a scope (--scope DOMAIN_ID) or set domain_id in profile "
                f"{self.ctx.profile_name!r}",
                provider=self.name,
            )
        from smtpcreds_mailersend.api import segment

        return f"domains/{segment(domain_id, 'domain_id')}/smtp-users"

    def _credential(self, raw: dict[str, Any], scope: str | None) -> SmtpCredential:
        """Map an SMTP user object (reference: docs/reference/mailersend.md §3) to the neutral model.

        Any ``password`` in list/get responses (the docs show one: reference docs/reference/mailersend.md
        §3) is dropped: a credential carries its password only right after create.
        """
        from smtpcreds.plugin import expect

        expect(isinstance(raw.get("id"), str) and isinstance(raw.get("username"), str), self.name,
               "SMTP user without id/username")
        port = raw.get("port")
        domain_id = raw.get("domain_id") if isinstance(raw.get("domain_id"), str) else self.scope(scope)
        return SmtpCredential(
            provider=self.name,
            id=raw["id"],
            scope=domain_id,
            name=str(raw.get("name") or ""),
            username=raw["username"],
            host=raw.get("server") if isinstance(raw.get("server"), str) else None,
            port=port if isinstance(port, int) and not isinstance(port, bool) else None,
            enabled=bool(raw.get("enabled", True)),
            last_used_at=raw.get("accessed_at") or None,
        )

    # -- issuer -----------------------------------------------------------------------------
    def list_credentials(
        self, scope: str | None = None, *, limit: int | None = None, page: int | None = None
    ) -> Iterator[SmtpCredential]:
        """Every SMTP user of the domain, one page (100) in memory at a time.

        With ``page`` or ``limit`` given, exactly that one page (``limit`` 10..100, page >= 1).
        The next page is asked for as ``page+1`` with the same ``limit``: the ``links.next`` URL
        need not carry ``limit`` (reference: docs/reference/mailersend.md §6), so it only says whether one follows.
        """
        validation.paging(page, limit)
        base = self._base(scope)
        one_page = page is not None or limit is not None
        size = limit if one_page else LIST_ALL_LIMIT
        # The first page is fetched now, so a bad token or domain fails before a caller starts
        # streaming output (a half-written JSON array); later pages load as the caller iterates.
        first = self._page(base, page or 1, size)
        return self._pages(base, scope, first, page or 1, size, one_page)

    def _page(self, base: str, number: int, size: int | None) -> Any:
        params: dict[str, int] = {"page": number}
        if size is not None:
            params["limit"] = size
        return self.http.json("GET", base, params=params)

    def _pages(self, base: str, scope: str | None, body: Any, number: int, size: int | None,
               one_page: bool) -> Iterator[SmtpCredential]:
        from smtpcreds.plugin import expect
        from smtpcreds_mailersend.envelopes import data_list, paging

        previous_first: Any = None
        while True:
            items = data_list(body, "SMTP user list")
            info = paging(body)
            first = items[0].get("id") if items else None
            # reference: docs/reference/mailersend.md §2 and §12: `page` on smtp-users is not documented; a server
            # ignoring it would answer page 1 with links.next forever, so a repeat stops the listing.
            got = info["page"] if info["page"] is not None else number
            expect(got == number and (first is None or first != previous_first), self.name,
                   f"SMTP user list: asked for page {number} but got "
                   f"{f'page {got}' if got != number else 'the previous page again'} (the server ignored page=)")
            for raw in items:
                yield self._credential(raw, scope)
            if one_page or not items or not info["has_next"]:
                return
            number, previous_first = number + 1, first
            body = self._page(base, number, size)

    def get_credential(self, ref: str, scope: str | None = None) -> SmtpCredential:
        from smtpcreds_mailersend.api import segment
        from smtpcreds_mailersend.envelopes import data_object

        path = f"{self._base(scope)}/{segment(ref, 'smtp_user_id')}"
        return self._credential(data_object(self.http.json("GET", path), "SMTP user"), scope)

    def create_credential(
        self,
        name: str,
        scope: str | None = None,
        *,
        enabled: bool = True,
        password: SecretStr | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> SmtpCredential:
        """Create an SMTP user; MailerSend chooses its password and returns it once, here."""
        from pydantic import SecretStr

        from smtpcreds.plugin import register_secret as register
        from smtpcreds_mailersend.envelopes import data_object

        if password is not None:
            raise UnsupportedOperation("mailersend cannot set passwords: it generates one on create",
                                       provider=self.name)
        _no_options(options)
        body = {"name": validation.smtp_user_name(name), "enabled": enabled}
        base = self._base(scope)
        # reference: docs/reference/mailersend.md §2 "create SMTP user ... 201 (JAVA)"
        raw = data_object(self.http.json("POST", base, json_body=body, ok=(200, 201)), "SMTP user")
        secret = raw.get("password")
        cred = self._credential(raw, scope)
        if isinstance(secret, str) and secret:
            register(secret)
            cred.password = SecretStr(secret)
        else:
            log.warning("mailersend: SMTP user %s was created without a password in the response", cred.id)
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
        """Rename and/or enable/disable. PUT requires ``name`` (reference: docs/reference/mailersend.md §2 and
        §8 "update *requires* name"), so an enable-only change sends the current name."""
        from smtpcreds_mailersend.api import segment
        from smtpcreds_mailersend.envelopes import data_object

        _no_options(options)
        clean = validation.smtp_user_name(name) if name is not None else None
        path = f"{self._base(scope)}/{segment(ref, 'smtp_user_id')}"
        if clean is None:
            current = self.get_credential(ref, scope)
            if enabled is None:
                return current
            clean = current.name
        body: dict[str, Any] = {"name": clean}
        if enabled is not None:
            body["enabled"] = enabled
        return self._credential(data_object(self.http.json("PUT", path, json_body=body), "SMTP user"), scope)

    def delete_credential(self, ref: str, scope: str | None = None) -> None:
        from smtpcreds_mailersend.api import segment

        # reference: docs/reference/mailersend.md §2 "delete ... 204 (JAVA)"; 200 accepted too.
        self.http.request("DELETE", f"{self._base(scope)}/{segment(ref, 'smtp_user_id')}", ok=(200, 204))

    def smtp_endpoint(self) -> tuple[str, int, Security]:
        port = self.profile.smtp_port or SMTP_PORT
        security: Security = self.profile.smtp_security or security_for_port(port)
        return (self.profile.smtp_host or SMTP_HOST, port, security)


def _no_options(options: Mapping[str, Any] | None) -> None:
    if options:
        raise ValidationError(
            f"mailersend: unknown option(s) {', '.join(sorted(options))}: SMTP users take only a name "
            "and enabled",
            fields={k: ["is not a MailerSend SMTP user option"] for k in options},
            provider="mailersend",
        )
