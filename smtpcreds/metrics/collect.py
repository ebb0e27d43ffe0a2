"""Collect a :class:`~smtpcreds.metrics.snapshot.Snapshot`: the one module that reads the core.

Sources, and what each tells (no provider request unless ``with_provider``):

* the **rotation journals** (:func:`smtpcreds.rotation.journal.journal_store`): every credential
  smtpcreds has rotated, by profile and name, with its current id (the newest rotation's new
  login, else its old one); the open rotations and the step each waits at; the last rotation
  that finished;
* the **bindings** (``login = "<issuer>/<credential>"`` of the consumer profiles): credentials
  named by consumers, rotated or not;
* the **store** (:class:`smtpcreds.secretstore.SecretStore`): each known credential's current
  login, whose ``created_at`` is when it became current; the vault store can also be listed,
  so every credential it holds is known (an OS keyring cannot be listed);
* the **local consumers**: each bound consumer's settings, compared with its credential's current
  login by the audit's own rule (:func:`smtpcreds.drift.holds_login`);
* the **provider**, with ``with_provider`` only: every credential of each issuer profile that
  can list, and when each was last used.

Only this module imports the store, journal and binding internals, so a change there is a
change of imports here. Fleet host reports will be one more source: a function from the
reports to a Snapshot of agent, rollout and remote-consumer rows, merged with
:meth:`Snapshot.merge` (see ``docs/monitoring.md``).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from smtpcreds.metrics.snapshot import (
    ConsumerSync,
    LastSuccess,
    LoginLastUsed,
    LoginMaxAge,
    LoginRotated,
    OpenRotation,
    Snapshot,
)

if TYPE_CHECKING:
    from smtpcreds.bindings import Binding
    from smtpcreds.client import Connection
    from smtpcreds.config import Config
    from smtpcreds.metrics.settings import MetricsSettings
    from smtpcreds.models import EmailSettings, SmtpLogin
    from smtpcreds.rotation.journal import Journal
    from smtpcreds.secretstore import SecretStore

__all__ = [
    "collect",
]

log = logging.getLogger("smtpcreds.metrics")


@dataclass
class _Credential:
    """A credential known by name, and the ids its current login may be stored under (best first)."""

    profile: str
    name: str
    provider: str
    ids: list[str] = field(default_factory=list)
    login: SmtpLogin | None = None

    def prefer(self, *ids: str) -> None:
        for ref in reversed(ids):
            if ref in self.ids:
                self.ids.remove(ref)
            self.ids.insert(0, ref)

    def known_as(self, ref: str) -> bool:
        return ref == self.name or ref in self.ids


class _Catalogue:
    """The credentials the sources name, merged by profile and name (or an id one of them holds)."""

    def __init__(self) -> None:
        self.items: list[_Credential] = []

    def find(self, profile: str, ref: str) -> _Credential | None:
        named = [c for c in self.items if c.profile == profile and c.name == ref]
        held = [c for c in self.items if c.profile == profile and ref in c.ids]
        found = named or held
        return found[0] if found else None

    def add(self, profile: str, name: str, provider: str, *ids: str) -> _Credential:
        found = self.find(profile, name) or next((c for i in ids if (c := self.find(profile, i))), None)
        if found is None:
            found = _Credential(profile, name, provider)
            self.items.append(found)
        found.prefer(*ids)
        return found

    def of(self, profile: str) -> list[_Credential]:
        return [c for c in self.items if c.profile == profile]


def collect(config: Config, *, host: str | None = None, with_provider: bool = False,
            settings: MetricsSettings | None = None, now: float | None = None,
            connect: Callable[[str], Connection] | None = None) -> Snapshot:
    """A snapshot of logins, rotations and the local consumers of ``config``.

    ``host``: the ``host`` label of local consumers (default: this machine's name).
    ``connect``: how to connect a profile (default: a connection of ``config``, closed here).
    """
    import time

    from smtpcreds.metrics.settings import metrics_settings
    from smtpcreds.rotation.journal import journal_store

    settings = settings or metrics_settings(config.path)
    host = host or socket.gethostname()
    journals = journal_store().all()
    connections: dict[str, Connection] = {}

    def conn(name: str) -> Connection:
        if name not in connections:
            connections[name] = connect(name) if connect else _connect(config, name)
        return connections[name]

    try:
        snapshot = Snapshot(generated_at=now if now is not None else time.time())
        catalogue = _Catalogue()
        for j in journals:  # oldest first: the newest rotation's ids end up first
            catalogue.add(j.profile, j.name, j.provider, j.target, j.ref)
        _add_bound(catalogue, config)
        _add_stored(catalogue, config)
        if with_provider:
            snapshot.last_used += _add_listed(catalogue, config, conn)
        _read_logins(catalogue, config)
        snapshot.logins = [LoginRotated(c.profile, c.name, c.provider, c.login.created_at.timestamp())
                           for c in catalogue.items if c.login is not None]
        profiles = sorted(set(_issuers(config)) | {r.profile for r in snapshot.logins})
        snapshot.max_ages = [LoginMaxAge(p, settings.max_age(p).total_seconds()) for p in profiles]
        snapshot.open_rotations = [OpenRotation(j.profile, j.name, j.id, str(j.next)) for j in journals if j.open]
        snapshot.last_successes = _last_successes(journals)
        snapshot.consumers = list(_consumers(catalogue, config, conn, host))
    finally:
        if connect is None:
            for c in connections.values():
                c.close()
    return snapshot


def _connect(config: Config, name: str) -> Connection:
    from smtpcreds.client import Connection

    return Connection(name, config.profile(name), config=config)


def _issuers(config: Config) -> list[str]:
    from smtpcreds.profiles import IssuerProfile

    return sorted(n for n, p in config.profiles.items() if isinstance(p, IssuerProfile))


def _add_bound(catalogue: _Catalogue, config: Config) -> None:
    """Credentials the consumers' bindings name (a binding of every credential, ``*``, names none)."""
    from smtpcreds.bindings import Bindings

    issuers = set(_issuers(config))
    for binding in Bindings.of(config).all.values():
        for p in binding.patterns:
            if p.every or p.issuer not in issuers:
                continue  # (a dangling binding: 'creds audit' reports it)
            if catalogue.find(p.issuer, p.credential) is None:
                catalogue.add(p.issuer, p.credential, config.profiles[p.issuer].provider, p.credential)


def _add_stored(catalogue: _Catalogue, config: Config) -> None:
    """Every record of the vault store (the OS keyring cannot be listed)."""
    from urllib.parse import unquote

    from smtpcreds.store.settings import current

    settings = current()
    if settings.backend != "vault":
        return
    from smtpcreds.store.vault import kv_for, segment

    kv = kv_for(settings)
    for profile in _issuers(config):
        for key in kv.list(f"logins/{segment(profile)}"):
            ref = unquote(key)
            if not key.endswith("/") and catalogue.find(profile, ref) is None:
                catalogue.add(profile, ref, config.profiles[profile].provider, ref)


def _add_listed(catalogue: _Catalogue, config: Config, conn: Callable[[str], Connection]) -> list[LoginLastUsed]:
    """``--with-provider``: every credential each issuer lists (its name and current id win)."""
    from smtpcreds.capabilities import Capability
    from smtpcreds.errors import SmtpCredsError

    used = []
    for profile in _issuers(config):
        try:
            c = conn(profile)
            if Capability.LIST not in c.capabilities:
                continue
            listed = list(c.credentials.list())
        except SmtpCredsError as e:
            log.warning("%s: cannot list its credentials: %s", profile, _line(e.message))
            continue
        for cred in listed:
            known = catalogue.find(profile, cred.id) or catalogue.find(profile, cred.name)
            if known is not None:
                known.name = cred.name
                known.prefer(cred.id)
            else:
                catalogue.add(profile, cred.name, c.profile.provider, cred.id)
            if cred.last_used_at is not None:
                used.append(LoginLastUsed(profile, cred.name, c.profile.provider, cred.last_used_at.timestamp()))
    return used


def _read_logins(catalogue: _Catalogue, config: Config) -> None:
    """Each credential's current login: the first of its ids whose record holds one."""
    from smtpcreds.secretstore import SecretStore

    stores: dict[str, SecretStore] = {}
    for cred in catalogue.items:
        store = stores.get(cred.profile)
        if store is None:
            store = stores[cred.profile] = SecretStore(cred.profile, allow_insecure=config.allow_insecure_keyring)
        for ref in cred.ids:
            cred.login = store.get(ref)
            if cred.login is not None:
                cred.prefer(ref)
                break


def _last_successes(journals: list[Journal]) -> list[LastSuccess]:
    """Per credential, when its newest finished rotation promoted its new login."""
    best: dict[tuple[str, str], float] = {}
    for j in journals:
        if j.status != "done":
            continue
        promoted = [h.at for h in j.history if h.step == "promote" and h.outcome == "done"]
        at = (promoted[-1] if promoted else j.updated_at).timestamp()
        key = (j.profile, j.name)
        best[key] = max(best.get(key, at), at)
    return [LastSuccess(p, n, at) for (p, n), at in sorted(best.items())]


def _consumers(catalogue: _Catalogue, config: Config, conn: Callable[[str], Connection],
               host: str) -> Iterator[ConsumerSync]:
    """1 or 0 for each (bound consumer, credential) whose state can be told."""
    from smtpcreds.bindings import Bindings

    seen: dict[str, EmailSettings | Exception | None] = {}
    for binding in Bindings.of(config).all.values():
        for cred in _held(catalogue, binding):
            if cred.login is None:
                continue  # nothing stored to compare with
            if binding.consumer not in seen:
                seen[binding.consumer] = _read_consumer(binding.consumer, conn)
            state = _in_sync(seen[binding.consumer], cred.login)
            if state is not None:
                yield ConsumerSync(cred.profile, cred.name, binding.consumer, host, state)


def _held(catalogue: _Catalogue, binding: Binding) -> list[_Credential]:
    out: list[_Credential] = []
    for p in binding.patterns:
        found = catalogue.of(p.issuer) if p.every else [c for c in catalogue.of(p.issuer) if c.known_as(p.credential)]
        out += [c for c in found if c not in out]
    return out


def _read_consumer(name: str, conn: Callable[[str], Connection]) -> EmailSettings | Exception | None:
    """The consumer's settings; the error reading them; None when it cannot show them (an exec hook)."""
    from smtpcreds.capabilities import Capability
    from smtpcreds.errors import NotFound, SmtpCredsError

    try:
        c = conn(name)
        if Capability.SETTINGS_SHOW not in c.capabilities:
            return None
        return c.settings.get()
    except NotFound as e:  # holds no login at all: stale
        return e
    except SmtpCredsError as e:
        log.warning("consumer %s is unreadable (counted out of sync): %s", name, _line(e.message))
        return e


def _in_sync(found: EmailSettings | Exception | None, login: SmtpLogin) -> bool | None:
    """The audit's states as metric values: in sync → True; stale or unreadable → False; unknown → None."""
    from smtpcreds.drift import holds_login

    if found is None:
        return None
    if isinstance(found, Exception):
        return False
    return holds_login(found, login)


def _line(message: str) -> str:
    return " ".join(message.split())
