"""The fleet agent: on each host, keep every bound consumer on its credential's current login,
from the store alone, and report what each one holds (``smtpcreds agent``; docs/fleet.md).

One cycle (:meth:`Agent.cycle`):

1. read the current login of every credential a local consumer is bound to, **from the store
   only**: no provider request and no API secret (a binding's credential is the key of its
   record, ``SecretStore(issuer).get(credential)``). If the store cannot be read, the cycle stops
   there with :class:`~smtpcreds.errors.SecretStoreError`, and no consumer is touched;
2. for each consumer and login: where the consumer shows its settings, read them and push only
   when it does not hold the login (:func:`smtpcreds.bindings.holds_login`), then read them back;
   where it cannot (an exec hook), push when this host's last report does not show it holding
   that login;
3. write this host's report (:class:`~smtpcreds.store.hosts.HostReport`, ``hosts/<host>``,
   check-and-set on the version last written).

:meth:`Agent.run` repeats cycles every ``interval`` seconds (each wait jittered by ±10 %, so many
hosts do not read the store in step) until its stop event is set; it ends after the cycle in
progress. A store that cannot be read is tried again at the next cycle. One log line per change.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from smtpcreds._version import __version__
from smtpcreds.bindings import Bindings, holds_login
from smtpcreds.capabilities import Capability
from smtpcreds.client import Connection, store_backend
from smtpcreds.config import Config, load_config
from smtpcreds.errors import ConfigError, NotFound, SecretStoreError, SmtpCredsError
from smtpcreds.models import utcnow
from smtpcreds.redact import one_line
from smtpcreds.store import Conflict, HeldLogin, HostReport, HostReports, LoginRecord, SecretStore, login_identity

__all__ = [
    "JITTER", "Agent", "CycleResult",
]

log = logging.getLogger("smtpcreds.agent")

#: Each wait between cycles is the interval times a random factor in 1 ± JITTER.
JITTER = 0.10


@dataclass(frozen=True)
class _Target:
    """One consumer and one login bound to it, with the credential's record as the store holds it."""

    consumer: str
    issuer: str
    credential: str
    record: LoginRecord

    @property
    def login(self) -> str:
        return f"{self.issuer}/{self.credential}"


@dataclass
class CycleResult:
    """A cycle's report, and the consumers it could not bring to their current login."""

    report: HostReport
    #: ``consumer (issuer/credential): why``, one per consumer left behind
    failed: list[str] = field(default_factory=list)
    #: ``issuer/credential`` -> the identity of its current stored login (login_identity)
    current: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


