"""The login record of one credential: its current, pending and previous logins as one document.

Serialized as ``{"current": {...}|null, "pending": {...}|null, "previous": {...}|null}``, each login
an :class:`~smtpcreds.models.SmtpLogin` with its password in clear (the document is only ever
written to the store), so a script can rebuild a login from the store alone.
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


@dataclass(frozen=True)
class LoginRecord:
    current: SmtpLogin | None = None
    pending: SmtpLogin | None = None
    previous: SmtpLogin | None = None

    def __repr__(self) -> str:
        held = ", ".join(s for s in SLOTS if self.slot(s) is not None) or "empty"
        return f"<LoginRecord {held}>"

    @property
    def empty(self) -> bool:
        return all(self.slot(s) is None for s in SLOTS)

    def slot(self, slot: Slot) -> SmtpLogin | None:
        value: SmtpLogin | None = getattr(self, slot)
        return value

    def with_slot(self, slot: Slot, login: SmtpLogin | None) -> LoginRecord:
        return replace(self, **{slot: login})

    def promoted(self, pending: SmtpLogin, current: SmtpLogin | None) -> LoginRecord:
        """current → previous (unless it is the same password), pending → current, pending cleared."""
        previous = self.previous
        if current is not None and current.password.get_secret_value() != pending.password.get_secret_value():
            previous = current
        return LoginRecord(current=pending, pending=None, previous=previous)

    def same_as(self, other: LoginRecord) -> bool:
        return self.to_json() == other.to_json()

    def to_json(self) -> str:
        doc = {s: _login_doc(self.slot(s)) for s in SLOTS}
        return json.dumps(doc, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str, where: str) -> LoginRecord:
        try:
            doc = json.loads(raw)
        except ValueError:
            raise SecretStoreError(f"the store entry {where} is not a login record") from None
        if not is_record_doc(doc):
            raise SecretStoreError(f"the store entry {where} is not a login record")
        return cls(**{s: parse_login(doc.get(s), where) for s in SLOTS})


def is_record_doc(doc: Any) -> bool:
    return isinstance(doc, dict) and "password" not in doc and set(doc) <= set(SLOTS) and bool(doc)


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
        return {s: d for s, d in doc.items() if isinstance(d, dict)}
    if isinstance(doc, dict) and "password" in doc:
        return {"current": doc}
    return {}
