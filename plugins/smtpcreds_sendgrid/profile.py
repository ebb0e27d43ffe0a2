"""The SendGrid profile: API key (the one that manages keys), region (or base_url)."""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator

from smtpcreds.plugin import IssuerProfile, check_region

Region = Literal["global", "eu"]

#: reference: docs/reference/sendgrid.md §Regions (API roots, version included as everywhere)
REGION_URLS: dict[str, str] = {"global": "https://api.sendgrid.com/v3", "eu": "https://api.eu.sendgrid.com/v3"}
_HOST_REGIONS = {urlsplit(url).hostname or "": region for region, url in REGION_URLS.items()}


class SendGridProfile(IssuerProfile):
    """``provider = "sendgrid"``: API keys of one SendGrid account (or subuser), used as SMTP passwords."""

    secret_fields: ClassVar[tuple[str, ...]] = ("api_key",)

    provider: Literal["sendgrid"] = "sendgrid"
    api_key: SecretStr | None = Field(
        None,
        description="SendGrid API key allowed to manage API keys (api_keys.create/read/delete), sent as "
        "Authorization: Bearer; else from the store. Not one of the keys it rotates.",
    )
    region: Region = Field(
        "global",
        description="global (api.sendgrid.com) or eu (api.eu.sendgrid.com, for EU regional subusers). "
        "Ignored when base_url is set.",
    )

    @model_validator(mode="after")
    def _region_matches_base_url(self) -> SendGridProfile:
        check_region(self.region, self.base_url, _HOST_REGIONS, given="region" in self.model_fields_set)
        return self

    @property
    def api_root(self) -> str:
        """``base_url`` (``/v3`` included) or the region's API root."""
        return self.base_url or REGION_URLS[self.region]
