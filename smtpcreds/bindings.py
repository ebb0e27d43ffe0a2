"""Bindings: which login each consumer holds, and the rules that follow from them.

A consumer profile names the login it holds with ``login = "<issuer profile>/<credential>"``:
the credential's name, which every rotation keeps (a provider id also works while it is the
credential's current one; docs/concepts.md). A consumer that routes logins itself
(``ConsumerProfile.multi_login``, an ``exec`` hook) may bind many: ``"<issuer>/*"`` or a list.
This module is the one owner of the rule:

* the syntax of ``login`` is :func:`smtpcreds.profiles.parse_login`'s, checked when the profile
  is loaded;
* :class:`Bindings` answers "who holds this credential" and "may ``--push NAME`` go here",
  and raises :class:`~smtpcreds.errors.ConfigError` (exit 2, naming the consumer profile) for a
  binding to a profile that is not an issuer or to a credential the issuer does not have;
* :func:`bound_push` is what a rotation's plan calls: the consumers to push to, refusals first;
* :func:`holds_login` (and :func:`settings_hold`, on a consumer's settings) is the rule for "this
  consumer holds that login" (the audit, ``settings sync``, metrics and the fleet agent all compare
  with it).

Nothing here changes anything, so every check runs before a rotation's first change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smtpcreds.capabilities import Capability
from smtpcreds.errors import ConfigError
from smtpcreds.profiles import ConsumerProfile, IssuerProfile, LoginPattern, ProfileBase, parse_login

if TYPE_CHECKING:
    from smtpcreds.client import Connection
    from smtpcreds.config import Config
    from smtpcreds.models import EmailSettings, SmtpCredential, SmtpLogin

__all__ = [
    "Binding",
    "Bindings",
    "binding_of",
    "bound_push",
    "holds_login",
    "listing",
    "name_of",
    "preflight",
    "settings_hold",
]

@dataclass(frozen=True)
class Binding:
    """One consumer profile and the logins it holds."""

    consumer: str
    patterns: tuple[LoginPattern, ...]
    multi_login: bool

    def holds(self, issuer: str, cred_id: str, name: str | None = None) -> bool:
        return any(p.matches(issuer, cred_id, name) for p in self.patterns)

    def describe(self) -> str:
        return ", ".join(str(p) for p in self.patterns)


def name_of(cred: SmtpCredential) -> str:
    """The name of the credential a login belongs to, as the client found it (docs/concepts.md)."""
    return cred.credential or cred.name


def binding_of(name: str, profile: ProfileBase) -> Binding | None:
    """The binding a profile declares, or None (issuers, and consumers without ``login``)."""
    if not isinstance(profile, ConsumerProfile) or profile.login is None:
        return None
    multi = type(profile).multi_login
    return Binding(name, parse_login(profile.login, multi_login=multi), multi)


class Bindings:
    """Every binding of a configuration."""

    def __init__(self, profiles: Mapping[str, ProfileBase]) -> None:
        self.profiles = dict(profiles)
        self.all: dict[str, Binding] = {}
        for name, profile in sorted(self.profiles.items()):
            binding = binding_of(name, profile)
            if binding is not None:
                self.all[name] = binding

    @classmethod
    def of(cls, config: Config | None) -> Bindings:
        return cls(config.profiles if config is not None else {})

    def __bool__(self) -> bool:
        return bool(self.all)

    def get(self, consumer: str) -> Binding | None:
        return self.all.get(consumer)

    def consumers_of(self, issuer: str, cred_id: str, name: str | None = None) -> list[str]:
        """The consumers bound to a credential, in name order."""
        return [b.consumer for b in self.all.values() if b.holds(issuer, cred_id, name)]

    def on_issuer(self, issuer: str) -> list[Binding]:
        return [b for b in self.all.values() if any(p.issuer == issuer for p in b.patterns)]

    # -- checks (nothing is changed by any of them) -------------------------------------------
    def check_issuers(self) -> None:
        """Every bound issuer is a configured issuer profile."""
        for b in self.all.values():
            for p in b.patterns:
                target = self.profiles.get(p.issuer)
                if target is None:
                    raise ConfigError(f"profile {b.consumer!r}: login {str(p)!r} names no configured "
                                      f"profile {p.issuer!r}")
                if not isinstance(target, IssuerProfile):
                    raise ConfigError(f"profile {b.consumer!r}: login {str(p)!r} names profile {p.issuer!r}, "
                                      f"which is not an issuer ({target.provider} issues no logins)")

    def check_credentials(self, issuer: str, credentials: Iterable[SmtpCredential]) -> None:
        """Every binding to ``issuer`` names a credential it has (by id or name)."""
        bound = [(b, p) for b in self.on_issuer(issuer) for p in b.patterns if p.issuer == issuer and not p.every]
        if not bound:
            return
        known: set[str] = set()
        for cred in credentials:
            known.update((cred.id, name_of(cred)))
        for b, p in bound:
            if p.credential not in known:
                raise ConfigError(f"profile {b.consumer!r}: login {str(p)!r}: issuer {issuer!r} has no "
                                  f"credential {p.credential!r} (see 'smtpcreds --profile {issuer} creds list'; a "
                                  "provider id changes with each replace rotation: bind the credential's name)")

    def check_push(self, push: Sequence[str], issuer: str, cred_id: str, name: str | None = None,
                   *, several: bool = False) -> None:
        """Refuse ``--push NAME`` when NAME is bound to another login, or holds one login and the
        command rotates several credentials (it would end holding whichever came last)."""
        for consumer in push:
            b = self.all.get(consumer)
            bound = f" (it is bound to {b.describe()}: bound consumers are pushed automatically)" if b else ""
            if several and self._single(consumer):
                raise ConfigError(f"--push {consumer}: profile {consumer!r} holds a single login and this "
                                  f"command rotates several credentials{bound}; bind each consumer to its "
                                  'login (login = "<issuer>/<credential>") instead')
            if b is not None and not b.holds(issuer, cred_id, name):
                raise ConfigError(f"--push {consumer}: profile {consumer!r} is bound to {b.describe()}, "
                                  f"not to {issuer}/{cred_id}; bound consumers are pushed automatically")

    def _single(self, consumer: str) -> bool:
        """A configured consumer that holds one login (anything else fails with its own message
        when the rotation connects it)."""
        profile = self.profiles.get(consumer)
        return isinstance(profile, ConsumerProfile) and not type(profile).multi_login

    def push_list(self, issuer: str, cred: SmtpCredential, push: Sequence[str] | None,
                  push_bound: bool = True) -> list[str]:
        """The consumers a rotation of ``cred`` pushes to: bound ones (unless ``push_bound`` is
        false, ``--no-push``), then ``push`` (ad hoc), each once."""
        out = self.consumers_of(issuer, cred.id, name_of(cred)) if push_bound else []
        for consumer in push or []:
            if consumer not in out:
                out.append(consumer)
        return out


def bound_push(conn: Connection, cred: SmtpCredential, push: Sequence[str] | None,
               push_bound: bool = True) -> list[str]:
    """For a rotation's plan: the consumers to push ``cred``'s new login to.

    Raises ConfigError for a broken binding or a refused ``--push``; needs no request.
    """
    bindings = Bindings.of(conn.config)
    bindings.check_issuers()
    bindings.check_push(push or [], conn.profile_name, cred.id, name_of(cred))
    return bindings.push_list(conn.profile_name, cred, push, push_bound)


def listing(conn: Connection) -> list[SmtpCredential] | None:
    """Every credential of an issuer connection's default scope, or None if it cannot list."""
    return list(conn.credentials.list()) if Capability.LIST in conn.capabilities else None


