"""``smtpcreds agent``: every bound consumer of a host brought to its credential's current login
from the store alone, read back, and reported; exit codes of ``--once``; a store that cannot be read."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from smtpcreds.agent import Agent
from smtpcreds.client import connect, store_backend, stored_login
from smtpcreds.config import load_config
from smtpcreds.emulator.lab import Lab
from smtpcreds.models import SmtpLogin
from smtpcreds.store import login_identity
from smtpcreds.store.vault import kv as vault_kv
from smtpcreds.testing.openbao import OpenBao, bao_binary, openbao_dev

from .conftest import MakeHost, env_consumer
from .hosts import FleetHost, wait_until


def create(*names: str) -> dict[str, SmtpLogin]:
    """Credentials at the SMTP2GO emulator, their logins in the vault store (the rotating host)."""
    with connect("relay") as relay:
        for name in names:
            relay.credentials.create(name)
    return {name: stored_login("relay", name) for name in names}


def env_holds(path: Path, login: SmtpLogin) -> bool:
    text = path.read_text() if path.exists() else ""
    return f"SMTP_USER={login.username}" in text and login.password.get_secret_value() in text


def agent_once(run_cli: Any, host: FleetHost, *extra: str) -> Any:
    """``agent --once`` in this process, as ``host`` (its config; the root token of the test)."""
    return run_cli("--config", str(host.config), *extra, "agent", "--once")


@pytest.fixture
def two_credentials(rotator: Path) -> dict[str, SmtpLogin]:
    return create("billing-app", "reports")


def test_agent_once_brings_every_bound_consumer_to_its_login_from_the_store_alone(
        lab: Lab, two_credentials: dict[str, SmtpLogin], make_fleet_host: MakeHost, tmp_path: Path,
        run_cli: Any, openbao: OpenBao) -> None:
    app, cron = tmp_path / "app.env", tmp_path / "cron.env"
    app.write_text("APP_NAME=billing\n")
    host = make_fleet_host("web1", {"app-env": env_consumer(app, "relay/billing-app"),
                                    "cron-env": env_consumer(cron, "relay/reports")}, token=openbao.token)
    requests_before = len(lab.emulators["smtp2go"].requests)

    done = agent_once(run_cli, host, "--json")

    assert done.code == 0, done
    assert env_holds(app, two_credentials["billing-app"]) and env_holds(cron, two_credentials["reports"])
    assert "APP_NAME=billing" in app.read_text()
    assert len(lab.emulators["smtp2go"].requests) == requests_before  # not one provider request
    report = host.report()
    assert report is not None and report["host"] == "web1" and report["interval"] == 60
    holds = {h["consumer"]: h["holds"] for h in report["consumers"]}
    assert holds == {"app-env": login_identity("relay", "billing-app", two_credentials["billing-app"]),
                     "cron-env": login_identity("relay", "reports", two_credentials["reports"])}
    assert done.json()["failed"] == []
    assert "app-env now holds relay/billing-app@" in done.err  # one log line per change


def test_a_consumer_that_already_holds_its_login_is_not_rewritten(
        two_credentials: dict[str, SmtpLogin], make_fleet_host: MakeHost, tmp_path: Path, run_cli: Any,
        openbao: OpenBao) -> None:
    app = tmp_path / "app.env"
    host = make_fleet_host("web1", {"app-env": env_consumer(app, "relay/billing-app")}, token=openbao.token)
    assert agent_once(run_cli, host).code == 0
    written, first = app.stat().st_mtime_ns, host.report()

    again = agent_once(run_cli, host)

    assert again.code == 0, again
    assert app.stat().st_mtime_ns == written
    second = host.report()
    assert first is not None and second is not None
    assert second["cycle_at"] > first["cycle_at"]
    assert second["consumers"][0]["since"] == first["consumers"][0]["since"]
    assert "now holds" not in again.err


def test_agent_once_exits_8_naming_the_consumers_it_could_not_bring_to_their_login(
        two_credentials: dict[str, SmtpLogin], make_fleet_host: MakeHost, tmp_path: Path, run_cli: Any,
        openbao: OpenBao) -> None:
    app = tmp_path / "app.env"
    host = make_fleet_host("web1", {"app-env": env_consumer(app, "relay/billing-app"),
                                    "gone-env": env_consumer(tmp_path / "missing-dir" / "x.env", "relay/reports"),
                                    "typo-env": env_consumer(tmp_path / "t.env", "relay/no-such-credential")},
                           token=openbao.token)

    done = agent_once(run_cli, host, "--json")

    assert done.code == 8, done
    assert "gone-env (relay/reports)" in done.err and "typo-env (relay/no-such-credential)" in done.err
    assert "no stored login for relay/no-such-credential" in done.err
    assert env_holds(app, two_credentials["billing-app"])  # the others are brought anyway
    report = host.report()
    assert report is not None
    errors = {h["consumer"]: h["error"] for h in report["consumers"]}
    assert errors["app-env"] is None and errors["gone-env"] and errors["typo-env"]
    assert all("\n" not in e for e in errors.values() if e)


def test_an_exec_consumer_bound_to_every_login_gets_each_one_once(
        two_credentials: dict[str, SmtpLogin], make_fleet_host: MakeHost, tmp_path: Path, run_cli: Any,
        openbao: OpenBao) -> None:
    received = tmp_path / "received.txt"
    hook = tmp_path / "hook.py"
    hook.write_text("import json, sys\nd = json.load(sys.stdin)\n"
                    f"open({str(received)!r}, 'a').write(d['issuer'] + '/' + d['credential'] + '\\n')\n")
    host = make_fleet_host("web1", {"mailer": {"provider": "exec", "command": [sys.executable, str(hook)],
                                               "login": "relay/*"}}, token=openbao.token)

    first, second = agent_once(run_cli, host), agent_once(run_cli, host)

    assert (first.code, second.code) == (0, 0), (first, second)
    assert sorted(received.read_text().split()) == ["relay/billing-app", "relay/reports"]


def test_the_agent_needs_the_vault_store(make_fleet_host: MakeHost, tmp_path: Path, run_cli: Any,
                                         openbao: OpenBao) -> None:
    host = make_fleet_host("web1", {"app-env": env_consumer(tmp_path / "a.env", "relay/billing-app")},
                           token=openbao.token)
    host.config.write_text(host.config.read_text().replace('backend = "vault"', 'backend = "keyring"'))

    done = agent_once(run_cli, host)

    assert done.code == 2, done
    assert "needs the vault store" in done.err and len(done.err.strip().splitlines()) == 1


def test_no_secret_reaches_the_report_the_output_or_the_log(
        two_credentials: dict[str, SmtpLogin], make_fleet_host: MakeHost, tmp_path: Path, run_cli: Any,
        openbao: OpenBao) -> None:
    app = tmp_path / "app.env"
    host = make_fleet_host("web1", {"app-env": env_consumer(app, "relay/billing-app")}, token=openbao.token)
    outputs = [agent_once(run_cli, host, "--json"), agent_once(run_cli, host, "-vv"), agent_once(run_cli, host)]
    report = json.dumps(host.report())
    for login in two_credentials.values():
        secret = login.password.get_secret_value()
        assert secret not in report
        assert [o for o in outputs if secret in o.out + o.err] == []


# -- a store that cannot be read ----------------------------------------------------------------
def _seal(server: OpenBao) -> None:
    subprocess.run([str(bao_binary()), "operator", "seal"], check=True, capture_output=True, timeout=30,
                   env={"BAO_ADDR": server.url, "BAO_TOKEN": server.token, "HOME": str(server.home)})


def _unseal(server: OpenBao) -> None:
    log = (server.home / "server.log").read_text()
    key = log.split("Unseal Key:", 1)[1].split()[0]
    requests.put(f"{server.url}/v1/sys/unseal", json={"key": key}, timeout=30).raise_for_status()
    wait_until("the server unsealed", server.healthy, 30)


@pytest.fixture
def own_server(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An OpenBao of this test's own (it gets sealed), with short store retries."""
    monkeypatch.setattr(vault_kv, "RETRY_SECONDS", 1.0)
    monkeypatch.setattr(vault_kv, "RETRY_DELAY", 0.1)
    try:
        with openbao_dev() as server:
            yield server
    except RuntimeError as e:  # the session server came up, so bao is there: this is a real failure
        pytest.fail(str(e))


