"""Base models for configuration profiles; each provider plugin subclasses one of them.

This module also owns the syntax of a consumer's ``login`` value (:func:`parse_login`,
:class:`LoginPattern`); :mod:`smtpcreds.bindings` uses it to answer who holds what.

A plugin's profile model sets ``provider: Literal["<name>"]`` (the discriminator), its own
fields, and ``secret_fields`` naming the ``SecretStr`` fields that may also come from the
keyring (service ``smtpcreds``, username ``<profile>:<field>``).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from smtpcreds.models import Security

__all__ = [
    "EVERY", "ConsumerProfile", "IssuerProfile", "LoginPattern", "ProfileBase", "check_base_url", "check_region",
    "from_environment", "is_loopback", "parse_login",
]


def is_loopback(host: str | None) -> bool:
    """True for localhost and addresses in 127.0.0.0/8 or ::1."""
    if not host:
        return False
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """Accept https, or http to a loopback host only; return it without a trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an http(s) URL with a host, got {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"base_url {url!r} uses plain http to a non-loopback host; use https "
            "(http is allowed only for 127.0.0.1/localhost, e.g. the emulators)"
        )
    return url.rstrip("/")


def check_region(region: str, base_url: str | None, host_regions: Mapping[str, str], *, given: bool) -> None:
    """A ``region`` the user gave together with a ``base_url`` on another region's API host is a
    contradiction (ValueError); ``host_regions``: API host -> region."""
    if base_url is None or not given:
        return
    host_region = host_regions.get(urlsplit(base_url).hostname or "")
    if host_region is not None and host_region != region:
        raise ValueError(f"region {region!r} contradicts base_url {base_url!r} (the {host_region!r} API); "
                         "set only one of them")


class ProfileBase(BaseModel):
    """Fields every profile accepts."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    #: SecretStr fields that may be resolved from the keyring when not configured.
    secret_fields: ClassVar[tuple[str, ...]] = ()
    #: The field holding the default scope (domain id, subaccount, PBX domain), if any.
    scope_field: ClassVar[str | None] = None

    provider: str
    base_url: str | None = Field(
        None, description="API root as the provider documents it, version path included."
    )
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds to wait for connect and each read.")
    verify_tls: bool = Field(True, description="Verify TLS certificates (a warning is logged when off).")

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str | None) -> str | None:
        return None if v is None else check_base_url(v)

    @property
    def default_scope(self) -> str | None:
        if self.scope_field is None:
            return None
        value = getattr(self, self.scope_field)
        return None if value is None else str(value)


class IssuerProfile(ProfileBase):
    """Profiles of providers that issue SMTP logins."""

    smtp_host: str | None = Field(None, description="SMTP host used to verify logins (overrides the provider's).")
    smtp_port: int | None = Field(None, ge=1, le=65535, description="SMTP port used to verify logins.")
    smtp_security: Security | None = Field(
        None, description="ssl (implicit TLS), starttls or none (none only to loopback)."
    )


class ConsumerProfile(ProfileBase):
    """Profiles of consumers: systems that store the SMTP settings they send mail with.

    ``multi_login``: the consumer routes each login it receives itself (an ``exec`` hook), so it
    may hold several; a ``.env`` file or a PBX domain holds one.
    """

    multi_login: ClassVar[bool] = False

    login: str | list[str] | None = Field(
        None,
        description='The login this consumer holds: "<issuer profile>/<credential name>" (or its current id). '
        'Rotations push that credential\'s new login here. Multi-login consumers (exec) may give a '
        'list, or "<issuer>/*" for every credential of the issuer.',
    )

    @field_validator("login", mode="before")
    @classmethod
    def _login_list(cls, v: object) -> object:
        return from_environment(v)

    @model_validator(mode="after")
    def _login(self) -> ConsumerProfile:
        parse_login(self.login, multi_login=type(self).multi_login)  # ValueError names the rule
        return self


# -- the login value of a consumer profile (bindings: smtpcreds.bindings) ----------------------
#: The credential part of a pattern that binds every credential of an issuer.
EVERY = "*"


@dataclass(frozen=True)
class LoginPattern:
    """``issuer/credential``; the credential is an id, a name, or ``*`` (every credential)."""

    issuer: str
    credential: str

    def __str__(self) -> str:
        return f"{self.issuer}/{self.credential}"

    @property
    def every(self) -> bool:
        return self.credential == EVERY

    def matches(self, issuer: str, cred_id: str, name: str | None = None) -> bool:
        if issuer != self.issuer:
            return False
        return self.every or self.credential in (cred_id, name)


def parse_login(value: str | Sequence[str] | None, *, multi_login: bool) -> tuple[LoginPattern, ...]:
    """The patterns of a ``login`` value; ValueError (for the profile's validator) if malformed."""
    if value is None:
        return ()
    if isinstance(value, str):
        items, is_list = [value], False
    else:
        items, is_list = list(value), True
        if not items:
            raise ValueError("login must name at least one login (or be left out)")
    patterns: list[LoginPattern] = []
    for item in items:
        issuer, sep, credential = item.strip().partition("/")
        if not sep or not issuer or not credential:
            raise ValueError(f'{item!r} is not "<issuer profile>/<credential>" (e.g. "relay/billing-app")')
        pattern = LoginPattern(issuer, credential)
        if pattern in patterns:
            raise ValueError(f"{item!r} is listed twice")
        patterns.append(pattern)
    if not multi_login and (is_list or patterns[0].every):
        raise ValueError(
            f"this consumer holds one login, so login must name one credential, not {_show(value)} "
            "(only consumers that route logins themselves, such as exec, may bind several)"
        )
    return tuple(patterns)


def from_environment(value: object) -> object:
    """A list given in the environment arrives as JSON text
    (``SMTPCREDS_PROFILES__HOOK__LOGIN='["relay/a", "relay/b"]'``): decode it."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        return _json_list(value)
    return value


def _json_list(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{text!r} is not a JSON list of strings")
    return value


def _show(value: str | Sequence[str]) -> str:
    return repr(value) if isinstance(value, str) else "[" + ", ".join(repr(v) for v in value) + "]"