class Agent:
    """The agent of one host: its consumers (the bound profiles of ``config``), its report."""

    def __init__(self, config: Config | None = None, *, host: str | None = None, interval: float | None = None,
                 connect: Callable[[str], Connection] | None = None) -> None:
        cfg = config or load_config()
        self.config = cfg
        self.host = host or cfg.agent.host_name()
        self.interval = float(interval or cfg.agent.interval)
        self.backend = store_backend(cfg)
        hosts = self.backend.hosts()
        if hosts is None:
            raise ConfigError(f"smtpcreds agent needs the vault store ([store] backend = \"vault\"); the "
                              f"{self.backend.name} store stays on this machine, where no rotation can see "
                              "what this host's consumers hold")
        self.reports: HostReports = hosts
        self.bindings = Bindings.of(cfg)
        self._connect = connect or (lambda name: Connection(name, cfg.profile(name), config=cfg))
        self._conns: dict[str, Connection] = {}
        self._stores: dict[str, SecretStore] = {}
        self._last: HostReport | None = None
        self._version: int | None = None  # None: this host's report not read yet
        self._store_down = False

    def __repr__(self) -> str:
        return f"<Agent host={self.host!r} interval={self.interval:g}>"

    # -- one cycle --------------------------------------------------------------------------
    def cycle(self) -> CycleResult:
        """Bring every bound consumer to its current login and write this host's report.

        Raises SecretStoreError (nothing touched) when the store cannot be read, or the report
        cannot be written.
        """
        if self._version is None:
            self._last, self._version = self.reports.read(self.host)
        targets = self._targets()  # every store read comes before any consumer is touched
        before = {(h.consumer, h.login): h for h in (self._last.consumers if self._last else [])}
        held: list[HeldLogin] = []
        failed: list[str] = []
        wanted: dict[str, str] = {}
        for target in targets:
            entry = self._bring(target, before.get((target.consumer, target.login)))
            held.append(entry)
            current = target.record.current
            if current is not None:
                wanted[target.login] = login_identity(target.issuer, target.credential, current)
            if entry.error or current is None or entry.holds != login_identity(target.issuer, target.credential,
                                                                               current):
                failed.append(f"{target.consumer} ({target.login}): {entry.error or 'not brought to it'}")
        report = HostReport(host=self.host, agent_version=__version__, interval=self.interval,
                            cycle_at=utcnow(), consumers=held)
        self._write(report)
        return CycleResult(report, failed, wanted)

    def _store(self, issuer: str) -> SecretStore:
        if issuer not in self._stores:
            self._stores[issuer] = SecretStore(issuer, self.backend)
        return self._stores[issuer]

    def _targets(self) -> list[_Target]:
        """Every (consumer, login) pair, with its record read from the store."""
        out: list[_Target] = []
        for binding in self.bindings.all.values():
            for pattern in binding.patterns:
                store = self._store(pattern.issuer)
                if pattern.every:  # every credential of the issuer that has a current login
                    for ref in store.records.refs() or []:
                        record = store.record(ref)
                        if record.current is not None:
                            out.append(_Target(binding.consumer, pattern.issuer, ref, record))
                else:
                    out.append(_Target(binding.consumer, pattern.issuer, pattern.credential,
                                       store.record(pattern.credential)))
        return out

    def _conn(self, name: str) -> Connection:
        if name not in self._conns:
            conn = self._connect(name)
            if Capability.SETTINGS_SET not in conn.capabilities:
                raise ConfigError(f"profile {name!r} ({conn.profile.provider}) cannot receive logins")
            self._conns[name] = conn
        return self._conns[name]

    def _bring(self, t: _Target, before: HeldLogin | None) -> HeldLogin:
        """Push ``t``'s current login to its consumer where it does not hold it; what it holds now."""
        now = utcnow()
        kept_since = before.since if before is not None else None
        current = t.record.current
        if current is None:
            return self._entry(t, before, before.holds if before else None, kept_since,
                               f"no stored login for {t.login} (create or rotate it)")
        want = login_identity(t.issuer, t.credential, current)
        shown: tuple[str | None, str | None] | None = None
        try:
            conn = self._conn(t.consumer)
            if Capability.SETTINGS_SHOW in conn.capabilities:
                shown = _shown(conn)
                if holds_login(*shown, current):
                    return self._entry(t, before, want, kept_since if before and before.holds == want else now)
            elif before is not None and before.holds == want and not before.error:
                return self._entry(t, before, want, kept_since)
            conn.settings.push(current.model_copy(update={"issuer": t.issuer, "credential": t.credential}))
            if Capability.SETTINGS_SHOW in conn.capabilities:
                shown = _shown(conn)
                if not holds_login(*shown, current):
                    raise SmtpCredsError(f"{t.consumer} shows another login after the push")
        except SmtpCredsError as e:
            holds = self._identify(t, shown) if shown is not None else (before.holds if before else None)
            since = kept_since if before is not None and before.holds == holds else None
            return self._entry(t, before, holds, since, one_line(e.message, 300))
        log.info("%s: %s now holds %s", self.host, t.consumer, want)
        return self._entry(t, before, want, now)

    def _entry(self, t: _Target, before: HeldLogin | None, holds: str | None, since: datetime | None,
               error: str | None = None) -> HeldLogin:
        """The report's line for ``t``; logs an error when it appears or changes, and when it clears."""
        was = before.error if before is not None else None
        if error and error != was:
            log.warning("%s: %s (%s): %s", self.host, t.consumer, t.login, error)
        elif was and not error:
            log.info("%s: %s (%s) recovered", self.host, t.consumer, t.login)
        return HeldLogin(consumer=t.consumer, login=t.login, holds=holds, error=error, since=since)

    def _identify(self, t: _Target, shown: tuple[str | None, str | None]) -> str | None:
        """The identity of the stored login a consumer shows (current or previous), else None."""
        for login in (t.record.current, t.record.previous):
            if login is not None and holds_login(*shown, login):
                return login_identity(t.issuer, t.credential, login)
        return None

    def _write(self, report: HostReport) -> None:
        try:
            self._version = self.reports.write(report, self._version or 0)
        except Conflict:  # forgotten ('hosts forget') or rewritten meanwhile: write on what is there now
            _, version = self.reports.read(self.host)
            self._version = self.reports.write(report, version)
        self._last = report

    # -- the loop ---------------------------------------------------------------------------
    def next_wait(self) -> float:
        """The interval, jittered by ±:data:`JITTER`."""
        return self.interval * random.uniform(1 - JITTER, 1 + JITTER)

    def run(self, stop: threading.Event, *, on_cycle: Callable[[CycleResult], None] | None = None) -> None:
        """Run cycles until ``stop`` is set (the cycle in progress is finished first)."""
        log.info("%s: agent started (version %s, every %gs, %d bound consumer(s))", self.host, __version__,
                 self.interval, len(self.bindings.all))
        while not stop.is_set():
            try:
                result = self.cycle()
            except SecretStoreError as e:
                if not self._store_down:
                    log.error("%s: %s; consumers left as they are, trying again every %gs", self.host, e.message,
                              self.interval)
                self._store_down = True
            else:
                if self._store_down:
                    log.warning("%s: the store answers again", self.host)
                self._store_down = False
                if on_cycle is not None:
                    on_cycle(result)
            stop.wait(self.next_wait())
        log.info("%s: agent stopped", self.host)

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()


def _shown(conn: Connection) -> tuple[str | None, str | None]:
    """The username and password a consumer shows; (None, None) when it holds no login."""
    try:
        found = conn.settings.get()
    except NotFound:
        return None, None
    return found.username, found.password.get_secret_value() if found.password else None


