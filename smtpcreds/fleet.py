"""The fleet as the store shows it: each host's report with every consumer's state
(``smtpcreds hosts``), forgetting a host that is gone, and the OpenBao policies of an agent and a
rotator (docs/fleet.md).

A consumer's state compares what its host's agent last reported with the credential's current
login in the store (:func:`smtpcreds.store.hosts.state_of`): ``in sync``, ``stale`` (another
login, or none), ``failed`` (the agent could not bring it there; ``error`` says why) or
``silent`` (the agent has not reported for more than three of its intervals).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from smtpcreds.client import store_backend, store_settings
from smtpcreds.config import Config, load_config
from smtpcreds.errors import ConfigError, NotFound
from smtpcreds.models import utcnow
from smtpcreds.store import Backend, HostReports, SecretStore, login_identity
from smtpcreds.store.hosts import ConsumerState, state_of

__all__ = [
    "ConsumerView", "HostView", "agent_policy", "forget", "hosts", "rotator_policy",
]


class ConsumerView(BaseModel):
    """One consumer of a host and one login bound to it."""

    consumer: str
    login: str = Field(description='"<issuer profile>/<credential>"')
    state: ConsumerState
    holds: str | None = Field(None, description="The identity of the login it holds, when known.")
    error: str | None = None
    since: datetime | None = None


class HostView(BaseModel):
    """One host as its last report shows it."""

    host: str
    last_seen: datetime
    age_seconds: float
    interval: float
    agent_version: str
    silent: bool
    consumers: list[ConsumerView]


def _reports(backend: Backend) -> HostReports:
    reports = backend.hosts()
    if reports is None:
        raise ConfigError(f"hosts report to the vault store only ([store] backend = \"vault\"), not to the "
                          f"{backend.name} store")
    return reports


def hosts(config: Config | None = None) -> list[HostView]:
    """Every host that has reported, with each consumer's state (reads the store only)."""
    cfg = config or load_config()
    backend = store_backend(cfg)
    reports = _reports(backend).all()
    now = utcnow()
    stores: dict[str, SecretStore] = {}
    current: dict[str, str | None] = {}
    out = []
    for report in reports:
        consumers = []
        for held in report.consumers:
            if held.login not in current:
                store = stores.setdefault(held.issuer, SecretStore(held.issuer, backend))
                login = store.get(held.credential)
                current[held.login] = login_identity(held.issuer, held.credential, login) if login else None
            consumers.append(ConsumerView(consumer=held.consumer, login=held.login, holds=held.holds,
                                          state=state_of(report, held, current[held.login], now),
                                          error=held.error, since=held.since))
        out.append(HostView(host=report.host, last_seen=report.cycle_at,
                            age_seconds=round(report.age(now).total_seconds(), 1), interval=report.interval,
                            agent_version=report.agent_version, silent=report.silent(now), consumers=consumers))
    return out


def forget(host: str, config: Config | None = None) -> None:
    """Remove ``host``'s report (a decommissioned host), so rollouts stop waiting for it.
    NotFound when there is none."""
    reports = _reports(store_backend(config or load_config()))
    if not reports.forget(host):
        raise NotFound(f"no report of host {host!r} (see 'smtpcreds hosts')")


def _root(mount: str, kind: str, prefix: str) -> str:
    return "/".join(p for p in (mount.strip("/"), kind, prefix.strip("/")) if p)


def _path(path: str, capabilities: list[str]) -> str:
    caps = ", ".join(f'"{c}"' for c in capabilities)
    return f'path "{path}" {{\n  capabilities = [{caps}]\n}}\n'


def agent_policy(host: str, *, mount: str = "secret", prefix: str = "smtpcreds") -> str:
    """The OpenBao/Vault policy of host ``host``'s agent, and nothing more: read the login records,
    write this host's report. No API secret, journal, lease or other host's report."""
    data, meta = _root(mount, "data", prefix), _root(mount, "metadata", prefix)
    return "".join([
        f"# smtpcreds agent on host {host}: reads the current logins, writes only this host's report\n",
        _path(f"{data}/logins/*", ["read"]),
        _path(f"{meta}/logins/*", ["read", "list"]),
        _path(f"{data}/hosts/{host}", ["create", "read", "update"]),
        _path(f"{data}/hosts/{host}/*", ["create", "read", "update", "delete"]),
        _path(f"{meta}/hosts/{host}", ["read", "list"]),
        _path(f"{meta}/hosts/{host}/*", ["read", "list", "delete"]),
    ])


def rotator_policy(*, mount: str = "secret", prefix: str = "smtpcreds") -> str:
    """The policy of a host that rotates (and resumes, audits, forgets hosts): everything under the prefix."""
    data, meta = _root(mount, "data", prefix), _root(mount, "metadata", prefix)
    everything = ["create", "read", "update", "delete", "list"]
    return "".join([
        "# smtpcreds rotator: logins, API secrets, journals, leases and every host's report\n",
        _path(f"{data}/*", everything),
        _path(f"{meta}/*", everything),
    ])


def policies_for(config: Config | None = None) -> tuple[str, str]:
    """The configured store's mount and prefix (for printing the policies)."""
    settings = store_settings(config)
    return settings.mount, settings.prefix
