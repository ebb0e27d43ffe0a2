"""The Resend profile: the managing API key, the bare API root and the sending domain."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from smtpcreds.plugin import IssuerProfile

#: docs/reference/resend.md §1: the bare root, no version path; endpoints are joined onto it
API_ROOT = "https://api.resend.com"


class ResendProfile(IssuerProfile):
    """``provider = "resend"``: API keys of one Resend team, used as SMTP passwords."""

    secret_fields: ClassVar[tuple[str, ...]] = ("api_key",)

    provider: Literal["resend"] = "resend"
    api_key: SecretStr | None = Field(
        None,
        description="Resend API key with full_access (a sending_access key cannot manage keys), sent as "
        "Authorization: Bearer; else from the store. Not one of the keys it rotates.",
    )
    domain_id: str | None = Field(
        None,
        min_length=1,
        description="Id of a sending domain: every key smtpcreds creates may send only from it "
        "(recommended). Without it the keys may send from any verified domain of the team.",
    )

    @property
    def api_root(self) -> str:
        """``base_url`` (the bare root, as Resend documents it) or ``https://api.resend.com``."""
        return self.base_url or API_ROOT
