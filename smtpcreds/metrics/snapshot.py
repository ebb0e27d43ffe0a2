"""What ``smtpcreds metrics`` reports, as plain typed rows: no Prometheus types, no secrets.

A :class:`Snapshot` is made by the collector (:mod:`smtpcreds.metrics.collect`) and rendered by
the exposition (:mod:`smtpcreds.metrics.exposition`); keeping it plain lets each side be tested
alone and lets another source add rows by :meth:`Snapshot.merge` (the fleet's host reports
add :class:`AgentReport`, :class:`RolloutPending` and remote :class:`ConsumerSync` rows).

Every row names things only: profiles, credential names, rotation ids, steps, consumer profiles,
hosts. Times are Unix seconds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "AgentReport", "ConsumerSync", "LastSuccess", "LoginLastUsed", "LoginMaxAge", "LoginRotated", "OpenRotation",
    "RolloutPending", "Snapshot",
]


@dataclass(frozen=True)
class LoginRotated:
    """When the credential's current login became current."""

    profile: str
    credential: str
    provider: str
    timestamp: float


@dataclass(frozen=True)
class LoginMaxAge:
    """The maximum login age of an issuer profile (``[metrics]``), in seconds."""

    profile: str
    seconds: float


@dataclass(frozen=True)
class LoginLastUsed:
    """When the provider last saw the current login used (only with ``--with-provider``)."""

    profile: str
    credential: str
    provider: str
    timestamp: float


@dataclass(frozen=True)
class OpenRotation:
    """An unfinished rotation (failed, running or crashed; a held retire included) and its next step."""

    profile: str
    credential: str
    rotation: str
    step: str


@dataclass(frozen=True)
class LastSuccess:
    """When the credential's last rotation that finished made its new login current."""

    profile: str
    credential: str
    timestamp: float


@dataclass(frozen=True)
class ConsumerSync:
    """Whether a bound consumer holds its credential's current login."""

    profile: str
    credential: str
    consumer: str
    host: str
    in_sync: bool


@dataclass(frozen=True)
class AgentReport:
    """A host's last report (from the host reports: docs/fleet.md)."""

    host: str
    timestamp: float


@dataclass(frozen=True)
class RolloutPending:
    """``host:consumer`` pairs not yet holding a credential's current login (from the host reports)."""

    profile: str
    credential: str
    pending: int


@dataclass
class Snapshot:
    """Everything one ``smtpcreds metrics`` run reports."""

    generated_at: float
    logins: list[LoginRotated] = field(default_factory=list)
    max_ages: list[LoginMaxAge] = field(default_factory=list)
    last_used: list[LoginLastUsed] = field(default_factory=list)
    open_rotations: list[OpenRotation] = field(default_factory=list)
    last_successes: list[LastSuccess] = field(default_factory=list)
    consumers: list[ConsumerSync] = field(default_factory=list)
    agents: list[AgentReport] = field(default_factory=list)
    rollouts: list[RolloutPending] = field(default_factory=list)

    def merge(self, other: Snapshot) -> Snapshot:
        """Rows of both (``other`` from another source, such as host reports); the later
        ``generated_at``. Rows are not deduplicated: sources must not report the same series."""
        rows = {name: getattr(self, name) + getattr(other, name) for name in _ROWS}
        return Snapshot(generated_at=max(self.generated_at, other.generated_at), **rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``smtpcreds --json metrics``)."""
        return asdict(self)


_ROWS = ("logins", "max_ages", "last_used", "open_rotations", "last_successes", "consumers", "agents", "rollouts")
