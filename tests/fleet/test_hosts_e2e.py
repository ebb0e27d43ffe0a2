"""A fleet on one machine, end to end: hosts with their own HOME, config, state, host name and a
token holding only their agent policy (no API key), agents running as separate processes, two
of them in front of a private real Postfix relaying with SASL to the lab SMTP server, which
accepts exactly the provider's current logins.

* all hosts: ``agent --once`` brings every consumer to its login without one provider request;
  then, while a message goes to each Postfix every 0.5 s, ``creds rotate --all`` on a fourth HOME
  (this process) exits 0: every consumer holds its credential's new login, each old login was
  deleted only after every consumer bound to it held the new one, and no message was deferred
  or bounced;
* one host's agent stopped: the rotation stops at rollout (exit 8) naming that host, the old login
  still works; after the agent restarts, ``rotations resume --all`` exits 0 and the old login is
  refused.

Replace rotations need bindings that follow a credential's name across its new ids (credential
identity, issue 23); regenerate (SES's alternate access keys) keeps the record's key today.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.client import connect, stored_login
from smtpcreds.emulator.lab import Lab, _toml_value
from smtpcreds.models import SmtpLogin
from tests.postfix.instance import PostfixInstance, available

from .conftest import MakeHost, env_consumer
from .hosts import FleetHost, wait_until

CREDENTIALS = ("billing-app", "reports")
INTERVAL = 2

ISSUERS = [
    pytest.param("smtp2go", "replace", id="smtp2go-replace"),
    pytest.param("ses", "regenerate", id="ses-regenerate"),
]


def need_postfix() -> None:
    reason = available()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must not skip the real-Postfix tests")
    pytest.skip(reason)


@pytest.fixture
def issuer_lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    provider = request.param
    with Lab([provider]) as running:
        yield running


@pytest.fixture
def issuer(issuer_lab: Lab, vault: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fourth HOME, which rotates: issuer profile ``relay`` (the lab's emulator), the vault store."""
    [provider] = issuer_lab.emulators
    path = tmp_path / "rotator.toml"
    fields = issuer_lab.profile(provider)
    path.write_text('default_profile = "relay"\n\n[profiles.relay]\n'
                    + "".join(f"{k} = {_toml_value(v)}\n" for k, v in fields.items()))
    path.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_CONFIG", str(path))
    with connect("relay") as relay:
        for name in CREDENTIALS:
            relay.credentials.create(name)
    return path


@dataclass
class Consumer:
    """One consumer on one host, and how to see which username it holds."""

    host: str
    name: str
    credential: str
    holds: Callable[[], str | None]


def env_username(path: Path) -> Callable[[], str | None]:
    def read() -> str | None:
        found = re.search(r"^SMTP_USER=(.*)$", path.read_text(), re.MULTILINE) if path.exists() else None
        return found.group(1).strip("'\"") if found else None
    return read


def map_username(pf: PostfixInstance) -> Callable[[], str | None]:
    def read() -> str | None:
        for line in pf.map_source.read_text().splitlines():
            if line.startswith(pf.relay):
                return line.split(None, 1)[1].partition(":")[0]
        return None
    return read


def holds_login(c: Consumer, login: SmtpLogin) -> bool:
    return c.holds() == login.username


