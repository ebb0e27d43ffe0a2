"""Login records and single values in the OS keyring.

A credential's record is one item of service ``smtpcreds/<profile>`` holding the record as JSON
(:mod:`smtpcreds.store.record`). Releases before the one-item layout kept three items, ``<ref>``
(a bare login), ``<ref>#pending`` and ``<ref>#previous``; they are read transparently, and the
next change of the record writes it in the one-item layout first and then removes the old items,
so a crash in between loses nothing (the new item wins).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from smtpcreds.store.keyring.calls import delete_raw, get_raw, set_raw
from smtpcreds.store.record import LoginRecord, is_record_doc, parse_login

__all__ = [
    "LEGACY_SUFFIXES", "KeyringRecords", "KeyringValues", "KeyringVersion",
]

LEGACY_SUFFIXES = ("#pending", "#previous")


@dataclass(frozen=True)
class KeyringVersion:
    """What a read found: whether the item exists, and which three-item-layout items remain."""

    exists: bool
    legacy: tuple[str, ...] = ()


class KeyringRecords:
    """The login records of one profile's keyring service."""

    ABSENT = KeyringVersion(False)

    def __init__(self, service: str, lock_dir: Path) -> None:
        self.service, self.lock_dir = service, lock_dir

    def where(self, ref: str) -> str:
        return f"{self.service}/{ref}"

    def read(self, ref: str) -> tuple[LoginRecord, KeyringVersion]:
        where = self.where(ref)
        raw = get_raw(self.service, ref)
        current = None
        if raw is not None:
            try:
                doc = json.loads(raw)
            except ValueError:
                doc = None
            if is_record_doc(doc):
                return LoginRecord.from_json(raw, where), KeyringVersion(True)
            current = parse_login(raw, where)  # a bare login: the three-item layout
        # The three-item layout, or no record: a pending login may stand alone (an interrupted
        # create or replacement of an earlier release); previous only ever sits beside another.
        pending_raw = get_raw(self.service, f"{ref}#pending")
        if raw is None and pending_raw is None:
            return LoginRecord(), KeyringVersion(False)
        previous_raw = get_raw(self.service, f"{ref}#previous")
        legacy = tuple(f"{ref}{s}" for s, v in zip(LEGACY_SUFFIXES, (pending_raw, previous_raw), strict=True)
                       if v is not None)
        record = LoginRecord(current=current, pending=parse_login(pending_raw, f"{where}#pending"),
                             previous=parse_login(previous_raw, f"{where}#previous"))
        return record, KeyringVersion(raw is not None, legacy)

    def write(self, ref: str, record: LoginRecord, version: KeyringVersion | None) -> KeyringVersion:
        """Write (and read back) the record; then remove what the old layout left."""
        set_raw(self.service, ref, record.to_json(), self.lock_dir)
        for user in version.legacy if version is not None else ():
            delete_raw(self.service, user, self.lock_dir)
        return KeyringVersion(True)

    def delete(self, ref: str, version: KeyringVersion | None) -> bool:
        """Remove the record; ``version`` None: not read, so remove any layout's items."""
        if version is None:
            users = [ref, *(f"{ref}{s}" for s in LEGACY_SUFFIXES)]
        else:
            users = ([ref] if version.exists else []) + list(version.legacy)
        found = False
        for user in users:
            found = delete_raw(self.service, user, self.lock_dir) or found
        return found

    def refs(self) -> list[str] | None:
        """A keyring cannot be listed (the Secret Service can, but the keyring API cannot)."""
        return None


class KeyringValues:
    """Single values of one keyring service, each item ``<prefix><name>`` (profile secrets, blobs)."""

    def __init__(self, service: str, lock_dir: Path, prefix: str = "") -> None:
        self.service, self.lock_dir, self.prefix = service, lock_dir, prefix

    def where(self, name: str) -> str:
        return f"{self.service} / {self.prefix}{name}"

    def get(self, name: str) -> str | None:
        return get_raw(self.service, f"{self.prefix}{name}")

    def put(self, name: str, value: str) -> None:
        set_raw(self.service, f"{self.prefix}{name}", value, self.lock_dir)

    def delete(self, name: str) -> bool:
        return delete_raw(self.service, f"{self.prefix}{name}", self.lock_dir)
