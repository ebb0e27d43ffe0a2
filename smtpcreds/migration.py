"""``smtpcreds store migrate --to vault|keyring``: copy every login record and profile secret
from the configured store to the other backend, verified by reading each back.

Idempotent: an item the destination already holds unchanged is not written again. Refused while
a rotation is open (its pending secret and journal belong to the store it started in). Rollback:
the source is never changed, so switching ``[store] backend`` back undoes a migration.
"""

from __future__ import annotations

from typing import Any

from smtpcreds import paths
from smtpcreds.capabilities import Capability
from smtpcreds.client import Connection, store_settings
from smtpcreds.config import Config
from smtpcreds.errors import RotationError, SecretStoreError
from smtpcreds.rotation.journal import journal_store
from smtpcreds.store import SecretStore, open_backend, profile_secret_name

__all__ = [
    "migrate",
]


def migrate(config: Config, to: str) -> list[dict[str, Any]]:
    settings = store_settings(config)
    if settings.backend == to:
        raise SecretStoreError(f"the configured store is already {to!r}: set [store] backend to the store to "
                               f"copy from, then run 'smtpcreds store migrate --to {to}'")
    source = open_backend(settings, paths.state_dir())
    target = open_backend(settings.model_copy(update={"backend": to}), paths.state_dir())
    for j in journal_store(config).live():
        if j.open:
            raise RotationError(f"rotation {j.id} of {j.profile}/{j.ref} is open; resume or abort it before "
                                "migrating the store", rotation_id=j.id, step=j.next)
    rows: list[dict[str, Any]] = []
    allow = config.allow_insecure_keyring
    target.check(allow)
    for name, profile in sorted(config.profiles.items()):
        for field in profile.secret_fields:
            key = profile_secret_name(name, field)
            value = source.profile_secrets().get(key)
            if value is None:
                continue
            if target.profile_secrets().get(key) == value:
                rows.append(_row(name, f"secret {field}", "unchanged"))
                continue
            target.profile_secrets().put(key, value)
            if target.profile_secrets().get(key) != value:
                raise SecretStoreError(f"{name} {field}: the copy in the {to} store reads back differently")
            rows.append(_row(name, f"secret {field}", "copied"))
        src = SecretStore(name, source, allow_insecure=allow)
        for ref, login_id in _refs(config, name, src):
            if login_id is not None:
                src.alias(ref, login_id)  # a record an earlier release kept under the login's id
            record = src.record(ref)
            if record.empty:
                continue
            dst = SecretStore(name, target, allow_insecure=allow)
            if dst.record(ref).same_as(record):
                rows.append(_row(name, f"login {ref}", "unchanged"))
                continue
            dst.replace_record(ref, record)
            if not SecretStore(name, target, allow_insecure=allow).record(ref).same_as(record):
                raise SecretStoreError(f"{name}/{ref}: the copy in the {to} store reads back differently")
            rows.append(_row(name, f"login {ref}", "copied"))
    return rows


def _row(profile: str, item: str, status: str) -> dict[str, Any]:
    return {"profile": profile, "item": item, "status": status}


def _refs(config: Config, name: str, store: SecretStore) -> list[tuple[str, str | None]]:
    """The credentials (name, and the login id when known) whose records the source store may hold."""
    listed = store.records.refs()
    if listed is not None:
        return [(ref, None) for ref in listed]
    # A keyring cannot be listed: ask the issuer which credentials exist.
    with Connection(name, config.profile(name), config=config) as conn:
        if Capability.LIST not in conn.capabilities:
            return []
        return sorted({(c.credential or c.id, c.id) for c in conn.credentials.list()})