class Fleet:
    """Three hosts: web1 and web2 each with a Postfix (``mta``) and .env files, web3 with .env files."""

    def __init__(self, stack: ExitStack, lab: Lab, make_host: MakeHost, root: Path) -> None:
        self.postfix: dict[str, PostfixInstance] = {}
        self.consumers: list[Consumer] = []
        self.hosts: dict[str, FleetHost] = {}
        relay = f"[{lab.smtp.host}]:{lab.smtp.port}"
        layout = {"web1": {"mta": "billing-app", "app-env": "billing-app"},
                  "web2": {"mta": "reports", "app-env": "billing-app"},
                  "web3": {"app-env": "reports", "cron-env": "billing-app"}}
        for host, consumers in layout.items():
            profiles: dict[str, dict[str, Any]] = {}
            for name, credential in consumers.items():
                if name == "mta":
                    pf = stack.enter_context(PostfixInstance(relay))
                    pf.map_source.write_text("# relay logins, kept by smtpcreds agent\n")
                    pf.map_source.chmod(0o600)
                    self.postfix[host] = pf
                    profiles[name] = {"provider": "postfix", "postconf_dir": str(pf.config_dir),
                                      "smtpd": f"127.0.0.1:{pf.port}", "login": f"relay/{credential}"}
                    self.consumers.append(Consumer(host, name, credential, map_username(pf)))
                else:
                    path = root / f"{host}-{name}.env"
                    profiles[name] = env_consumer(path, f"relay/{credential}")
                    self.consumers.append(Consumer(host, name, credential, env_username(path)))
            self.hosts[host] = make_host(host, profiles, interval=INTERVAL)

    def bound_to(self, credential: str) -> list[Consumer]:
        return [c for c in self.consumers if c.credential == credential]


class RetireWatch:
    """Wraps the lab SMTP server's ``retire``: at the instant a login stops being accepted, every
    consumer bound to its credential is read; one still holding it is recorded."""

    def __init__(self, lab: Lab, fleet: Fleet, old: dict[str, SmtpLogin]) -> None:
        self.retired: list[str] = []
        self.too_early: list[str] = []
        real = lab.smtp.retire
        by_username = {login.username: credential for credential, login in old.items()}

        def retire(username: str) -> None:
            credential = by_username.get(username)
            if credential is not None:
                self.retired.append(credential)
                self.too_early += [f"{c.host}:{c.name}" for c in fleet.bound_to(credential) if c.holds() == username]
            real(username)

        lab.smtp.retire = retire  # type: ignore[method-assign]


class Mailer:
    """Submits a message to each Postfix every 0.5 s (as a host's cron or app would) until stopped."""

    def __init__(self, postfix: dict[str, PostfixInstance]) -> None:
        self.postfix = postfix
        self.sent: list[tuple[str, str]] = []  # (host, queue id)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.errors: list[BaseException] = []

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            for host, pf in self.postfix.items():
                try:
                    self.sent.append((host, pf.send(f"fleet message {n} via {host}")))
                except BaseException as e:  # recorded, so the test fails with it
                    self.errors.append(e)
            n += 1
            self._stop.wait(0.5)

    def __enter__(self) -> Mailer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


@pytest.mark.parametrize(("issuer_lab", "strategy"), ISSUERS, indirect=["issuer_lab"])
def test_rotate_all_across_three_hosts_while_postfix_relays_every_half_second(
        issuer_lab: Lab, strategy: str, issuer: Path, make_fleet_host: MakeHost, tmp_path: Path,
        run_cli: Any) -> None:
    need_postfix()
    lab = issuer_lab
    [emulator] = lab.emulators.values()
    with ExitStack() as stack:
        fleet = Fleet(stack, lab, make_fleet_host, tmp_path)
        old = {name: stored_login("relay", name) for name in CREDENTIALS}
        requests_before = len(emulator.requests)

        for host in fleet.hosts.values():
            host.once()

        assert len(emulator.requests) == requests_before  # the agents asked the provider nothing
        assert [f"{c.host}:{c.name}" for c in fleet.consumers if not holds_login(c, old[c.credential])] == []
        for host in fleet.hosts.values():
            host.start(INTERVAL)
        watch = RetireWatch(lab, fleet, old)

        with Mailer(fleet.postfix) as mailer:
            wait_until("messages relayed before the rotation", lambda: len(mailer.sent) >= 4, 30)
            rotated = run_cli("--json", "creds", "rotate", "--all", "--strategy", strategy,
                              "--rollout-timeout", "90s")
            for host in fleet.hosts.values():
                assert host.stop() == 0, host.log()

        assert rotated.code == 0, (rotated, {h.name: h.log()[-1500:] for h in fleet.hosts.values()})
        assert mailer.errors == []
        new = {name: stored_login("relay", name) for name in CREDENTIALS}
        behind = [f"{c.host}:{c.name}" for c in fleet.consumers if not holds_login(c, new[c.credential])]
        assert behind == []
        assert sorted(watch.retired) == sorted(CREDENTIALS)  # each old login deleted once ...
        assert watch.too_early == []  # ... and only after every consumer bound to it held the new one
        for name in CREDENTIALS:
            assert not lab.smtp.accepts(old[name].username, old[name].password.get_secret_value())
        statuses = [fleet.postfix[host].wait_for(queue_id, timeout=60) for host, queue_id in mailer.sent]
        assert len(statuses) >= 8
        assert [s for s in statuses if "status=sent" not in s] == []  # none deferred or bounced
        relayed_with = {d.username for d in lab.smtp.delivered}
        assert {new["billing-app"].username, new["reports"].username} <= relayed_with