def preflight(config: Config | None, targets: Sequence[tuple[str, str]], push: Sequence[str],
              credentials_of: Callable[[str], list[SmtpCredential] | None]) -> None:
    """Before a command rotates ``targets`` ((issuer profile, ref) pairs): check every binding on
    their issuers and refuse a ``--push`` that would put a login in a consumer bound to another,
    or several logins in a single-login consumer. ``credentials_of(issuer)`` lists an issuer
    (:func:`listing`), or returns None to skip the check of named credentials (a rotation in a
    scope other than the default); it is called once per issuer, and only when a binding names a
    credential of it or ``push`` is given."""
    bindings = Bindings.of(config)
    if not bindings and not push:
        return
    bindings.check_issuers()
    several = len(targets) > 1
    for issuer in sorted({issuer for issuer, _ in targets}):
        refs = [ref for i, ref in targets if i == issuer]
        names: dict[str, str | None] = {ref: None for ref in refs}
        needs_listing = any(not p.every for b in bindings.on_issuer(issuer) for p in b.patterns)
        creds = credentials_of(issuer) if needs_listing or push else None
        if creds is not None:
            bindings.check_credentials(issuer, creds)
            by_ref = {c.id: name_of(c) for c in creds} | {name_of(c): name_of(c) for c in creds}
            names = {ref: by_ref.get(ref) for ref in refs}
        for ref, name in names.items():
            bindings.check_push(push, issuer, ref, name, several=several)


def holds_login(username: str | None, password: str | None, login: SmtpLogin) -> bool:
    """Whether a consumer showing ``username`` and ``password`` holds ``login``: the same username,
    and the same password where the consumer shows one (a consumer that hides it counts as holding)."""
    return username == login.username and password in (None, login.password.get_secret_value())


def settings_hold(found: EmailSettings, login: SmtpLogin) -> bool:
    """Whether a consumer's settings hold ``login`` (:func:`holds_login` on what they show)."""
    return holds_login(found.username, found.password.get_secret_value() if found.password else None, login)
