"""One owner for a new secret: it is in the store before anything can lose it.

Every password that a create, a password change or a rotation brings follows one rule, and this
module is the only place that writes it down:

* **chosen by us** (:class:`ChosenSecret`): stored (confirmed) as the pending login *before* the
  request that sets it; promoted when the request succeeds (a rotation verifies first); kept
  after a lost answer (the provider may still apply the change, and the next attempt reuses it);
  dropped after a refusal, unless an earlier unanswered request left it (that one may still land);
* **returned by the provider** (:func:`keep_returned`): stored the moment it arrives; when it
  cannot be stored, the login it belongs to is deleted, so no login exists whose password
  nobody knows.

Issuer plugins never see the store: the core hands them the password to send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import SecretStr

from smtpcreds import passwords
from smtpcreds.errors import SmtpCredsError, TransportError
from smtpcreds.models import SmtpLogin, utcnow
from smtpcreds.store.logins import SecretStore
from smtpcreds.store.record import Slot

__all__ = [
    "ChosenSecret", "keep_returned", "log",
]

log = logging.getLogger("smtpcreds")


class ChosenSecret:
    """A password we chose, kept as the pending login of credential ``ref`` (its name) while
    requests set it."""

    def __init__(self, store: SecretStore, ref: str, login: SmtpLogin, *, reused: bool) -> None:
        self.store, self.ref, self.login, self.reused = store, ref, login, reused

    def __repr__(self) -> str:
        return f"<ChosenSecret {self.store.where(self.ref)} reused={self.reused}>"

    @classmethod
    def prepare(cls, store: SecretStore, ref: str, template: SmtpLogin, *, password: SecretStr | None = None,
                length: int = passwords.LENGTH, earlier: SmtpLogin | None = None,
                reuse: bool = True, id: str | None = None) -> ChosenSecret:
        """Store the pending login of ``ref`` (``template`` with the new password) and return it.

        ``password``: the user's own choice; else a pending login left by an earlier unanswered
        request is reused (``reuse``; pass it as ``earlier`` when already read), else one is
        generated with ``length`` characters. ``id``: the provider id of the login it is for,
        when that is another login than the credential's current one (a new credential, a
        replacement).
        """
        if password is None and reuse:
            earlier = earlier if earlier is not None else store.get(ref, "pending")
            if earlier is not None:
                return cls(store, ref, earlier, reused=True)
        pw = password if password is not None else SecretStr(passwords.generate(length))
        login = template.model_copy(update={"password": pw, "created_at": utcnow()})
        store.put(ref, login, "pending", id=id)
        return cls(store, ref, login, reused=False)

    @property
    def password(self) -> SecretStr:
        return self.login.password

    @contextmanager
    def sending(self) -> Iterator[SecretStr]:
        """Around the request that sets the password: a refusal drops it, a lost answer keeps it."""
        try:
            yield self.login.password
        except TransportError:
            raise
        except SmtpCredsError:
            self.drop()
            raise

    def drop(self) -> None:
        """Remove the pending login (the provider refused it), unless an earlier request left it."""
        if not self.reused:
            self.store.delete(self.ref, "pending")

    def keep_as_current(self, id: str, **update: Any) -> SmtpLogin:
        """A new credential's create succeeded and nothing needs verifying: its record becomes this
        login, current, with the provider's ``id`` (one write)."""
        login = self.login.model_copy(update=update) if update else self.login
        self.store.settle(self.ref, login, id)
        return login

    def promote(self) -> SmtpLogin:
        """current → previous, pending → current (one write)."""
        self.store.promote(self.ref, pending=self.login)
        return self.login


def keep_returned(store: SecretStore, ref: str, login: SmtpLogin, slot: Slot, id: str,
                  discard: Callable[[], None], *, new: bool = False) -> None:
    """Store a password the provider returned for its login ``id`` in credential ``ref``'s record;
    if that fails, ``discard`` the login. ``new``: ``ref`` is a credential just made (nothing to
    read first)."""
    try:
        store.put(ref, login, slot, id=id, new=new)
    except SmtpCredsError:
        try:
            discard()
        except SmtpCredsError as e:
            log.error("could not delete %s whose password could not be stored: %s", id, e)
        raise
