"""Consumers that store a login as keys and values (a ``.env`` file, a Vault KV entry).

One rule for all of them: each field of the login goes under the key the profile names for it;
a field the profile has no key for (``verify_tls``, ``description``, raw options) is refused with
a per-field message rather than silently dropped, and the password is registered for redaction
before anything can print it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import SecretStr

from smtpcreds.errors import ValidationError
from smtpcreds.models import EmailSettings
from smtpcreds.redact import register

__all__ = ["NO_KEY", "keyed_updates"]

#: EmailSettings fields no key/value consumer stores.
NO_KEY = ("verify_tls", "description")


def keyed_updates(provider: str, changes: EmailSettings, options: Mapping[str, Any] | None,
                  keys: Mapping[str, str],
                  check: Callable[[str, Any, str], list[str]] | None = None) -> dict[str, str]:
    """Key -> text for the fields of ``changes`` that are set; ValidationError naming every field
    that cannot be stored. ``keys``: field -> key; ``check(field, value, text)``: the consumer's
    own rules for a value (problems, or none)."""
    errors: dict[str, list[str]] = {}
    if options:
        errors["options"] = [f"{provider} takes no options (got {', '.join(sorted(options))})"]
    for field in NO_KEY:
        if getattr(changes, field) is not None:
            errors[field] = [f"{provider} has no key for this field"]
    if changes.extra:
        errors["extra"] = [f"{provider} has no key for extra fields"]
    updates: dict[str, str] = {}
    for field, key in keys.items():
        value = getattr(changes, field)
        if value is None:
            continue
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if field == "password":
            register(text)
        problems = check(field, value, text) if check is not None else []
        if problems:
            errors[field] = problems
        updates[key] = text
    if errors:
        summary = "; ".join(f"{f}: {', '.join(r)}" for f, r in errors.items())
        raise ValidationError(f"invalid email settings for {provider}: {summary}", fields=errors, provider=provider)
    return updates
