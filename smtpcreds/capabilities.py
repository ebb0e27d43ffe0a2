"""What a provider can do, declared as data.

Each provider class lists its capabilities; the façade checks them before any request, the
contract suite checks that declared capabilities and implemented methods agree, and
``smtpcreds providers`` prints the matrix from the same data.
"""

from __future__ import annotations

import enum

__all__ = [
    "CONSUMER",
    "ISSUER",
    "METHODS",
    "Capability",
    "roles",
]


class Capability(str, enum.Enum):
    """One operation a provider may support. The value is the name shown to users."""

    # issuer: SMTP logins at a provider
    LIST = "list"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SET_PASSWORD = "set-password"
    REGENERATE_PASSWORD = "regenerate-password"
    MULTI_USER = "multi-user"
    # consumer: email settings a system uses to send mail
    SETTINGS_SHOW = "settings-show"
    SETTINGS_SET = "settings-set"
    SETTINGS_DELETE = "settings-delete"
    SETTINGS_TEST = "settings-test"

    def __str__(self) -> str:
        return self.value


#: The provider method that implements each capability (None: a property, not an operation).
METHODS: dict[Capability, str | None] = {
    Capability.LIST: "list_credentials",
    Capability.CREATE: "create_credential",
    Capability.UPDATE: "update_credential",
    Capability.DELETE: "delete_credential",
    Capability.SET_PASSWORD: "set_password",
    Capability.REGENERATE_PASSWORD: "regenerate_password",
    Capability.MULTI_USER: None,
    Capability.SETTINGS_SHOW: "get_settings",
    Capability.SETTINGS_SET: "set_settings",
    Capability.SETTINGS_DELETE: "delete_settings",
    Capability.SETTINGS_TEST: "test_settings",
}

ISSUER = frozenset(
    {Capability.LIST, Capability.CREATE, Capability.UPDATE, Capability.DELETE,
     Capability.SET_PASSWORD, Capability.REGENERATE_PASSWORD}
)
CONSUMER = frozenset(
    {Capability.SETTINGS_SHOW, Capability.SETTINGS_SET, Capability.SETTINGS_DELETE,
     Capability.SETTINGS_TEST}
)


def roles(caps: frozenset[Capability]) -> list[str]:
    """``["issuer"]``, ``["consumer"]`` or both, from a capability set."""
    out = []
    if caps & ISSUER:
        out.append("issuer")
    if caps & CONSUMER:
        out.append("consumer")
    return out