def test_a_sealed_store_leaves_consumers_untouched_and_once_exits_4_then_the_loop_recovers(
        own_server: OpenBao, lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    for k, v in {"SMTPCREDS_STORE__BACKEND": "vault", "SMTPCREDS_STORE__URL": own_server.url,
                 "SMTPCREDS_STORE__PREFIX": "sealed", "VAULT_TOKEN": own_server.token}.items():
        monkeypatch.setenv(k, v)
    rotator = tmp_path / "rotator.toml"
    rotator.write_text(lab.toml({}, default="relay"))
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(rotator))
    login = create("billing-app")["billing-app"]
    app = tmp_path / "app.env"
    app.write_text("APP_NAME=billing\nSMTP_USER=someone-else\n")
    host_config = tmp_path / "host.toml"
    host_config.write_text(f'[agent]\nhost = "web1"\n\n[profiles.app-env]\nprovider = "envfile"\n'
                           f'path = "{app}"\nlogin = "relay/billing-app"\n')
    _seal(own_server)

    sealed = run_cli("--config", str(host_config), "agent", "--once")

    assert sealed.code == 4, sealed
    assert "sealed" in sealed.err and len(sealed.err.strip().splitlines()) == 1
    assert app.read_text() == "APP_NAME=billing\nSMTP_USER=someone-else\n"

    agent = Agent(load_config(host_config), interval=0.2)
    stop, cycles = threading.Event(), []
    loop = threading.Thread(target=agent.run, args=(stop,), kwargs={"on_cycle": cycles.append})
    loop.start()
    try:
        wait_until("the agent tried the sealed store", lambda: "trying again every" in caplog.text, 30)
        assert not cycles and app.read_text() == "APP_NAME=billing\nSMTP_USER=someone-else\n"
        _unseal(own_server)
        wait_until("a cycle after the store came back", lambda: bool(cycles), 60)
    finally:
        stop.set()
        loop.join(timeout=60)
        agent.close()
    assert not loop.is_alive()
    assert env_holds(app, login)
    assert "the store answers again" in caplog.text
    hosts = store_backend(load_config(host_config)).hosts()
    assert hosts is not None and hosts.read("web1")[0] is not None


