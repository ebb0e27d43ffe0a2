"""Drift between consumers and the logins bound to them: the audit, and the repair (sync).

:func:`audit` lists every credential of the issuer profiles with its stored secret, age, last
use, open rotations and its **bound consumers** (see :mod:`smtpcreds.bindings`), each with a
state read from the consumer itself:

* ``in sync``: it holds the current stored login;
* ``stale``: it holds another one (``holds`` names it when known: the credential's previous
  login, another credential's, or just the username), or none;
* ``unreadable``: reading it failed (``detail``: the error, one line);
* ``unknown``: it cannot show its settings (an exec hook): ``last_push`` and ``last_push_at``
  come from the rotation journals instead.

Consumers on other hosts (vault store) are listed beside them as ``host:consumer``, from their
agents' reports (:mod:`smtpcreds.store.hosts`): ``in sync``, ``stale``, ``failed`` or ``silent``.

Consumers a rotation pushed this credential to (``--push``) without being bound to it are
listed apart, in ``unbound_pushes``. :func:`sync` pushes the current login to every bound
consumer found stale; a consumer that cannot be read is pushed only when named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from smtpcreds.bindings import Binding, Bindings, holds_login, name_of, settings_hold
from smtpcreds.capabilities import Capability
from smtpcreds.client import Connection, store_backend
from smtpcreds.config import Config, load_config
from smtpcreds.errors import ConfigError, NotFound, SmtpCredsError
from smtpcreds.models import SmtpCredential, SmtpLogin, utcnow
from smtpcreds.plugins import plugins
from smtpcreds.redact import one_line
from smtpcreds.rotation.journal import Journal, journal_store
from smtpcreds.store import HostReport, LoginRecord, login_identity
from smtpcreds.store.hosts import state_of

__all__ = [
    "AuditReport", "ConsumerState", "CredentialAudit", "State", "SyncAction", "audit", "sync",
]

State = Literal["in sync", "stale", "unreadable", "unknown", "failed", "silent"]


class ConsumerState(BaseModel):
    """One bound consumer of a credential, as read from the consumer (or, on another host, as its
    agent last reported it: ``consumer`` is then ``host:consumer``)."""

    consumer: str
    host: str | None = Field(None, description="The host whose agent reported it; null for a local consumer.")
    state: State
    holds: str | None = Field(None, description="With stale: the login it holds, when known.")
    detail: str = ""
    last_push: str | None = Field(None, description="With unknown: the last rotation that pushed to it.")
    last_push_at: datetime | None = None


class CredentialAudit(BaseModel):
    """One login at an issuer: its credential, and, for the credential's current login, the
    consumers bound to it."""

    profile: str
    provider: str
    credential: str = Field(description="The credential's name (docs/concepts.md).")
    id: str
    name: str = Field(description="The provider's name of this login.")
    current: bool = Field(True, description="Whether this login is its credential's current one (an old "
                          "login kept by --keep-old, or one the store does not know, is not).")
    secret_stored: bool
    secret_age_days: float | None
    last_used_at: datetime | None
    consumers: list[ConsumerState]
    unbound_pushes: list[str] = Field(description="Consumers pushed this login by --push without a binding.")
    open_rotations: list[str]


class AuditReport(BaseModel):
    credentials: list[CredentialAudit]
    #: Bindings that name no issuer profile or no credential, one line each.
    problems: list[str] = Field(default_factory=list)


class SyncAction(BaseModel):
    """What ``sync`` did (or, with ``dry_run``, would do) for one consumer and login."""

    consumer: str
    issuer: str
    credential: str = Field(description="The credential's name.")
    state: State
    action: Literal["pushed", "would push", "none", "failed"]
    detail: str = ""


class _Session:
    """Connections, listings and stored logins, each fetched once."""

    def __init__(self, config: Config, connect: Callable[[str], Connection] | None) -> None:
        self.config = config
        self.bindings = Bindings.of(config)
        #: Connections made here are closed here; the caller's (``connect``) stay open.
        self._owned = connect is None
        self._connect = connect or (lambda name: Connection(name, config.profile(name), config=config))
        self._conns: dict[str, Connection] = {}
        self._listings: dict[str, list[SmtpCredential]] = {}
        self._records: dict[tuple[str, str], LoginRecord] = {}

    def conn(self, name: str) -> Connection:
        if name not in self._conns:
            self._conns[name] = self._connect(name)
        return self._conns[name]

    def credentials(self, issuer: str) -> list[SmtpCredential]:
        if issuer not in self._listings:
            self._listings[issuer] = list(self.conn(issuer).credentials.list())
        return self._listings[issuer]

    def close(self) -> None:
        if self._owned:
            for c in self._conns.values():
                c.close()

    def record(self, issuer: str, name: str) -> LoginRecord:
        """The stored record of credential ``name`` (read once per session)."""
        key = (issuer, name)
        if key not in self._records:
            self._records[key] = self.conn(issuer).store.record(name)
        return self._records[key]

    def is_current(self, issuer: str, cred: SmtpCredential) -> bool:
        """Whether ``cred`` is its credential's current login: the one the store names, or the only
        login of its name when the store names none."""
        stored = self.record(issuer, name_of(cred)).id
        if stored is not None:
            return stored == cred.id
        return sum(name_of(c) == name_of(cred) for c in self.credentials(issuer)) == 1

    def held(self, binding: Binding) -> list[tuple[str, SmtpCredential]]:
        """(issuer, current login) of each credential a binding holds; ConfigError for a dangling one."""
        out = []
        for p in binding.patterns:
            creds = [c for c in self.credentials(p.issuer)
                     if p.matches(p.issuer, c.id, name_of(c)) and self.is_current(p.issuer, c)]
            if not creds and not p.every:
                self.bindings.check_credentials(p.issuer, [])  # raises, naming the consumer
            out += [(p.issuer, c) for c in creds]
        return out

    def stale_bindings(self, issuer: str) -> list[str]:
        """Bindings by the id of a login that is no longer its credential's current one."""
        out = []
        for b in self.bindings.on_issuer(issuer):
            for p in b.patterns:
                for c in self.credentials(issuer):
                    if p.issuer == issuer and p.credential == c.id != name_of(c) and not self.is_current(issuer, c):
                        out.append(f"profile {b.consumer!r}: login {str(p)!r} names login {c.id}, which is no longer "
                                   f"the current login of credential {name_of(c)!r}: bind it by its name "
                                   f'(login = "{issuer}/{name_of(c)}")')
        return out

    def state(self, consumer: str, issuer: str, cred: SmtpCredential, journals: list[Journal]) -> ConsumerState:
        """Read ``consumer`` and compare it with the stored logins of ``issuer``."""
        try:
            conn = self.conn(consumer)
        except SmtpCredsError as e:
            return ConsumerState(consumer=consumer, state="unreadable", detail=one_line(e.message))
        name = name_of(cred)
        current = self.record(issuer, name).current
        if Capability.SETTINGS_SHOW not in conn.capabilities:
            j = _last_push(journals, issuer, name, consumer)
            return ConsumerState(consumer=consumer, state="unknown",
                                 detail=f"{conn.profile.provider} cannot show its settings",
                                 last_push=j.id if j else None, last_push_at=_push_time(j) if j else None)
        try:
            found = conn.settings.get()
        except NotFound as e:
            return ConsumerState(consumer=consumer, state="stale", holds=None, detail=one_line(e.message))
        except SmtpCredsError as e:
            return ConsumerState(consumer=consumer, state="unreadable", detail=one_line(e.message))
        if current is None:
            return ConsumerState(consumer=consumer, state="unknown",
                                 detail=f"no stored login for {issuer}/{name} to compare with")
        pair = (found.username, found.password.get_secret_value() if found.password else None)
        if settings_hold(found, current):
            return ConsumerState(consumer=consumer, state="in sync")
        return ConsumerState(consumer=consumer, state="stale", holds=self._name(pair, issuer, cred))

    def _name(self, pair: tuple[str | None, str | None], issuer: str, cred: SmtpCredential) -> str | None:
        name = name_of(cred)
        previous = self.record(issuer, name).previous
        if previous is not None and holds_login(*pair, previous):
            return f"the previous login of {issuer}/{name}"
        for other in self.credentials(issuer):
            if name_of(other) != name and pair[0] == other.username:
                login = self.record(issuer, name_of(other)).current
                if login is not None and holds_login(*pair, login):
                    return f"{issuer}/{name_of(other)}"
        return f"username {pair[0]}" if pair[0] else "no login"


