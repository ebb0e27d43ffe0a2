"""Account users and invites as the MailerSend API returns them (reference: docs/reference/mailersend.md §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from smtpcreds.plugin import ProviderError


class _ApiModel(BaseModel):
    # Unknown keys are ignored: the live API returns fields the docs lack (templates.description).
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class UserDomain(_ApiModel):
    id: str
    name: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class UserTemplate(_ApiModel):
    id: str
    name: str | None = None
    type: str | None = None
    description: str | None = None
    created_at: datetime | None = None


class User(_ApiModel):
    """An account user."""

    id: str
    email: str
    name: str | None = None
    last_name: str | None = None
    avatar: str | None = None
    #: The API's key is literally ``2fa`` (reference: docs/reference/mailersend.md §3).
    twofa: bool = Field(False, alias="2fa")
    role: str | None = None
    permissions: list[str] = Field(default_factory=list)
    domains: list[UserDomain] = Field(default_factory=list)
    templates: list[UserTemplate] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class InviteData(_ApiModel):
    domains: list[str] = Field(default_factory=list)
    templates: list[str] = Field(default_factory=list)


class Invite(_ApiModel):
    """A pending invitation to the account."""

    id: str
    email: str
    role: str | None = None
    permissions: list[str] = Field(default_factory=list)
    #: ``null`` when the invite has no domains or templates (reference: docs/reference/mailersend.md §3).
    data: InviteData | None = None
    requires_periodic_password_change: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


T = TypeVar("T", bound=_ApiModel)


class Page(BaseModel, Generic[T]):
    """One page of a list. Paging fields are None when the envelope does not say (bare ``data``)."""

    items: list[T]
    page: int | None = None
    per_page: int | None = None
    has_next: bool | None = None
    last_page: int | None = None
    total: int | None = None


def parse(model: type[T], raw: Any, what: str) -> T:
    """Validate one API object; a wrong shape is a ProviderError, never a pydantic traceback."""
    from pydantic import ValidationError as PydanticError

    try:
        return model.model_validate(raw)
    except PydanticError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ProviderError(
            f"mailersend: unexpected {what} in the response ({where}: {first['msg']})",
            provider="mailersend",
        ) from None