# -- the loop and SIGTERM -----------------------------------------------------------------------
def test_sigterm_ends_the_loop_after_the_cycle_in_progress(
        two_credentials: dict[str, SmtpLogin], make_fleet_host: MakeHost, tmp_path: Path, openbao: OpenBao) -> None:
    started, finished = tmp_path / "started", tmp_path / "finished"
    gate = tmp_path / "gate"
    hook = tmp_path / "slow_hook.py"
    hook.write_text("import os, sys, time\nsys.stdin.read()\n"
                    f"open({str(started)!r}, 'a').write('x')\n"
                    f"while not os.path.exists({str(gate)!r}):\n    time.sleep(0.05)\n"
                    f"open({str(finished)!r}, 'a').write('x')\n")
    host = make_fleet_host("web1", {"mailer": {"provider": "exec", "command": [sys.executable, str(hook)],
                                               "login": "relay/billing-app", "timeout": 60}},
                           token=openbao.token)
    host.start(interval=0.5)
    wait_until("the hook started", started.exists, 60)
    assert host.process is not None
    host.process.terminate()  # SIGTERM in the middle of a cycle

    gate.touch()
    code = host.process.wait(timeout=60)
    host.process = None

    assert code == 0, host.log()  # (a process killed by the signal exits -15)
    assert finished.read_text() == "x"
    report = host.report()  # written at the end of the cycle the signal came in
    assert report is not None and report["consumers"][0]["holds"] == login_identity(
        "relay", "billing-app", two_credentials["billing-app"])
    assert "agent stopped" in host.log()
