"""Login records in the OS keyring: one item per credential, service ``smtpcreds/<profile>``.

The item ``<id>`` holds the record as JSON (:mod:`smtpcreds.store.record`). Releases before the
one-item layout kept three items, ``<id>`` (a bare login), ``<id>#pending`` and ``<id>#previous``;
they are read transparently, and the next change of the record writes it in the one-item layout
first and then removes the old items, so a crash in between loses nothing (the new item wins).

The raw keyring calls go through :mod:`smtpcreds.secretstore` (its process lock, inter-process
write lock, read-back check and operation counts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from smtpcreds.store.record import LoginRecord, is_record_doc, parse_login

LEGACY_SUFFIXES = ("#pending", "#previous")


@dataclass(frozen=True)
class KeyringVersion:
    """What a read found: whether the item exists, and which three-item-layout items remain."""

    exists: bool
    legacy: tuple[str, ...] = ()


class KeyringRecords:
    """The login records of one profile's keyring service."""

    ABSENT = KeyringVersion(False)

    def __init__(self, service: str) -> None:
        self.service = service

    def read(self, ref: str) -> tuple[LoginRecord, KeyringVersion]:
        from smtpcreds import secretstore as ks

        where = f"{self.service}/{ref}"
        raw = ks.get_raw(self.service, ref)
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
        pending_raw = ks.get_raw(self.service, f"{ref}#pending")
        if raw is None and pending_raw is None:
            return LoginRecord(), KeyringVersion(False)
        previous_raw = ks.get_raw(self.service, f"{ref}#previous")
        legacy = tuple(f"{ref}{s}" for s, v in zip(LEGACY_SUFFIXES, (pending_raw, previous_raw), strict=True)
                       if v is not None)
        record = LoginRecord(current=current, pending=parse_login(pending_raw, f"{where}#pending"),
                             previous=parse_login(previous_raw, f"{where}#previous"))
        return record, KeyringVersion(raw is not None, legacy)

    def write(self, ref: str, record: LoginRecord, version: KeyringVersion | None) -> KeyringVersion:
        """Write (and read back) the record; then remove what the old layout left."""
        from smtpcreds import secretstore as ks

        ks.set_raw(self.service, ref, record.to_json())
        for user in version.legacy if version is not None else ():
            ks.delete_raw(self.service, user)
        return KeyringVersion(True)

    def delete(self, ref: str, version: KeyringVersion | None) -> bool:
        """Remove the record; ``version`` None: not read, so remove any layout's items."""
        from smtpcreds import secretstore as ks

        if version is None:
            users = [ref, *(f"{ref}{s}" for s in LEGACY_SUFFIXES)]
        else:
            users = ([ref] if version.exists else []) + list(version.legacy)
        found = False
        for user in users:
            found = ks.delete_raw(self.service, user) or found
        return found
