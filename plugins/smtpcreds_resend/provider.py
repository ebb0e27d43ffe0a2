"""Resend as an issuer: API keys with ``sending_access``, used as SMTP passwords.

The SMTP username is the literal ``resend`` and the password is an API key, which Resend
returns once, in the create answer (docs/reference/resend.md §3, §8). Resend cannot reset a key
(§4), so rotation is the replace strategy: create a second key with the same name, permission
and domain (the core stores its token as pending the moment it arrives), verify it, push it,
delete the old key. A create whose answer is lost is reconciled by the core, which lists keys by
name and deletes the orphan (its token can never be known).

The credential id is the key's id (a UUID); its name is the key's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from pydantic import SecretStr

from smtpcreds.plugin import (
    Capability,
    NotFound,
    Provider,
    ProviderContext,
    Security,
    SmtpCredential,
    ValidationError,
    check_key_create,
    check_paging,
    security_for_port,
)
from smtpcreds_resend.api import PAGE_LIMIT, PROVIDER, SENDING_ACCESS, Key, ResendApi, transport
from smtpcreds_resend.profile import ResendProfile

#: docs/reference/resend.md §8: implicit TLS on 465, the username is the literal "resend"
SMTP_HOST, SMTP_PORT, SMTP_USERNAME = "smtp.resend.com", 465, "resend"
SMTP_SECURITY: Security = "ssl"
#: docs/reference/resend.md §3: a key's name has at most 50 characters
NAME_MAX = 50
#: Bound on pages read when listing (10 000 keys): a server that keeps saying has_more stops here.
MAX_PAGES = 100
#: a two-digit UTC offset after the time, as in ``23:47:56.678+00``
_OFFSET = re.compile(r"(:\d\d(?:\.\d+)?[+-]\d\d)$")


class ResendProvider(Provider):
    """Resend API keys as SMTP passwords (replace rotation)."""

    name: ClassVar[str] = PROVIDER
    profile_model: ClassVar[type[ResendProfile]] = ResendProfile
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.LIST, Capability.CREATE, Capability.DELETE, Capability.MULTI_USER,
    })
    description: ClassVar[str] = "Resend API keys (sending_access) as SMTP passwords (replace rotation)"
    emulator: ClassVar[str | None] = "smtpcreds_resend.emulator:ResendEmulator"

    profile: ResendProfile

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(ctx)
        self._api: ResendApi | None = None

    @property
    def api(self) -> ResendApi:
        """The wire client, built on first use (the API key is resolved only then)."""
        if self._api is None:
            p = self.profile
            self._api = ResendApi(transport(self.ctx.http, p.api_root, self.ctx.resolve_secret("api_key"),
                                            timeout=p.timeout, verify_tls=p.verify_tls))
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    # -- reading ----------------------------------------------------------------------------
    def list_credentials(
        self, scope: str | None = None, *, limit: int | None = None, page: int | None = None
    ) -> Iterator[SmtpCredential]:
        """Every key, 100 a page, following the ``after`` cursor while ``has_more`` (§5).

        With ``limit`` or ``page``: that one page (``limit`` per page, 100 at most; Resend pages
        by cursor, so page N reads the N-1 before it). The first page is read now, so a refused
        key fails before a caller starts printing. The list carries no permission or domain.
        """
        check_paging(PROVIDER, limit, page, max_limit=PAGE_LIMIT)
        size = limit or PAGE_LIMIT
        keys, more = self.api.page(limit=size)
        if limit is None and page is None:
            return self._pages(keys, more, size)
        for _ in range((page or 1) - 1):
            if not more or not keys:
                return iter(())
            keys, more = self.api.page(limit=size, after=keys[-1]["id"])
        return iter([self._credential(k) for k in keys])

    def _pages(self, keys: list[Key], more: bool, size: int) -> Iterator[SmtpCredential]:
        for _ in range(MAX_PAGES):
            for key in keys:
                yield self._credential(key)
            if not more or not keys:
                return
            keys, more = self.api.page(limit=size, after=keys[-1]["id"])

    def get_credential(self, ref: str, scope: str | None = None) -> SmtpCredential:
        """Resend has no single-key GET (docs/reference/resend.md §4): the list is read and searched."""
        for cred in self.list_credentials(scope):
            if cred.id == ref:
                return cred
        raise NotFound(f"{PROVIDER}: no API key with id {ref!r}", provider=PROVIDER, status=404)

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
        """POST a key named ``name`` with ``sending_access`` and the profile's domain; its token is the password."""
        check_key_create(PROVIDER, name, enabled=enabled, password=password, options=options, name_max=NAME_MAX,
                         secret="API key", maker="Resend", from_profile="its domain comes from the profile")
        domain_id = self.profile.domain_id
        key = self.api.create(name, domain_id)
        cred = self._credential({"id": key["id"], "name": name})
        cred.extra.update(permission=SENDING_ACCESS, domain_id=domain_id)
        token = key.get("token")
        if isinstance(token, str) and token:
            cred.password = SecretStr(token)
        return cred

    def delete_credential(self, ref: str, scope: str | None = None) -> None:
        if not ref.strip():
            raise ValidationError(f"{PROVIDER}: an API key id is required", fields={"id": ["is required"]},
                                  provider=PROVIDER)
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
        if isinstance(key.get("created_at"), str):
            extra["created_at"] = key["created_at"]
        return SmtpCredential(provider=PROVIDER, id=key["id"], scope=None, name=str(key.get("name") or ""),
                              username=SMTP_USERNAME, host=host, port=port, enabled=True,
                              last_used_at=_timestamp(key.get("last_used_at")), extra=extra)


def _timestamp(raw: Any) -> datetime | None:
    """Resend's ``2023-10-06 23:47:56.678+00`` (docs/reference/resend.md §5), or None when absent or odd."""
    if not isinstance(raw, str) or not raw:
        return None
    text = _OFFSET.sub(r"\1:00", raw.strip().replace("Z", "+00:00"))
    head, dot, rest = text.partition(".")
    if dot:  # Python 3.10 reads only 3 or 6 fraction digits
        digits = re.match(r"\d*", rest)
        frac = digits.group(0) if digits else ""
        text = f"{head}.{(frac + '000000')[:6]}{rest[len(frac):]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
