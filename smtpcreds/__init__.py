"""smtpcreds: manage SMTP credentials across email providers through one interface.

    import smtpcreds
    relay = smtpcreds.connect("relay")
    cred = relay.credentials.create("billing-app")     # password stored in the keyring
    smtpcreds.rotate(relay, cred.id)                   # pushed to the consumers bound to it
    login = smtpcreds.stored_login("relay", cred.id)
    report = smtpcreds.audit()                         # which consumers hold the current login
    smtpcreds.sync()                                   # push it to those that drifted

Names are imported on first use, so ``import smtpcreds`` stays cheap for the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from smtpcreds._version import __version__

if TYPE_CHECKING:
    from smtpcreds.capabilities import Capability as Capability
    from smtpcreds.client import Connection as Connection
    from smtpcreds.client import connect as connect
    from smtpcreds.client import stored_login as stored_login
    from smtpcreds.drift import AuditReport as AuditReport
    from smtpcreds.drift import audit as audit
    from smtpcreds.drift import sync as sync
    from smtpcreds.errors import AuthError as AuthError
    from smtpcreds.errors import ConfigError as ConfigError
    from smtpcreds.errors import NotFound as NotFound
    from smtpcreds.errors import ProviderError as ProviderError
    from smtpcreds.errors import RateLimited as RateLimited
    from smtpcreds.errors import RotationError as RotationError
    from smtpcreds.errors import SecretStoreError as SecretStoreError
    from smtpcreds.errors import SmtpCredsError as SmtpCredsError
    from smtpcreds.errors import TransportError as TransportError
    from smtpcreds.errors import UnsupportedOperation as UnsupportedOperation
    from smtpcreds.errors import ValidationError as ValidationError
    from smtpcreds.models import EmailSettings as EmailSettings
    from smtpcreds.models import SmtpCredential as SmtpCredential
    from smtpcreds.models import SmtpLogin as SmtpLogin
    from smtpcreds.rotation.engine import RotationResult as RotationResult
    from smtpcreds.rotation.engine import rotate as rotate

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
    "audit": "smtpcreds.drift",
    "sync": "smtpcreds.drift",
    "AuditReport": "smtpcreds.drift",
    **{
        name: "smtpcreds.errors"
        for name in (
            "SmtpCredsError", "ConfigError", "AuthError", "NotFound", "ValidationError", "RateLimited",
            "ProviderError", "TransportError", "UnsupportedOperation", "SecretStoreError", "RotationError",
        )
    },
}

__all__ = [
    "AuditReport", "AuthError", "Capability", "ConfigError", "Connection", "EmailSettings", "NotFound", "ProviderError",
    "RateLimited", "RotationError", "RotationResult", "SecretStoreError", "SmtpCredential", "SmtpCredsError",
    "SmtpLogin", "TransportError", "UnsupportedOperation", "ValidationError", "__version__", "audit", "connect",
    "rotate", "stored_login", "sync",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smtpcreds' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
