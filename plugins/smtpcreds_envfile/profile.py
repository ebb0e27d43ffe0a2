"""The ``envfile`` profile: which dotenv file to keep up to date, and under which keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from smtpcreds.plugin import ConsumerProfile

#: Environment-variable names as shells, Docker Compose and python-dotenv all accept them.
KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: EmailSettings field -> profile field naming its dotenv key, in the order keys are appended.
KEY_FIELDS: dict[str, str] = {
    "host": "host_key",
    "port": "port_key",
    "security": "security_key",
    "username": "username_key",
    "password": "password_key",
    "from_address": "from_key",
}


class EnvFileProfile(ConsumerProfile):
    """A dotenv (``.env``) file an application reads its SMTP settings from."""

    provider: Literal["envfile"] = "envfile"
    path: Path = Field(
        description="The dotenv file to read and rewrite (``~`` is expanded; a relative path is "
        "relative to the current directory). Must be a regular file, not a symlink."
    )
    host_key: str = Field("SMTP_HOST", description='Key for the SMTP host ("" leaves it out).')
    port_key: str = Field("SMTP_PORT", description='Key for the SMTP port ("" leaves it out).')
    username_key: str = Field("SMTP_USER", description='Key for the SMTP user name ("" leaves it out).')
    password_key: str = Field("SMTP_PASSWORD", description='Key for the SMTP password ("" leaves it out).')
    from_key: str | None = Field(None, description="Key for the sender address (unset: not written).")
    security_key: str | None = Field(
        None,
        description="Key for the transport security, written as ssl, starttls or none (unset: not written).",
    )

    @field_validator("path", mode="before")
    @classmethod
    def _path(cls, v: object) -> object:
        if isinstance(v, str) and not v.strip():  # Path("") would silently mean "."
            raise ValueError("path must name a file")
        return v

    @field_validator("host_key", "port_key", "username_key", "password_key", "from_key", "security_key")
    @classmethod
    def _key(cls, v: str | None) -> str | None:
        if v and not KEY_NAME.fullmatch(v):
            raise ValueError(
                f"{v!r} is not a variable name (letters, digits and _, not starting with a digit)"
            )
        return v

    @model_validator(mode="after")
    def _distinct_keys(self) -> EnvFileProfile:
        seen: dict[str, str] = {}
        for attr in KEY_FIELDS.values():
            key = getattr(self, attr)
            if key:
                if key in seen:
                    raise ValueError(f"{attr} and {seen[key]} both name the key {key!r}")
                seen[key] = attr
        if not seen:  # a push would "succeed" while the application never gets the login
            raise ValueError("every key is left out; name at least one (e.g. password_key)")
        return self

    def keys(self) -> dict[str, str]:
        """EmailSettings field -> dotenv key, for the keys this profile writes."""
        out: dict[str, str] = {}
        for field, attr in KEY_FIELDS.items():
            key = getattr(self, attr)
            if key:
                out[field] = key
        return out

    def file(self) -> Path:
        return self.path.expanduser()
