"""The exposition: the names and labels the design fixes, valid for Prometheus' own tools."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from smtpcreds.metrics.exposition import FAMILIES, GENERATED, render
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

Promtool = Callable[..., subprocess.CompletedProcess[str]]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "monitoring.md"

#: The design's list of metrics and labels, word for word (docs/monitoring.md).
SPECIFIED = {
    "smtpcreds_login_rotated_timestamp_seconds": ("profile", "credential", "provider"),
    "smtpcreds_rotation_open": ("profile", "credential", "rotation", "step"),
    "smtpcreds_rotation_last_success_timestamp_seconds": ("profile", "credential"),
    "smtpcreds_consumer_in_sync": ("profile", "credential", "consumer", "host"),
    "smtpcreds_agent_last_report_timestamp_seconds": ("host",),
    "smtpcreds_rollout_pending_consumers": ("profile", "credential"),
    "smtpcreds_metrics_generated_timestamp_seconds": (),
}


def full() -> Snapshot:
    """A snapshot with a row of every kind, fleet rows included."""
    return Snapshot(
        generated_at=1_800_000_000.5,
        logins=[LoginRotated("relay", "billing-app", "smtp2go", 1_790_000_000.25)],
        max_ages=[LoginMaxAge("relay", 7_776_000)],
        last_used=[LoginLastUsed("relay", "billing-app", "smtp2go", 1_799_000_000)],
        open_rotations=[OpenRotation("relay", "shop-app", "r20270115020000-a1b2c3", "push")],
        last_successes=[LastSuccess("relay", "billing-app", 1_790_000_001)],
        consumers=[ConsumerSync("relay", "billing-app", "app-env", "web1", True),
                   ConsumerSync("relay", "shop-app", "pbx", "web1", False)],
        agents=[AgentReport("web2", 1_799_999_000)],
        rollouts=[RolloutPending("relay", "billing-app", 2)],
    )


def families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {f.name: [(dict(s.labels), s.value) for s in f.samples] for f in text_string_to_metric_families(text)}


def test_every_metric_of_the_design_is_exported_with_exactly_its_labels() -> None:
    exported = {f.name: f.labels for f in (*FAMILIES, GENERATED)}

    assert {name: exported.get(name) for name in SPECIFIED} == SPECIFIED


def test_every_family_is_a_gauge_with_help(promtool: Promtool) -> None:
    text = render(full())

    parsed = list(text_string_to_metric_families(text))

    assert {f.type for f in parsed} == {"gauge"} and all(f.documentation for f in parsed)
    assert {f.name for f in parsed} == {f.name for f in (*FAMILIES, GENERATED)}
    checked = promtool("check", "metrics", stdin=text)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_values_and_labels_survive_the_round_trip() -> None:
    found = families(render(full()))

    assert found["smtpcreds_consumer_in_sync"] == [
        ({"profile": "relay", "credential": "billing-app", "consumer": "app-env", "host": "web1"}, 1.0),
        ({"profile": "relay", "credential": "shop-app", "consumer": "pbx", "host": "web1"}, 0.0)]
    assert found["smtpcreds_rollout_pending_consumers"] == [({"profile": "relay", "credential": "billing-app"}, 2.0)]
    assert found["smtpcreds_metrics_generated_timestamp_seconds"] == [({}, 1_800_000_000.5)]


def test_label_values_are_escaped_by_the_library() -> None:
    odd = 'a "quoted" name\\with\nnewline'
    text = render(Snapshot(generated_at=1.0, logins=[LoginRotated("relay", odd, "smtp2go", 2.0)]))

    assert families(text)["smtpcreds_login_rotated_timestamp_seconds"] == [
        ({"profile": "relay", "credential": odd, "provider": "smtp2go"}, 2.0)]


def test_an_empty_snapshot_has_the_local_families_and_the_time_but_no_fleet_or_provider_ones(
    promtool: Promtool,
) -> None:
    text = render(Snapshot(generated_at=5.0))
    found = families(text)

    assert set(found) == {f.name for f in FAMILIES if f.always} | {GENERATED.name}
    assert all(samples == [] for name, samples in found.items() if name != GENERATED.name)
    assert promtool("check", "metrics", stdin=text).returncode == 0


def test_snapshots_of_two_sources_merge() -> None:
    local = Snapshot(generated_at=10.0, consumers=[ConsumerSync("relay", "a", "app-env", "web1", True)])
    fleet = Snapshot(generated_at=9.0, consumers=[ConsumerSync("relay", "a", "postfix", "mx1", False)],
                     agents=[AgentReport("mx1", 8.0)])

    merged = local.merge(fleet)

    assert merged.generated_at == 10.0
    assert [c.host for c in merged.consumers] == ["web1", "mx1"] and merged.agents == [AgentReport("mx1", 8.0)]


def test_the_monitoring_page_lists_every_family_with_its_labels() -> None:
    page = DOCS.read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(smtpcreds_\w+)` \| ([^|]*) \|", page, re.M)}

    no_labels = "\u2013"  # the page's en dash
    expected = {f.name: ", ".join(f"`{label}`" for label in f.labels) or no_labels for f in (*FAMILIES, GENERATED)}
    assert {name: labels.strip() for name, labels in rows.items()} == expected
