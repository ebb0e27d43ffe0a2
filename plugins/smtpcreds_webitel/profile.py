"""The ``provider = "webitel"`` profile: where the engine is and how to sign in to it."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator

from smtpcreds.plugin import ConsumerProfile


class WebitelProfile(ConsumerProfile):
    """A Webitel engine (3.x, Node.js) whose email settings smtpcreds writes.

    Sign in either with ``username`` (+ ``password``, logged in with ``POST /login`` and the
    session cached in the keyring), or with a configured ``key`` + ``token`` pair. The secrets
    may come from the config, the environment or the keyring (``smtpcreds auth set``).
    """

    secret_fields: ClassVar[tuple[str, ...]] = ("password", "key", "token")
    scope_field: ClassVar[str | None] = "domain"

    provider: Literal["webitel"] = "webitel"
    base_url: str = Field(
        ...,
        description=(
            "The engine root, with the reverse-proxy prefix if any: "
            "https://pbx.example.com/engine or http://127.0.0.1:10022."
        ),
    )
    username: str | None = Field(
        None,
        description="Login for POST /login: root, or user@domain for a domain admin.",
    )
    password: SecretStr | None = Field(
        None, description="Password of username (better kept in the keyring or the environment)."
    )
    key: SecretStr | None = Field(
        None, description="A configured X-Key (instead of username/password); needs token."
    )
    token: SecretStr | None = Field(
        None, description="A configured X-Access-Token (instead of username/password); needs key."
    )
    domain: str | None = Field(
        None,
        description=(
            "Default domain whose settings are managed (sent as ?domain=). Only root can "
            "name a domain other than its own."
        ),
    )

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> WebitelProfile:
        if self.username is not None and (self.key is not None or self.token is not None):
            raise ValueError(
                "set either username (with password: logs in with POST /login) or key and token, not both"
            )
        if self.username is None and self.password is not None:
            raise ValueError("password needs username (the login it belongs to)")
        if self.username is not None and not self.username.strip():
            raise ValueError("username must not be empty")
        # key and token may also come from the keyring, so a half-configured pair is resolved
        # (and reported by name) when the provider first signs in.
        return self

    @property
    def logs_in(self) -> bool:
        """True when smtpcreds logs in with username/password (else: configured key and token)."""
        return self.username is not None