def _remote(fleet: list[HostReport], issuer: str, cred: SmtpCredential, name: str,
            current: SmtpLogin | None) -> list[ConsumerState]:
    """The consumers other hosts' agents report bound to credential ``name``, as ``host:consumer``."""
    out = []
    for r in fleet:
        for held in r.bound_to(issuer, (cred.id, name)):
            wanted = login_identity(issuer, held.credential, current) if current is not None else None
            out.append(ConsumerState(consumer=f"{r.host}:{held.consumer}", host=r.host,
                                     state=state_of(r, held, wanted, utcnow()), detail=held.error or ""))
    return out


def _last_push(journals: list[Journal], issuer: str, name: str, consumer: str) -> Journal | None:
    pushed = [j for j in journals if j.profile == issuer and j.name == name and consumer in j.pushed]
    return max(pushed, key=lambda j: j.updated_at, default=None)


def _push_time(j: Journal) -> datetime:
    times = [h.at for h in j.history if h.step == "push" and h.outcome == "done"]
    return times[-1] if times else j.updated_at


def _issuer_names(config: Config) -> list[str]:
    names = []
    for name, profile in sorted(config.profiles.items()):
        try:
            caps = plugins().provider(profile.provider).capabilities
        except SmtpCredsError:
            continue
        if Capability.LIST in caps:
            names.append(name)
    return names


