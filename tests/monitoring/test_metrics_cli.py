"""``smtpcreds metrics`` after real rotations on the emulators: what an operator's Prometheus sees."""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from smtpcreds.testing.support import MemoryKeyring

from .conftest import Configure

Promtool = Callable[..., subprocess.CompletedProcess[str]]
Series = dict[str, list[tuple[dict[str, str], float]]]


def series(text: str) -> Series:
    """Every sample of an exposition, by metric name, parsed by prometheus_client's own parser."""
    out: Series = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, []).append((dict(s.labels), s.value))
    return out


def value(found: Series, name: str, **labels: str) -> float:
    [match] = [v for lab, v in found.get(name, []) if all(lab.get(k) == w for k, w in labels.items())]
    return match


def stored_login(run_cli: Any, ref: str) -> dict[str, Any]:
    login: dict[str, Any] = run_cli("--json", "creds", "login", ref, "--reveal").json()
    return login


@pytest.fixture
def after_the_night(configure: Configure, env_file: Path, hook_flag: Path, run_cli: Any) -> dict[str, Any]:
    """One rotation that succeeds (billing-app, bound to the .env file), one that stops at a
    failing exec hook (shop-app, exit 8), then a hand edit of the .env file."""
    configure()
    for name in ("billing-app", "shop-app"):
        assert run_cli("creds", "create", name).code == 0
    ok = run_cli("--json", "creds", "rotate", "billing-app")
    hook_flag.write_text("down")
    failed = run_cli("--json", "creds", "rotate", "shop-app")
    env_file.write_text(env_file.read_text().replace("SMTP_USER=", "SMTP_USER=someone-else"))
    assert ok.code == 0, ok
    assert failed.code == 8, failed
    return {"failed_rotation": failed.json()["results"][0]["rotation_id"]}


def test_metrics_after_a_rotation_a_failed_one_and_a_hand_edit(
    after_the_night: dict[str, Any], run_cli: Any, promtool: Promtool, memory_keyring: MemoryKeyring
) -> None:
    before = time.time()
    result = run_cli("metrics")
    found = series(result.out)
    billing = stored_login(run_cli, "billing-app")

    assert result.code == 0, result
    assert promtool("check", "metrics", stdin=result.out).returncode == 0
    rotated = value(found, "smtpcreds_login_rotated_timestamp_seconds", profile="relay", credential="billing-app",
                    provider="smtp2go")
    assert rotated == pytest.approx(_unix(billing["created_at"]), abs=1e-3)
    assert value(found, "smtpcreds_rotation_open", profile="relay", credential="shop-app",
                 rotation=after_the_night["failed_rotation"], step="push") == 1
    assert [lab["credential"] for lab, _ in found["smtpcreds_rotation_open"]] == ["shop-app"]
    assert value(found, "smtpcreds_consumer_in_sync", credential="billing-app", consumer="app-env") == 0
    assert before - 1 <= value(found, "smtpcreds_metrics_generated_timestamp_seconds") <= time.time() + 1
    assert value(found, "smtpcreds_rotation_last_success_timestamp_seconds", credential="billing-app") >= rotated
    secrets = memory_keyring.secrets()
    assert secrets and [s for s in secrets if any(t in result.out for t in {s, *_digests(s)})] == []


def test_settings_sync_puts_the_consumer_back_in_sync(after_the_night: dict[str, Any], run_cli: Any) -> None:
    assert run_cli("settings", "sync").code == 0

    found = series(run_cli("metrics").out)

    assert value(found, "smtpcreds_consumer_in_sync", credential="billing-app", consumer="app-env") == 1


def test_an_exec_hook_cannot_show_what_it_holds_so_it_has_no_in_sync_series(
    after_the_night: dict[str, Any], run_cli: Any
) -> None:
    found = series(run_cli("metrics").out)

    assert [lab["consumer"] for lab, _ in found["smtpcreds_consumer_in_sync"]] == ["app-env"]


def test_the_host_label_is_this_machine(after_the_night: dict[str, Any], run_cli: Any) -> None:
    import socket

    found = series(run_cli("metrics").out)

    assert [lab["host"] for lab, _ in found["smtpcreds_consumer_in_sync"]] == [socket.gethostname()]


def test_metrics_sends_no_provider_request(
    after_the_night: dict[str, Any], run_cli: Any, lab: Any
) -> None:
    emulator = lab.emulators["smtp2go"]
    before = len(emulator.requests)

    assert run_cli("metrics").code == 0
    assert len(emulator.requests) == before


def test_with_provider_adds_credentials_never_rotated_nor_bound(configure: Configure, run_cli: Any) -> None:
    configure()
    assert run_cli("creds", "create", "newsletter").code == 0

    default = series(run_cli("metrics").out)
    listed = series(run_cli("metrics", "--with-provider").out)

    assert "newsletter" not in [lab["credential"] for lab, _ in default.get(
        "smtpcreds_login_rotated_timestamp_seconds", [])]
    assert value(listed, "smtpcreds_login_rotated_timestamp_seconds", credential="newsletter") > 0


def test_json_gives_the_same_rows(after_the_night: dict[str, Any], run_cli: Any) -> None:
    doc = run_cli("--json", "metrics").json()

    assert [(r["credential"], r["step"]) for r in doc["open_rotations"]] == [("shop-app", "push")]
    assert [(r["consumer"], r["in_sync"]) for r in doc["consumers"]] == [("app-env", False)]


def test_a_max_login_age_per_profile_comes_from_the_metrics_table(configure: Configure, run_cli: Any) -> None:
    configure('[metrics]\nmax_login_age = "30d"\nmax_login_age_by_profile = { relay = "12h" }\n')

    found = series(run_cli("metrics").out)

    assert value(found, "smtpcreds_login_max_age_seconds", profile="relay") == 12 * 3600


def test_the_metrics_table_is_read_from_the_config_file_given_on_the_command_line(
    configure: Configure, run_cli: Any, tmp_path: Path
) -> None:
    default = configure('[metrics]\nmax_login_age = "12h"\n')
    other = tmp_path / "other.toml"
    other.write_text(default.read_text().replace('"12h"', '"6h"'))
    other.chmod(0o600)

    found = series(run_cli("--config", str(other), "metrics").out)

    assert value(found, "smtpcreds_login_max_age_seconds", profile="relay") == 6 * 3600


def test_a_bad_metrics_table_is_a_config_error(configure: Configure, run_cli: Any) -> None:
    configure('[metrics]\nmax_login_age = "ninety days"\n')

    result = run_cli("metrics")

    assert result.code == 2 and "max_login_age" in result.err and "90d" in result.err


def test_without_prometheus_client_it_says_how_to_install_it(
    configure: Configure, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    configure()
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # import fails as if not installed

    result = run_cli("metrics")

    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "error: metrics need the prometheus-client package: pip install 'smtpcreds[metrics]'"]


def _unix(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _digests(secret: str) -> set[str]:
    data = secret.encode()
    return {hashlib.sha256(data).hexdigest(), hashlib.sha1(data).hexdigest(), hashlib.md5(data).hexdigest()}
