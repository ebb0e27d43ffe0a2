"""A :class:`~smtpcreds.metrics.snapshot.Snapshot` in the Prometheus text format, through
``prometheus_client``: a collector over the snapshot, a registry of its own, ``generate_latest``.

:data:`FAMILIES` is the one list of what is exported (names and labels as the design fixes them, all
gauges, times in Unix seconds); ``docs/monitoring.md`` lists the same and a test keeps them
equal. ``prometheus_client`` is an optional dependency (``pip install 'smtpcreds[metrics]'``):
it is imported on use, and its absence is a ConfigError (exit 2) saying how to install it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from smtpcreds.errors import ConfigError
from smtpcreds.metrics.snapshot import Snapshot

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric
    from prometheus_client.registry import CollectorRegistry

__all__ = [
    "FAMILIES", "GENERATED", "INSTALL_HINT", "Family", "SnapshotCollector", "registry", "render", "require",
]

INSTALL_HINT = "pip install 'smtpcreds[metrics]'"


@dataclass(frozen=True)
class Family:
    """One exported gauge: its rows are the snapshot's list ``rows``, each row's attributes named
    like the labels; ``always``: exported (HELP and TYPE) even without a series."""

    name: str
    help: str
    labels: tuple[str, ...]
    rows: str
    value: Callable[[Any], float]
    always: bool = True


FAMILIES: tuple[Family, ...] = (
    Family("smtpcreds_login_rotated_timestamp_seconds",
           "When the credential's current login became current (Unix seconds).",
           ("profile", "credential", "provider"), "logins", lambda r: r.timestamp),
    Family("smtpcreds_login_max_age_seconds",
           "The maximum login age of the issuer profile ([metrics] max_login_age), for the alert rules.",
           ("profile",), "max_ages", lambda r: r.seconds),
    Family("smtpcreds_login_last_used_timestamp_seconds",
           "When the provider last saw the current login used (Unix seconds; with --with-provider only).",
           ("profile", "credential", "provider"), "last_used", lambda r: r.timestamp, always=False),
    Family("smtpcreds_rotation_open",
           "1 for each unfinished rotation (a held retire included), labelled with the step it waits at.",
           ("profile", "credential", "rotation", "step"), "open_rotations", lambda r: 1.0),
    Family("smtpcreds_rotation_last_success_timestamp_seconds",
           "When the credential's last finished rotation made its new login current (Unix seconds).",
           ("profile", "credential"), "last_successes", lambda r: r.timestamp),
    Family("smtpcreds_consumer_in_sync",
           "1 when the bound consumer holds the credential's current login, else 0.",
           ("profile", "credential", "consumer", "host"), "consumers", lambda r: 1.0 if r.in_sync else 0.0),
    Family("smtpcreds_agent_last_report_timestamp_seconds",
           "When the host's agent last reported (Unix seconds).",
           ("host",), "agents", lambda r: r.timestamp, always=False),
    Family("smtpcreds_rollout_pending_consumers",
           "host:consumer pairs not yet holding the credential's current login.",
           ("profile", "credential"), "rollouts", lambda r: float(r.pending), always=False),
)

#: The family without labels: when the output was made (a stale textfile alert reads it).
GENERATED = Family("smtpcreds_metrics_generated_timestamp_seconds",
                   "When this output was made (Unix seconds).", (), "", lambda s: s.generated_at)


def require() -> None:
    """ConfigError (exit 2) with the install hint unless ``prometheus_client`` can be imported."""
    try:
        import prometheus_client  # noqa: F401  (an optional extra: see the docstring)
    except ImportError:
        raise ConfigError(f"metrics need the prometheus-client package: {INSTALL_HINT}") from None


class SnapshotCollector:
    """A ``prometheus_client`` collector that yields the families of one snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily  # (optional extra)

        for family in FAMILIES:
            rows = getattr(self.snapshot, family.rows)
            if not rows and not family.always:
                continue
            gauge = GaugeMetricFamily(family.name, family.help, labels=list(family.labels))
            for row in rows:
                gauge.add_metric([str(getattr(row, label)) for label in family.labels], family.value(row))
            yield gauge
        yield GaugeMetricFamily(GENERATED.name, GENERATED.help, value=GENERATED.value(self.snapshot))


def registry(snapshot: Snapshot) -> CollectorRegistry:
    """A registry of its own (not the process-wide default) holding ``snapshot``."""
    require()
    from prometheus_client import CollectorRegistry  # (optional extra)

    reg = CollectorRegistry(auto_describe=False)
    reg.register(SnapshotCollector(snapshot))
    return reg


def render(snapshot: Snapshot) -> str:
    """The Prometheus text exposition (format 0.0.4) of ``snapshot``."""
    from prometheus_client import generate_latest  # (optional extra)

    return generate_latest(registry(snapshot)).decode("utf-8")
