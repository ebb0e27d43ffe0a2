"""Provider-neutral models: an SMTP login at an issuer, the email settings of a consumer, and
the login a script needs to send mail.

Passwords are :class:`pydantic.SecretStr`: their ``repr`` and ``str`` are masked, and
``public_dict()`` leaves the password out (or masks it) unless called with ``reveal=True``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = [
    "EmailSettings", "Security", "SetResult", "SmtpCredential", "SmtpLogin", "security_for_port", "utcnow",
]

Security = Literal["ssl", "starttls", "none"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def security_for_port(port: int) -> Security:
    """Implicit TLS on 465, STARTTLS otherwise (the usual submission convention)."""
    return "ssl" if port == 465 else "starttls"


class SmtpCredential(BaseModel):
    """An SMTP login as an issuer (credential provider) knows it."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    id: str = Field(description="The provider's id of this login (MailerSend id, SMTP2GO username); a replace "
                    "or regenerate rotation gives the credential a new one.")
    scope: str | None = Field(None, description="MailerSend domain_id, SMTP2GO subaccount_id, or null.")
    name: str
    username: str
    password: SecretStr | None = Field(None, description="Only present right after create or rotate.")
    host: str | None = None
    port: int | None = None
    enabled: bool = True
    last_used_at: datetime | None = None
    extra: dict[str, Any] = Field(default_factory=dict, description="Provider-specific, never secrets.")
    credential: str | None = Field(None, description="The name of the credential this login belongs to "
                                   "(docs/concepts.md): what commands, bindings and the store call it, "
                                   "whatever ids the provider gives its logins.")

    def public_dict(self, reveal: bool = False) -> dict[str, Any]:
        """The JSON contract: everything but ``password`` (unless ``reveal``)."""
        d = self.model_dump(mode="json", exclude={"password"})
        if reveal and self.password is not None:
            d["password"] = self.password.get_secret_value()
        return d


class SmtpLogin(BaseModel):
    """What a script needs to send mail; also the document stored in the keyring."""

    model_config = ConfigDict(extra="ignore")

    host: str
    port: int
    security: Security = "starttls"
    username: str
    password: SecretStr
    created_at: datetime = Field(default_factory=utcnow)
    from_address: str | None = None
    #: Which login this is (issuer profile and credential name), set when a rotation or ``settings
    #: sync`` pushes it, so a multi-login consumer (an exec hook) can route it: a username alone
    #: does not say (it changes with a replace rotation). Not stored: the store's key names it.
    issuer: str | None = Field(None, exclude=True)
    credential: str | None = Field(None, exclude=True)

    def public_dict(self, reveal: bool = False) -> dict[str, Any]:
        """JSON-ready fields; the password masked unless ``reveal``."""
        d = self.model_dump(mode="json", exclude={"password"})
        d["password"] = self.password.get_secret_value() if reveal else "**********"
        return d

    def to_secret_json(self) -> str:
        """Serialize with the password in clear: only for the keyring."""
        d = self.model_dump(mode="json")
        d["password"] = self.password.get_secret_value()
        return json.dumps(d, separators=(",", ":"))


class EmailSettings(BaseModel):
    """The SMTP client settings a consumer (PBX, app) stores to send mail."""

    model_config = ConfigDict(extra="forbid")

    host: str | None = None
    port: int | None = None
    security: Security | None = None
    verify_tls: bool | None = None
    from_address: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    description: str | None = None
    scope: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    def public_dict(self, reveal: bool = False) -> dict[str, Any]:
        """JSON-ready fields; the password masked (or null) unless ``reveal``."""
        d = self.model_dump(mode="json", exclude={"password"})
        if self.password is not None:
            d["password"] = self.password.get_secret_value() if reveal else "**********"
        else:
            d["password"] = None
        return d

    @classmethod
    def from_login(cls, login: SmtpLogin) -> EmailSettings:
        return cls(
            host=login.host,
            port=login.port,
            security=login.security,
            username=login.username,
            password=login.password,
            from_address=login.from_address,
        )


class SetResult(BaseModel):
    """Outcome of writing settings to a consumer."""

    changed: bool
    settings: EmailSettings | None = None
    detail: str = ""
