"""The login record of one credential: its current, pending and previous logins as one document.

Serialized as ``{"id": ..., "current": {...}|null, "pending": {...}|null, "pending_id": ...,
"previous": {...}|null, "previous_id": ...}``, each login an :class:`~smtpcreds.models.SmtpLogin` with its password in
clear (the document is only ever written to the store), so a script can rebuild a login from the
store alone. A credential is its name (docs/concepts.md): the store keys the record by the name,
and ``id`` is the provider's id of the current login, which a replace or regenerate rotation
changes; ``pending_id`` and ``previous_id`` are the ids of the pending and previous logins, while
they are other logins than the current one.
Records written before ids were kept have neither (and were keyed by the id itself).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from smtpcreds.errors import SecretStoreError
from smtpcreds.models import SmtpLogin
from smtpcreds.redact import register

Slot = Literal["current", "pending", "previous"]
SLOTS: tuple[Slot, ...] = ("current", "pending", "previous")
#: The keys of a record document besides the slots.
IDS = ("id", "pending_id", "previous_id")


@dataclass(frozen=True)
class LoginRecord:
    current: SmtpLogin | None = None
    pending: SmtpLogin | None = None
    previous: SmtpLogin | None = None
    #: The provider's id of the current login (None: not known, e.g. a record of an earlier release).
    id: str | None = None
    #: The provider's id of the pending login, when it is another login than the current one.
    pending_id: str | None = None
    #: The provider's id of the previous login, when it was another login (a replacement's old one).
    previous_id: str | None = None

    def __repr__(self) -> str:
        held = ", ".join(s for s in SLOTS if self.slot(s) is not None) or "empty"
        return f"<LoginRecord {held}{f' id={self.id}' if self.id else ''}>"

    @property
    def empty(self) -> bool:
        return all(self.slot(s) is None for s in SLOTS)

    def slot(self, slot: Slot) -> SmtpLogin | None:
        value: SmtpLogin | None = getattr(self, slot)
        return value

    def with_slot(self, slot: Slot, login: SmtpLogin | None, id: str | None = None) -> LoginRecord:
        """``login`` in ``slot``; ``id``: the provider id it belongs to (current: the record's id;
        pending: its pending id). Clearing pending clears its id."""
        changes: dict[str, Any] = {slot: login}
        if slot == "current" and id is not None:
            changes["id"] = id
        elif slot == "pending":
            changes["pending_id"] = id if login is not None and id is not None and id != self.id else None
        return replace(self, **changes)

    @property
    def pending_target(self) -> str | None:
        """The provider id the pending login belongs to."""
        return self.pending_id or self.id

    def promoted(self, pending: SmtpLogin) -> LoginRecord:
        """current → previous (unless it is the same password), pending → current (and its id the
        record's), pending cleared."""
        previous, previous_id = self.previous, self.previous_id
        current = self.current
        if current is not None and current.password.get_secret_value() != pending.password.get_secret_value():
            previous = current
            previous_id = self.id if self.pending_target != self.id else None
        return LoginRecord(current=pending, pending=None, previous=previous, id=self.pending_target,
                           previous_id=previous_id)

    def reverted(self) -> LoginRecord:
        """The previous login (another login than the current one) made current again: the current
        login is gone (deleted at the provider while a ``--keep-old`` rotation kept the old one)."""
        return LoginRecord(current=self.previous, id=self.previous_id)

    def same_as(self, other: LoginRecord) -> bool:
        return self.to_json() == other.to_json()

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {s: _login_doc(self.slot(s)) for s in SLOTS}
        doc.update({k: v for k in IDS if (v := getattr(self, k)) is not None})
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_doc(), separators=(",", ":"))

    @classmethod
    def from_doc(cls, doc: dict[str, Any], where: str) -> LoginRecord:
        def text(key: str) -> str | None:
            value = doc.get(key)
            return value if isinstance(value, str) and value else None

        return cls(current=parse_login(doc.get("current"), where), pending=parse_login(doc.get("pending"), where),
                   previous=parse_login(doc.get("previous"), where), id=text("id"), pending_id=text("pending_id"),
                   previous_id=text("previous_id"))

    @classmethod
    def from_json(cls, raw: str, where: str) -> LoginRecord:
        try:
            doc = json.loads(raw)
        except ValueError:
            raise SecretStoreError(f"the store entry {where} is not a login record") from None
        if not is_record_doc(doc):
            raise SecretStoreError(f"the store entry {where} is not a login record")
        return cls.from_doc(doc, where)


def is_record_doc(doc: Any) -> bool:
    return (isinstance(doc, dict) and "password" not in doc and set(doc) <= {*SLOTS, *IDS}
            and any(s in doc for s in SLOTS))


def _login_doc(login: SmtpLogin | None) -> Any:
    return None if login is None else json.loads(login.to_secret_json())


def parse_login(doc: Any, where: str) -> SmtpLogin | None:
    """A login from its JSON document (None stays None); its password is registered for redaction."""
    if doc is None:
        return None
    try:
        login = SmtpLogin.model_validate_json(doc) if isinstance(doc, str) else SmtpLogin.model_validate(doc)
    except ValueError:
        raise SecretStoreError(f"the store entry {where} is not a stored login") from None
    register(login.password.get_secret_value())
    return login


def logins_in(raw: str) -> dict[str, dict[str, Any]]:
    """The login documents a stored value holds, by slot (a record; a bare login of the
    three-item layout counts as ``current``); empty for anything else (a token, a blob)."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return {}
    if is_record_doc(doc):
        return {s: d for s, d in doc.items() if s in SLOTS and isinstance(d, dict)}
    if isinstance(doc, dict) and "password" in doc:
        return {"current": doc}
    return {}
