"""Collect a :class:`~smtpcreds.metrics.snapshot.Snapshot`: the one module that reads the core.

Credentials are known by name (docs/concepts.md), from these sources (no provider request unless
``with_provider``):

* the **rotation journals** (:func:`smtpcreds.rotation.journal.journal_store`): every credential
  smtpcreds has rotated, with its latest login id; the open rotations and the step each waits at;
  the last rotation that finished;
* the **bindings** (``login = "<issuer>/<credential>"`` of the consumer profiles): credentials
  named by consumers, rotated or not;
* the **store** (:class:`smtpcreds.store.SecretStore`): each known credential's current login,
  whose ``created_at`` is when it became current; a store that can be listed (the vault store)
  also names every credential it holds (an OS keyring cannot be listed);
* the **local consumers**: each bound consumer's settings, compared with its credential's current
  login by the audit's own rule (:func:`smtpcreds.bindings.settings_hold`);
* the **host reports** of the fleet's agents (the vault store, docs/fleet.md): each agent's last
  report, each remote consumer in sync or not, and per credential the host:consumers that do not
  hold its current login yet (a silent host's count as not holding it, as the rollout counts them);
* the **provider**, with ``with_provider`` only: every credential of each issuer profile that
  can list, and when each was last used.

An agent's own textfile (``smtpcreds agent --metrics-textfile``) is :func:`of_cycle`: what its
cycle found, with no read beyond what its policy allows.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

from smtpcreds.agent import CycleResult
from smtpcreds.bindings import Bindings, settings_hold
from smtpcreds.capabilities import Capability
from smtpcreds.client import Connection, secret_store, store_backend
from smtpcreds.config import Config
from smtpcreds.errors import NotFound, SmtpCredsError
from smtpcreds.metrics.settings import MetricsSettings, metrics_settings
from smtpcreds.metrics.snapshot import (
    AgentReport,
    ConsumerSync,
    LastSuccess,
    LoginLastUsed,
    LoginMaxAge,
    LoginRotated,
    OpenRotation,
    RolloutPending,
    Snapshot,
)
from smtpcreds.models import EmailSettings, SmtpLogin
from smtpcreds.profiles import IssuerProfile
from smtpcreds.redact import one_line
from smtpcreds.rotation.journal import Journal, JournalStore
from smtpcreds.store import Backend, HostReport, SecretStore, login_identity
from smtpcreds.store.hosts import state_of

__all__ = [
    "collect", "fleet", "of_cycle",
]

log = logging.getLogger("smtpcreds.metrics")

#: (issuer profile, credential name)
Key = tuple[str, str]


def collect(config: Config, *, host: str | None = None, with_provider: bool = False,
            settings: MetricsSettings | None = None, now: float | None = None,
            connect: Callable[[str], Connection] | None = None) -> Snapshot:
    """A snapshot of logins, rotations and the local consumers of ``config``.

    ``host``: the ``host`` label of local consumers (default: this machine's name).
    ``connect``: how to connect a profile (default: a connection of ``config``, closed here).
    """
    settings = settings or metrics_settings(config)
    host = host or socket.gethostname()
    backend = store_backend(config)  # (one for the whole snapshot: journals, records, host reports)
    journals = JournalStore(backend.journals()).all()
    connections: dict[str, Connection] = {}

    def conn(name: str) -> Connection:
        if name not in connections:
            connections[name] = connect(name) if connect else Connection(name, config.profile(name), config=config)
        return connections[name]

    try:
        snapshot = Snapshot(generated_at=now if now is not None else time.time())
        issuers = _issuers(config)
        ids: dict[Key, str] = {}  # the latest login id a journal names: finds a record of an earlier release
        for j in journals:  # oldest first
            ids[(j.profile, j.name)] = j.target
        known: set[Key] = set(ids)
        known |= {(p.issuer, p.credential) for b in Bindings.of(config).all.values() for p in b.patterns
                  if not p.every and p.issuer in issuers}
        known |= _stored(backend, issuers)
        reports = _reports(backend)
        known |= {(h.issuer, h.credential) for r in reports for h in r.consumers if h.issuer in issuers}
        if with_provider:
            listed, snapshot.last_used = _listed(config, issuers, conn)
            known |= listed
        logins = _logins(config, backend, known, ids)
        snapshot.logins = [LoginRotated(p, n, config.profiles[p].provider, login.created_at.timestamp())
                           for (p, n), login in sorted(logins.items())]
        profiles = sorted(set(issuers) | {r.profile for r in snapshot.logins})
        snapshot.max_ages = [LoginMaxAge(p, settings.max_age(p).total_seconds()) for p in profiles]
        snapshot.open_rotations = [OpenRotation(j.profile, j.name, j.id, str(j.next)) for j in journals if j.open]
        snapshot.last_successes = _last_successes(journals)
        snapshot.consumers = list(_consumers(config, logins, conn, host))
        snapshot = snapshot.merge(fleet(reports, logins, snapshot.generated_at, local=host))
    finally:
        if connect is None:
            for c in connections.values():
                c.close()
    return snapshot


def fleet(reports: list[HostReport], logins: dict[Key, SmtpLogin], now: float, *, local: str = "") -> Snapshot:
    """The rows the agents' reports give: each agent's last report, each remote consumer in sync
    or not (the state :func:`smtpcreds.store.hosts.state_of` gives, which the rollout also uses),
    and per credential how many host:consumers do not hold its current login. Consumers of host
    ``local`` are read here directly, so its report's rows are left out (one series each)."""
    snapshot = Snapshot(generated_at=now)
    at = datetime.fromtimestamp(now, timezone.utc)
    pending: dict[Key, int] = {}
    for report in reports:
        snapshot.agents.append(AgentReport(report.host, report.cycle_at.timestamp()))
        for held in report.consumers:
            key = (held.issuer, held.credential)
            login = logins.get(key)
            if login is None:
                continue  # nothing stored to compare with
            in_sync = state_of(report, held, login_identity(*key, login), at) == "in sync"
            pending[key] = pending.get(key, 0) + (not in_sync)
            if report.host != local:
                snapshot.consumers.append(ConsumerSync(*key, held.consumer, report.host, in_sync))
    snapshot.rollouts = [RolloutPending(p, c, n) for (p, c), n in sorted(pending.items())]
    return snapshot


def of_cycle(result: CycleResult, now: float | None = None) -> Snapshot:
    """An agent host's metrics, from its cycle alone: its report's time, and each of its consumers
    in sync or not (no journal, profile secret or other host's report: the agent's policy has none)."""
    report = result.report
    snapshot = Snapshot(generated_at=now if now is not None else time.time())
    snapshot.agents.append(AgentReport(report.host, report.cycle_at.timestamp()))
    for held in report.consumers:
        wanted = result.current.get(held.login)
        if wanted is not None:
            snapshot.consumers.append(ConsumerSync(held.issuer, held.credential, held.consumer, report.host,
                                                   held.holds == wanted and not held.error))
    return snapshot


def _reports(backend: Backend) -> list[HostReport]:
    hosts = backend.hosts()
    return hosts.all() if hosts is not None else []


def _issuers(config: Config) -> list[str]:
    return sorted(n for n, p in config.profiles.items() if isinstance(p, IssuerProfile))


def _stored(backend: Backend, issuers: list[str]) -> set[Key]:
    """Every credential a listable store (the vault store) holds a record of."""
    out: set[Key] = set()
    for profile in issuers:
        out |= {(profile, name) for name in backend.records(profile).refs() or ()}
    return out


def _listed(config: Config, issuers: list[str],
            conn: Callable[[str], Connection]) -> tuple[set[Key], list[LoginLastUsed]]:
    """``--with-provider``: every credential each issuer lists, and when each login was last used."""
    known: set[Key] = set()
    used = []
    for profile in issuers:
        try:
            c = conn(profile)
            if Capability.LIST not in c.capabilities:
                continue
            listed = list(c.credentials.list())
        except SmtpCredsError as e:
            log.warning("%s: cannot list its credentials: %s", profile, one_line(e.message))
            continue
        for cred in listed:
            name = cred.credential or cred.name
            known.add((profile, name))
            if cred.last_used_at is not None:
                used.append(LoginLastUsed(profile, name, c.profile.provider, cred.last_used_at.timestamp()))
    return known, used


def _logins(config: Config, backend: Backend, known: set[Key], ids: dict[Key, str]) -> dict[Key, SmtpLogin]:
    """Each known credential's current stored login (none: not in the store)."""
    stores: dict[str, SecretStore] = {}
    out: dict[Key, SmtpLogin] = {}
    for profile, name in sorted(known):
        store = stores.get(profile)
        if store is None:
            store = stores[profile] = secret_store(profile, config, backend=backend)
        if (profile, name) in ids:
            store.alias(name, ids[(profile, name)])
        login = store.get(name)
        if login is not None:
            out[(profile, name)] = login
    return out


def _last_successes(journals: list[Journal]) -> list[LastSuccess]:
    """Per credential, when its newest finished rotation promoted its new login."""
    best: dict[Key, float] = {}
    for j in journals:
        if j.status != "done":
            continue
        promoted = [h.at for h in j.history if h.step == "promote" and h.outcome == "done"]
        at = (promoted[-1] if promoted else j.updated_at).timestamp()
        key = (j.profile, j.name)
        best[key] = max(best.get(key, at), at)
    return [LastSuccess(p, n, at) for (p, n), at in sorted(best.items())]


def _consumers(config: Config, logins: dict[Key, SmtpLogin], conn: Callable[[str], Connection],
               host: str) -> Iterator[ConsumerSync]:
    """1 or 0 for each (bound consumer, credential) whose state can be told."""
    seen: dict[str, EmailSettings | Exception | None] = {}
    for binding in Bindings.of(config).all.values():
        held = [(issuer, name) for issuer, name in sorted(logins) if binding.holds(issuer, name)]
        for key in held:
            if binding.consumer not in seen:
                seen[binding.consumer] = _read_consumer(binding.consumer, conn)
            state = _in_sync(seen[binding.consumer], logins[key])
            if state is not None:
                yield ConsumerSync(key[0], key[1], binding.consumer, host, state)


def _read_consumer(name: str, conn: Callable[[str], Connection]) -> EmailSettings | Exception | None:
    """The consumer's settings; the error reading them; None when it cannot show them (an exec hook)."""
    try:
        c = conn(name)
        if Capability.SETTINGS_SHOW not in c.capabilities:
            return None
        return c.settings.get()
    except NotFound as e:  # holds no login at all: stale
        return e
    except SmtpCredsError as e:
        log.warning("consumer %s is unreadable (counted out of sync): %s", name, one_line(e.message))
        return e


def _in_sync(found: EmailSettings | Exception | None, login: SmtpLogin) -> bool | None:
    """The audit's states as metric values: in sync → True; stale or unreadable → False; unknown → None."""
    if found is None:
        return None
    if isinstance(found, Exception):
        return False
    return settings_hold(found, login)

