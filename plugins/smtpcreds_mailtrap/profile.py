"""The Mailtrap profile: the managing token, the account, the sending domain, and token expiry."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from smtpcreds.plugin import IssuerProfile

#: docs/reference/mailtrap.md §1: the general API's root; the plugin adds /api/accounts/{account_id}/…
API_ROOT = "https://mailtrap.io"
#: docs/reference/mailtrap.md §4: an expiry more than five years ahead is refused (whole days, leap-safe)
MAX_LIFETIME_DAYS = 1825

Lifetime = Annotated[int, Field(ge=1, le=MAX_LIFETIME_DAYS)]


class MailtrapProfile(IssuerProfile):
    """``provider = "mailtrap"``: API tokens of one Mailtrap account, each an SMTP password for one domain."""

    secret_fields: ClassVar[tuple[str, ...]] = ("api_token",)

    provider: Literal["mailtrap"] = "mailtrap"
    api_token: SecretStr | None = Field(
        None,
        description="Mailtrap API token allowed to manage the account's API tokens (account admin), sent "
        "as Authorization: Bearer; else from the store. Not one of the tokens it rotates.",
    )
    account_id: int = Field(gt=0, description="The Mailtrap account id (in the API paths).")
    domain_id: int = Field(
        gt=0,
        description="Id of the sending domain: every token smtpcreds creates has admin access to this "
        "domain and nothing else (what sending over SMTP needs).",
    )
    token_lifetime_days: Lifetime | Literal["never"] = Field(
        "never",
        description='Days until each new token expires (1-1825), or "never" (sent as expires_at: null). '
        "Always sent: without it Mailtrap gives a token one year, after which the SMTP password stops "
        "working silently.",
    )
    rotation_age_days: int = Field(
        90,
        ge=1,
        le=MAX_LIFETIME_DAYS,
        description="How old a token gets before your scheduled rotation replaces it (the --older-than of "
        "the cron line). Tokens expiring sooner than this from now are flagged with a warning.",
    )

    @field_validator("base_url")
    @classmethod
    def _bare_root(cls, v: str | None) -> str | None:
        if v is not None and urlsplit(v).path.rstrip("/").split("/")[-1:] == ["api"]:
            raise ValueError(f"base_url {v!r} ends with /api: give the bare root (e.g. {API_ROOT!r}); "
                             "smtpcreds adds /api/accounts/<account_id>/api_tokens itself")
        return v

    @property
    def account_root(self) -> str:
        """The account's API root, ``<base_url>/api/accounts/<account_id>``; tokens live below it."""
        return f"{self.base_url or API_ROOT}/api/accounts/{self.account_id}"

    def expires_at(self, now: datetime | None = None) -> str | None:
        """The ``expires_at`` a new token gets: ISO 8601 UTC, or None (never) — never left out."""
        if self.token_lifetime_days == "never":
            return None
        at = (now or datetime.now(timezone.utc)) + timedelta(days=self.token_lifetime_days)
        return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
