"""``smtpcreds store migrate --to vault|keyring``: copy every login record and profile secret
from the configured store to the other backend, verified by reading each back.

Idempotent: an item the destination already holds unchanged is not written again. Refused while
a rotation is open (its pending secret and journal belong to the store it started in). Rollback:
the source is never changed, so switching ``[store] backend`` back undoes a migration.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from smtpcreds.config import Config
from smtpcreds.errors import RotationError, SecretStoreError
from smtpcreds.secretstore import SecretStore, get_profile_secret, set_profile_secret
from smtpcreds.store.settings import StoreSettings, current


def migrate(config: Config, to: str) -> list[dict[str, Any]]:
    from smtpcreds.rotation.journal import journal_store

    source = current()
    if source.backend == to:
        raise SecretStoreError(f"the configured store is already {to!r}: set [store] backend to the store to "
                               f"copy from, then run 'smtpcreds store migrate --to {to}'")
    target = source.model_copy(update={"backend": to})
    for j in journal_store().live():
        if j.open:
            raise RotationError(f"rotation {j.id} of {j.profile}/{j.ref} is open; resume or abort it before "
                                "migrating the store", rotation_id=j.id, step=j.next)
    rows: list[dict[str, Any]] = []
    allow = config.allow_insecure_keyring
    for name, profile in sorted(config.profiles.items()):
        for field in profile.secret_fields:
            value = get_profile_secret(name, field, source)
            if value is None:
                continue
            if get_profile_secret(name, field, target) == value:
                rows.append(_row(name, f"secret {field}", "unchanged"))
                continue
            set_profile_secret(name, field, value, allow_insecure=allow, settings=target)
            if get_profile_secret(name, field, target) != value:
                raise SecretStoreError(f"{name} {field}: the copy in the {to} store reads back differently")
            rows.append(_row(name, f"secret {field}", "copied"))
        src = SecretStore(name, allow_insecure=allow, settings=source)
        for ref in _refs(config, name, src, source):
            record = src.record(ref)
            if record.empty:
                continue
            dst = SecretStore(name, allow_insecure=allow, settings=target)
            if dst.record(ref).same_as(record):
                rows.append(_row(name, f"login {ref}", "unchanged"))
                continue
            dst.replace_record(ref, record)
            if not SecretStore(name, allow_insecure=allow, settings=target).record(ref).same_as(record):
                raise SecretStoreError(f"{name}/{ref}: the copy in the {to} store reads back differently")
            rows.append(_row(name, f"login {ref}", "copied"))
    return rows


def _row(profile: str, item: str, status: str) -> dict[str, Any]:
    return {"profile": profile, "item": item, "status": status}


def _refs(config: Config, name: str, store: SecretStore, settings: StoreSettings) -> list[str]:
    """The credential ids whose records the source store may hold."""
    if settings.backend == "vault":
        from smtpcreds.store.vault import kv_for, segment

        keys = kv_for(settings).list(f"logins/{segment(name)}")
        return sorted(unquote(k) for k in keys if not k.endswith("/"))
    # A keyring cannot be listed: ask the issuer which logins exist.
    from smtpcreds.capabilities import Capability
    from smtpcreds.client import Connection

    with Connection(name, config.profile(name), config=config) as conn:
        if Capability.LIST not in conn.capabilities:
            return []
        return sorted(c.id for c in conn.credentials.list())
