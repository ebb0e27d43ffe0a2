"""The ``[agent]`` and ``[rotation]`` tables: validated at load, overridden by the environment, and
what the agent and the rollout use when no option says otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smtpcreds.agent import JITTER, Agent
from smtpcreds.client import connect
from smtpcreds.config import load_config
from smtpcreds.errors import ConfigError

from .conftest import MakeHost, env_consumer


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_the_tables_are_read_and_the_environment_overrides_them(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[agent]\nhost = "web1"\ninterval = 30\n\n[rotation]\nrollout_timeout = "90s"\n')
    monkeypatch.setenv("SMTPCREDS_AGENT__INTERVAL", "5")

    cfg = load_config(path)

    assert (cfg.agent.host, cfg.agent.interval) == ("web1", 5.0)
    assert cfg.rotation.rollout_timeout.total_seconds() == 90


def test_without_the_tables_the_defaults_hold(tmp_path: Path) -> None:
    import socket

    cfg = load_config(write(tmp_path, ""))

    assert cfg.agent.host_name() == socket.gethostname() and cfg.agent.interval == 60
    assert cfg.rotation.rollout_timeout.total_seconds() == 15 * 60


@pytest.mark.parametrize(("text", "message"), [
    ('[agent]\nhost = "web/1"\n', "[agent] host: 'web/1' is not a host name"),
    ("[agent]\ninterval = 0\n", "[agent] interval"),
    ('[agent]\nname = "web1"\n', "[agent] name"),
    ('[rotation]\nrollout_timeout = "soon"\n', "[rotation] rollout_timeout: a duration must look like 90s"),
    ('[fleet]\nhost = "web1"\n', "unknown setting(s) fleet"),
])
def test_a_bad_table_is_a_config_error_naming_the_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert message in caught.value.message and "\n" not in caught.value.message


def test_each_wait_between_cycles_is_the_interval_jittered_by_ten_percent(
        vault: dict[str, str], tmp_path: Path) -> None:
    agent = Agent(load_config(write(tmp_path, '[agent]\nhost = "web1"\ninterval = 10\n')))
    waits = [agent.next_wait() for _ in range(2000)]
    assert 10 * (1 - JITTER) <= min(waits) < 9.2 and 10.8 < max(waits) <= 10 * (1 + JITTER)


def test_the_configured_rollout_timeout_applies_when_no_option_is_given(
        rotator: Path, make_fleet_host: MakeHost, tmp_path: Path, openbao: Any, run_cli: Any) -> None:
    rotator.write_text(rotator.read_text() + '\n[rotation]\nrollout_timeout = "1s"\n')
    with connect("relay") as relay:
        relay.credentials.create("billing-app")
    host = make_fleet_host("web1", {"app-env": env_consumer(tmp_path / "a.env", "relay/billing-app")},
                           token=openbao.token)
    host.once()  # (and not again: it stays on the old login)

    stopped = run_cli("--json", "creds", "rotate", "billing-app", "--allow-gap")

    assert stopped.code == 8, stopped
    assert "after 1s: web1:app-env (stale)" in stopped.json()["results"][0]["error"]["message"]


def test_a_bad_rollout_timeout_option_is_a_usage_error(rotator: Path, run_cli: Any) -> None:
    done = run_cli("creds", "rotate", "billing-app", "--rollout-timeout", "a while")
    assert done.code == 2 and "--rollout-timeout" in done.err
