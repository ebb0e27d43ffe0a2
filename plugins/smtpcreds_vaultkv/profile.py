"""The ``vaultkv`` profile: which KV v2 path receives the login, and under which key names."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from smtpcreds.plugin import ConsumerProfile

#: EmailSettings field -> profile field naming its key in the KV entry.
KEY_FIELDS: dict[str, str] = {
    "host": "host_key",
    "port": "port_key",
    "username": "username_key",
    "password": "password_key",
    "security": "security_key",
    "from_address": "from_key",
}


class VaultKvProfile(ConsumerProfile):
    """An OpenBao/Vault KV version 2 entry that apps read their SMTP login from."""

    secret_fields: ClassVar[tuple[str, ...]] = ("token",)

    provider: Literal["vaultkv"] = "vaultkv"
    base_url: str | None = Field(None, description="The server address, e.g. https://vault.example.com:8200 "
                                 "(default: $VAULT_ADDR, else $BAO_ADDR).")
    token: SecretStr | None = Field(None, description="A token allowed to read and write the path (default: "
                                    "$VAULT_TOKEN, else $BAO_TOKEN, else the stored secret).")
    mount: str = Field("secret", description="Mount path of the KV version 2 secrets engine.")
    path: str = Field(description="The entry's path inside the mount, e.g. apps/billing/smtp.")
    namespace: str = Field("", description="Vault Enterprise / OpenBao namespace (optional).")
    host_key: str = Field("host", description='Key for the SMTP host ("" leaves it out).')
    port_key: str = Field("port", description='Key for the SMTP port ("" leaves it out).')
    username_key: str = Field("username", description='Key for the user name ("" leaves it out).')
    password_key: str = Field("password", description='Key for the password ("" leaves it out).')
    security_key: str = Field("security", description='Key for ssl/starttls/none ("" leaves it out).')
    from_key: str = Field("from_address", description='Key for the sender address ("" leaves it out).')

    @field_validator("path", "mount")
    @classmethod
    def _path(cls, v: str) -> str:
        v = v.strip("/")
        if not v or ".." in v.split("/"):
            raise ValueError("must be a path such as apps/billing/smtp")
        return v

    @model_validator(mode="after")
    def _keys(self) -> VaultKvProfile:
        named = [k for k in self.keys().values()]
        if len(set(named)) != len(named):
            raise ValueError("two fields name the same key")
        if not named:
            raise ValueError("every key is left out; name at least one (e.g. password_key)")
        return self

    def keys(self) -> dict[str, str]:
        """EmailSettings field -> KV key, for the keys this profile writes."""
        return {f: getattr(self, a) for f, a in KEY_FIELDS.items() if getattr(self, a)}
