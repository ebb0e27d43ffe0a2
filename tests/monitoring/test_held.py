"""A held retire (SES: the old access key still in use after the push began) is an open rotation
at ``retire`` in the metrics, and sends a ``held`` notification."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from smtpcreds.client import secret_store
from smtpcreds.emulator.lab import Lab

from .conftest import Receiver


@pytest.fixture
def ses_lab() -> Iterator[Lab]:
    with Lab(["ses"]) as running:
        yield running


@pytest.fixture
def ses_config(ses_lab: Lab, receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    env = tmp_path / "app.env"
    env.write_text("APP_NAME=billing\n")
    text = ses_lab.toml({"app-env": {"provider": "envfile", "path": str(env), "login": "ses/app"}}, default="ses")
    config = tmp_path / "config.toml"
    config.write_text(text + f'\n[notify]\nurls = ["{receiver.url}"]\n')
    config.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(config))
    return config


def test_a_held_retire_is_open_at_retire_and_sends_one_held_message(
    ses_lab: Lab, ses_config: Path, receiver: Receiver, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smtpcreds_envfile.provider import EnvFileProvider

    assert run_cli("creds", "create", "app").code == 0
    old = secret_store("ses").get("app")
    assert old is not None
    real_push = EnvFileProvider.push_login

    def push_while_the_app_still_sends_with_the_old_key(self: Any, login: Any, scope: Any = None) -> Any:
        ses_lab.smtp.send_test(old.username, old.password.get_secret_value(), "ops@example.com")
        return real_push(self, login, scope)

    monkeypatch.setattr(EnvFileProvider, "push_login", push_while_the_app_still_sends_with_the_old_key)

    held = run_cli("creds", "rotate", "app")
    metrics = run_cli("metrics")

    assert held.code == 8, held
    [body] = receiver.bodies
    assert (body["type"], body["title"]) == ("warning", "smtpcreds: rotation of ses/app held at retire")
    assert "retire held" in body["message"] and old.password.get_secret_value() not in body["message"]
    [family] = [f for f in text_string_to_metric_families(metrics.out) if f.name == "smtpcreds_rotation_open"]
    assert [(s.labels["credential"], s.labels["step"], s.value) for s in family.samples] == [("app", "retire", 1)]
