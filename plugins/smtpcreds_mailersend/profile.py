"""The MailerSend profile: API token, default domain, API root."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from smtpcreds.plugin import IssuerProfile

DEFAULT_BASE_URL = "https://api.mailersend.com/v1"


class MailerSendProfile(IssuerProfile):
    """``provider = "mailersend"``: SMTP users of one domain, plus account users and invites."""

    secret_fields: ClassVar[tuple[str, ...]] = ("api_token",)
    scope_field: ClassVar[str | None] = "domain_id"

    provider: Literal["mailersend"] = "mailersend"
    api_token: SecretStr | None = Field(
        None,
        description="API token (mlsn.…) with the smtp_users_full scope (users_full for account users); "
        "else from the keyring.",
    )
    domain_id: str | None = Field(
        None, description="Default domain id for SMTP users (the scope); --scope overrides it."
    )

    @property
    def api_root(self) -> str:
        """``base_url`` or the public API root, ``https://api.mailersend.com/v1``."""
        return self.base_url or DEFAULT_BASE_URL
