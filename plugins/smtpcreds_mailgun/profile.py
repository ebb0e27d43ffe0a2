"""The Mailgun profile: API key, region (or base_url) and the sending domain (the scope)."""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from smtpcreds.plugin import IssuerProfile, check_region

Region = Literal["us", "eu"]

#: reference: docs/reference/mailgun.md §Regions: bare API roots (no version) and SMTP hosts
REGION_ROOTS: dict[str, str] = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}
SMTP_HOSTS: dict[str, str] = {"us": "smtp.mailgun.org", "eu": "smtp.eu.mailgun.org"}
#: The version this plugin's endpoints live under; it adds it to the bare root itself.
API_VERSION = "v3"
#: reference: docs/reference/mailgun.md §Versions: endpoints are versioned separately, v1 … v5
VERSIONS = frozenset({"v1", "v2", "v3", "v4", "v5"})
_HOST_REGIONS = {urlsplit(url).hostname or "": region for region, url in REGION_ROOTS.items()}


class MailgunProfile(IssuerProfile):
    """``provider = "mailgun"``: the SMTP credentials of one sending domain.

    Unlike the other providers, ``base_url`` is Mailgun's **bare** API root (no ``/v3``): Mailgun
    versions each endpoint separately and its official SDK refuses a versioned root, so the
    plugin adds ``/v3`` itself.
    """

    secret_fields: ClassVar[tuple[str, ...]] = ("api_key",)
    scope_field: ClassVar[str | None] = "domain"

    provider: Literal["mailgun"] = "mailgun"
    api_key: SecretStr | None = Field(
        None,
        description="Mailgun account API key allowed to manage domain credentials (a Domain Sending "
        "Key only sends mail), sent as HTTP Basic api:<key>; else from the store.",
    )
    region: Region = Field(
        "us",
        description="us (api.mailgun.net, smtp.mailgun.org) or eu (api.eu.mailgun.net, "
        "smtp.eu.mailgun.org): where the domain was created. Ignored when base_url is set.",
    )
    domain: str | None = Field(
        None,
        min_length=1,
        description="Sending domain whose SMTP credentials are managed (the default scope; --scope "
        "overrides it).",
    )

    @field_validator("base_url")
    @classmethod
    def _bare_root(cls, v: str | None) -> str | None:
        if v is None:
            return v
        last = urlsplit(v).path.rstrip("/").rsplit("/", 1)[-1]
        if last in VERSIONS:
            raise ValueError(
                f"base_url {v!r} ends with the API version {last!r}: for Mailgun give the bare API root "
                f"(e.g. {REGION_ROOTS['us']!r}); smtpcreds adds /{API_VERSION} itself"
            )
        return v

    @model_validator(mode="after")
    def _region_matches_base_url(self) -> MailgunProfile:
        check_region(self.region, self.base_url, _HOST_REGIONS, given="region" in self.model_fields_set)
        return self

    @property
    def api_root(self) -> str:
        """Where requests go: the bare root (``base_url`` or the region's) plus ``/v3``."""
        return f"{self.base_url or REGION_ROOTS[self.region]}/{API_VERSION}"

    @property
    def smtp_region_host(self) -> str:
        """The SMTP host of the profile's region."""
        return SMTP_HOSTS[self.region]