def audit(profiles: Sequence[str] | None = None, *, config: Config | None = None,
          connect: Callable[[str], Connection] | None = None) -> AuditReport:
    """Every credential of ``profiles`` (default: every issuer profile) and its bound consumers."""
    cfg = config or load_config()
    session = _Session(cfg, connect)
    journals = journal_store(cfg).all()
    hosts = store_backend(cfg).hosts()
    fleet = hosts.all() if hosts is not None else []
    now = utcnow()
    report = AuditReport(credentials=[])
    try:
        try:
            session.bindings.check_issuers()
        except ConfigError as e:
            report.problems.append(e.message)
        for name in profiles or _issuer_names(cfg):
            conn = session.conn(name)
            creds = session.credentials(name)
            try:
                session.bindings.check_credentials(name, creds)
            except ConfigError as e:
                report.problems.append(e.message)
            report.problems += session.stale_bindings(name)
            for cred in creds:
                credential, current = name_of(cred), session.is_current(name, cred)
                login = session.record(name, credential).current if current else None
                mine = [j for j in journals if j.profile == name and j.name == credential]
                bound = session.bindings.consumers_of(name, cred.id, credential) if current else []
                unbound = sorted({c for j in mine if j.status == "done" for c in j.pushed} - set(bound)) \
                    if current else []
                report.credentials.append(CredentialAudit(
                    profile=name, provider=conn.profile.provider, credential=credential, id=cred.id,
                    name=cred.name, current=current, secret_stored=login is not None,
                    secret_age_days=round((now - login.created_at).total_seconds() / 86400, 1) if login else None,
                    last_used_at=cred.last_used_at,
                    consumers=[session.state(c, name, cred, journals) for c in bound]
                    + (_remote(fleet, name, cred, credential, login) if current else []),
                    unbound_pushes=unbound, open_rotations=[j.id for j in mine if j.open] if current else [],
                ))
    finally:
        session.close()
    return report


def sync(consumers: Sequence[str] | None = None, *, dry_run: bool = False, config: Config | None = None,
         connect: Callable[[str], Connection] | None = None) -> list[SyncAction]:
    """Push the current stored login to each bound consumer (``consumers``, default all) that is
    stale. A consumer that cannot show its settings is pushed only when named in ``consumers``.
    Broken bindings raise ConfigError before anything is pushed."""
    cfg = config or load_config()
    session = _Session(cfg, connect)
    named = list(consumers or [])
    for consumer in named:
        cfg.profile(consumer)  # ConfigError for an unknown profile
        if session.bindings.get(consumer) is None:
            raise ConfigError(f"profile {consumer!r} is not bound to a login (set login = \"<issuer>/<credential>\")")
    chosen = [session.bindings.all[c] for c in named] if named else list(session.bindings.all.values())
    actions: list[SyncAction] = []
    journals = journal_store(cfg).all()
    try:
        session.bindings.check_issuers()
        work = [(b, issuer, cred) for b in chosen for issuer, cred in session.held(b)]
        for b, issuer, cred in work:
            state = session.state(b.consumer, issuer, cred, journals)
            act = SyncAction(consumer=b.consumer, issuer=issuer, credential=name_of(cred), state=state.state,
                             action="none", detail=state.holds or state.detail)
            actions.append(act)
            wanted = state.state == "stale" or (state.state == "unknown" and b.consumer in named)
            if not wanted:
                continue
            login = session.record(issuer, name_of(cred)).current
            if login is None:
                act.action, act.detail = "failed", f"no stored login for {issuer}/{name_of(cred)}"
                continue
            if dry_run:
                act.action = "would push"
                continue
            try:
                result = session.conn(b.consumer).settings.push(
                    login.model_copy(update={"issuer": issuer, "credential": name_of(cred)}))
            except SmtpCredsError as e:
                act.action, act.detail = "failed", one_line(e.message)
                continue
            act.action, act.detail = "pushed", result.detail
    finally:
        session.close()
    return actions