@pytest.mark.parametrize("issuer_lab", ["ses"], indirect=True)
def test_a_stopped_agent_holds_the_retire_until_it_runs_again(
        issuer_lab: Lab, issuer: Path, make_fleet_host: MakeHost, tmp_path: Path, run_cli: Any) -> None:
    lab = issuer_lab
    web1 = make_fleet_host("web1", {"app-env": env_consumer(tmp_path / "web1.env", "relay/billing-app")},
                           interval=1)
    web2 = make_fleet_host("web2", {"app-env": env_consumer(tmp_path / "web2.env", "relay/billing-app")},
                           interval=1)
    old = stored_login("relay", "billing-app")
    for host in (web1, web2):
        host.once()
        host.start(1)
    assert web2.stop() == 0

    stopped = run_cli("--json", "creds", "rotate", "billing-app", "--strategy", "regenerate",
                      "--rollout-timeout", "8s")

    assert stopped.code == 8, stopped
    message = stopped.json()["results"][0]["error"]["message"]
    assert "stopped at rollout" in message and "web2:app-env" in message and "web1" not in message
    assert lab.smtp.accepts(old.username, old.password.get_secret_value())  # the old login still works
    new = stored_login("relay", "billing-app")
    assert env_username(tmp_path / "web1.env")() == new.username
    assert env_username(tmp_path / "web2.env")() == old.username

    web2.start(1)
    resumed = run_cli("--json", "rotations", "resume", "--all", "--rollout-timeout", "60s")

    assert resumed.code == 0, (resumed, web2.log()[-2000:])
    assert [r["status"] for r in resumed.json()] == ["done"]
    assert not lab.smtp.accepts(old.username, old.password.get_secret_value())
    assert env_username(tmp_path / "web2.env")() == new.username
    assert web1.stop() == 0 and web2.stop() == 0


@pytest.mark.parametrize("issuer_lab", ["ses"], indirect=True)
def test_a_use_of_the_old_key_after_every_host_held_the_new_one_holds_the_retire(
        issuer_lab: Lab, issuer: Path, make_fleet_host: MakeHost, tmp_path: Path, run_cli: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from smtpcreds.rotation import engine

    lab = issuer_lab
    web1 = make_fleet_host("web1", {"app-env": env_consumer(tmp_path / "web1.env", "relay/billing-app")},
                           interval=1)
    old = stored_login("relay", "billing-app")
    web1.once()
    web1.start(1)
    retire = engine.Rotator._retire

    def after_the_rollout_an_unknown_sender_uses_the_old_key(self: Any, j: Any) -> Any:
        lab.smtp.send_test(old.username, old.password.get_secret_value(), "ops@example.com")
        return retire(self, j)

    monkeypatch.setattr(engine.Rotator, "_retire", after_the_rollout_an_unknown_sender_uses_the_old_key)

    held = run_cli("--json", "creds", "rotate", "billing-app", "--strategy", "regenerate",
                   "--rollout-timeout", "60s")

    assert held.code == 8, held
    message = held.json()["results"][0]["error"]["message"]
    assert "stopped at retire" in message and "after every host held the new login" in message
    assert lab.smtp.accepts(old.username, old.password.get_secret_value())
    assert web1.stop() == 0
