"""The SMTP2GO profile: API key, region (or base_url) and default subaccount."""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator

from smtpcreds.plugin import IssuerProfile

Region = Literal["global", "us", "eu", "au"]

# reference: docs/reference/smtp2go.md §1 (global routes to the nearest region)
REGION_URLS: dict[str, str] = {
    "global": "https://api.smtp2go.com/v3",
    "us": "https://us-api.smtp2go.com/v3",
    "eu": "https://eu-api.smtp2go.com/v3",
    "au": "https://au-api.smtp2go.com/v3",
}
_HOST_REGIONS = {urlsplit(url).hostname: region for region, url in REGION_URLS.items()}


class Smtp2goProfile(IssuerProfile):
    """An SMTP2GO account (or one of its subaccounts) that issues SMTP users.

    ``base_url`` wins over ``region``: a proxy or an emulator may sit anywhere. Only a
    ``base_url`` on one of SMTP2GO's own API hosts is checked against an explicitly set
    ``region``, because then the two say different things and one of them is a mistake.
    """

    secret_fields: ClassVar[tuple[str, ...]] = ("api_key",)
    scope_field: ClassVar[str | None] = "subaccount_id"

    provider: Literal["smtp2go"] = "smtp2go"
    api_key: SecretStr | None = Field(
        None,
        description="API key (api-...), sent as the X-Smtp2go-Api-Key header; needs the "
        "users/smtp/* endpoint permissions. Prefer the keyring or the environment.",
    )
    region: Region = Field(
        "global",
        description="API region: global (nearest data centre), us, eu or au. Ignored when "
        "base_url is set; a base_url on another region's SMTP2GO host is an error.",
    )
    subaccount_id: str | None = Field(
        None,
        min_length=1,
        description="Default subaccount to act on behalf of (a master-account key is needed); "
        "the default scope of credential commands.",
    )

    @model_validator(mode="after")
    def _region_matches_base_url(self) -> Smtp2goProfile:
        if self.base_url is None or "region" not in self.model_fields_set:
            return self
        host_region = _HOST_REGIONS.get(urlsplit(self.base_url).hostname)
        if host_region is not None and host_region != self.region:
            raise ValueError(
                f"region {self.region!r} contradicts base_url {self.base_url!r} "
                f"(the {host_region!r} API); set only one of them"
            )
        return self

    @property
    def api_root(self) -> str:
        """The API root requests go to: ``base_url`` when set, else the region's URL."""
        return self.base_url or REGION_URLS[self.region]
