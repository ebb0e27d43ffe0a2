"""smtpcreds: manage SMTP credentials across email providers through one interface.

    import smtpcreds
    relay = smtpcreds.connect("relay")
    cred = relay.credentials.create("billing-app")     # password stored in the keyring
    smtpcreds.rotate(relay, cred.id, push=["pbx"])
    login = smtpcreds.stored_login("relay", cred.id)

Names are imported on first use, so ``import smtpcreds`` stays cheap for the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from smtpcreds._version import __version__

if TYPE_CHECKING:
    from smtpcreds.capabilities import Capability
    from smtpcreds.client import Connection, connect, stored_login
    from smtpcreds.errors import (
        AuthError,
        ConfigError,
        NotFound,
        ProviderError,
        RateLimited,
        RotationError,
        SecretStoreError,
        SmtpCredsError,
        TransportError,
        UnsupportedOperation,
        ValidationError,
    )
    from smtpcreds.models import EmailSettings, SmtpCredential, SmtpLogin
    from smtpcreds.rotation.engine import RotationResult, rotate

_LAZY = {
    "connect": "smtpcreds.client",
    "stored_login": "smtpcreds.client",
    "Connection": "smtpcreds.client",
    "rotate": "smtpcreds.rotation.engine",
    "RotationResult": "smtpcreds.rotation.engine",
    "SmtpCredential": "smtpcreds.models",
    "EmailSettings": "smtpcreds.models",
    "SmtpLogin": "smtpcreds.models",
    "Capability": "smtpcreds.capabilities",
    **{
        name: "smtpcreds.errors"
        for name in (
            "SmtpCredsError", "ConfigError", "AuthError", "NotFound", "ValidationError", "RateLimited",
            "ProviderError", "TransportError", "UnsupportedOperation", "SecretStoreError", "RotationError",
        )
    },
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smtpcreds' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
