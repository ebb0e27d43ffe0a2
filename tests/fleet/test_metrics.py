"""The fleet in the metrics (docs/monitoring.md): an agent's own textfile, written with nothing but
its least-privilege token, and the rotator's metrics of every host's report."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from smtpcreds.client import connect, stored_login
from smtpcreds.config import load_config
from smtpcreds.metrics.collect import collect
from smtpcreds.models import SmtpLogin

from .conftest import MakeHost, env_consumer


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def promtool_checks(text: str) -> None:
    path = shutil.which("promtool")
    if path is None:
        message = "promtool is not installed (apt-get install prometheus; tests/run.sh and .ci/run install it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must not skip it")
        pytest.skip(message)
    done = subprocess.run([path, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def billing(rotator: Path) -> SmtpLogin:
    with connect("relay") as relay:
        relay.credentials.create("billing-app")
    return stored_login("relay", "billing-app")


def test_an_agent_writes_its_own_metrics_with_only_its_policy(billing: SmtpLogin, make_fleet_host: MakeHost,
                                                              tmp_path: Path) -> None:
    app, textfile = tmp_path / "app.env", tmp_path / "collector" / "smtpcreds.prom"
    textfile.parent.mkdir()
    host = make_fleet_host("web1", {"app-env": env_consumer(app, "relay/billing-app")})  # the agent policy only

    done = host.run("agent", "--once", "--metrics-textfile", str(textfile))

    assert done.returncode == 0, done.stderr
    text = textfile.read_text()
    promtool_checks(text)
    found = samples(text)
    report = host.report()
    assert report is not None
    assert found[("smtpcreds_consumer_in_sync", (("consumer", "app-env"), ("credential", "billing-app"),
                                                  ("host", "web1"), ("profile", "relay")))] == 1
    assert ("smtpcreds_agent_last_report_timestamp_seconds", (("host", "web1"),)) in found
    assert billing.password.get_secret_value() not in text  # (SMTP2GO: the username is the credential's name)


def test_the_rotators_metrics_show_every_host_and_the_pending_rollout(
        billing: SmtpLogin, make_fleet_host: MakeHost, tmp_path: Path, run_cli: Any) -> None:
    synced, behind = tmp_path / "web1.env", tmp_path / "web2.env"
    web1 = make_fleet_host("web1", {"app-env": env_consumer(synced, "relay/billing-app")})
    web2 = make_fleet_host("web2", {"app-env": env_consumer(behind, "relay/billing-app")})
    web1.once()
    web2.once()
    with connect("relay") as relay:  # a new login the hosts do not hold yet (no agent runs now)
        relay.credentials.set_password("billing-app")
    web1.once()  # web1 takes it; web2 still holds the old one

    snapshot = collect(load_config())

    remote = {(c.host, c.consumer): c.in_sync for c in snapshot.consumers if c.host in ("web1", "web2")}
    assert remote == {("web1", "app-env"): True, ("web2", "app-env"): False}
    assert {a.host for a in snapshot.agents} == {"web1", "web2"}
    assert [(r.profile, r.credential, r.pending) for r in snapshot.rollouts] == [("relay", "billing-app", 1)]
    text = run_cli("metrics").out
    promtool_checks(text)
    assert samples(text)[("smtpcreds_rollout_pending_consumers",
                          (("credential", "billing-app"), ("profile", "relay")))] == 1
