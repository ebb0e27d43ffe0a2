"""The rollout step: a rotation finishes (and retires the old login) only once every host that
binds the credential reports holding the new one; it times out resumably, naming each
``host:consumer``; a batch reads the reports once per poll and waits without holding its slots.

The issuer here is the SMTP2GO emulator rotating in place (``--allow-gap``), so the engine's waiting
is tested on its own; the old login kept alive through the wait is tested with replace and
regenerate rotations across hosts (test_hosts_e2e.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from smtpcreds.agent import Agent
from smtpcreds.client import connect, store_backend, stored_login
from smtpcreds.config import load_config
from smtpcreds.emulator.lab import Lab
from smtpcreds.models import SmtpLogin, utcnow
from smtpcreds.rotation import rollout
from smtpcreds.rotation.bulk import Item, rotate_many
from smtpcreds.rotation.journal import journal_store
from smtpcreds.store import HeldLogin, HostReport, login_identity
from smtpcreds.store.vault.hosts import VaultHosts
from smtpcreds.testing.openbao import OpenBao

from .conftest import MakeHost, env_consumer
from .hosts import FleetHost, wait_until


def create(*names: str) -> dict[str, SmtpLogin]:
    with connect("relay") as relay:
        for name in names:
            relay.credentials.create(name)
    return {name: stored_login("relay", name) for name in names}


def env_holds(path: Path, login: SmtpLogin) -> bool:
    text = path.read_text() if path.exists() else ""
    return f"SMTP_USER={login.username}" in text and login.password.get_secret_value() in text


@contextmanager
def agent_running(host: FleetHost, interval: float = 0.3) -> Iterator[Agent]:
    """``host``'s agent in a thread of this process (root token), until the block ends."""
    agent = Agent(load_config(host.config), interval=interval)
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield agent
    finally:
        stop.set()
        thread.join(timeout=60)
        agent.close()
    assert not thread.is_alive()


@pytest.fixture
def web1(rotator: Path, make_fleet_host: MakeHost, tmp_path: Path, openbao: OpenBao) -> FleetHost:
    """Host web1 with a .env bound to relay/billing-app, which exists and web1 holds already."""
    create("billing-app")
    host = make_fleet_host("web1", {"app-env": env_consumer(tmp_path / "web1.env", "relay/billing-app")},
                           token=openbao.token)
    host.once()
    return host


# -- which consumers are still behind ------------------------------------------------------------
def _snapshot(*reports: HostReport) -> rollout.Snapshot:
    return rollout.Snapshot(1, reports, 0.0, utcnow())


def test_pending_names_each_consumer_without_the_new_login_and_a_silent_host_holds_nothing() -> None:
    from pydantic import SecretStr

    new = SmtpLogin(host="h", port=587, username="u", password=SecretStr("New-Passw0rd-1"))
    holds_new = login_identity("relay", "billing-app", new)

    def report(host: str, holds: str | None, age: float = 0, error: str | None = None) -> HostReport:
        return HostReport(host=host, agent_version="1", interval=2, cycle_at=utcnow() - timedelta(seconds=age),
                          consumers=[HeldLogin(consumer="mta", login="relay/billing-app", holds=holds, error=error),
                                     HeldLogin(consumer="other", login="relay/reports", holds=None)])

    snap = _snapshot(report("web1", holds_new), report("web2", "relay/billing-app@old"),
                     report("web3", holds_new, age=60), report("web4", None, error="postmap: fatal"))

    assert rollout.pending(snap, "relay", {"billing-app"}, new) == [
        "web2:mta (stale)", "web3:mta (silent: no report for 3 intervals)", "web4:mta (failed)"]
    assert rollout.pending(_snapshot(report("web1", holds_new)), "relay", {"billing-app"}, new) == []


# -- one rotation ---------------------------------------------------------------------------------
def test_a_rotation_finishes_once_every_host_holds_the_new_login(web1: FleetHost, run_cli: Any) -> None:
    with agent_running(web1):
        done = run_cli("--json", "creds", "rotate", "billing-app", "--allow-gap", "--rollout-timeout", "60s")

    assert done.code == 0, done
    [result] = done.json()["results"]
    j = journal_store().load(result["rotation_id"])
    [rolled] = [h for h in j.history if h.step == "rollout"]
    assert rolled.outcome == "done" and "on web1 hold the new login" in rolled.message
    report = web1.report()
    assert report is not None
    [held] = report["consumers"]
    new = stored_login("relay", "billing-app")
    assert held["holds"] == login_identity("relay", "billing-app", new)
    assert j.rollout_done_at is not None and held["since"] <= j.rollout_done_at.isoformat().replace("+00:00", "Z")


def test_in_place_with_consumers_on_other_hosts_is_refused_before_any_change(
        web1: FleetHost, lab: Lab, run_cli: Any) -> None:
    old = stored_login("relay", "billing-app")
    seen = len(lab.emulators["smtp2go"].requests)

    refused = run_cli("creds", "rotate", "billing-app", "--strategy", "in-place")

    assert refused.code == 2, refused
    assert "web1 (web1:app-env)" in refused.err and "--strategy replace" in refused.err
    assert "--allow-gap" in refused.err and len(refused.err.strip().splitlines()) == 1
    assert journal_store().all() == []
    assert store_backend().records("relay").read("billing-app")[0].pending is None
    assert stored_login("relay", "billing-app") == old
    assert lab.smtp.accepts(old.username, old.password.get_secret_value())
    made = {r.path for r in list(lab.emulators["smtp2go"].requests)[seen:]}
    assert made <= {"/v3/users/smtp/view"}, made  # it looked the credential up, and changed nothing

    with agent_running(web1):
        allowed = run_cli("creds", "rotate", "billing-app", "--strategy", "in-place", "--allow-gap")

    assert allowed.code == 0, allowed
    assert not lab.smtp.accepts(old.username, old.password.get_secret_value())


def test_a_rollout_timeout_exits_8_naming_each_host_consumer_and_resume_finishes(
        web1: FleetHost, run_cli: Any) -> None:
    stopped = run_cli("--json", "creds", "rotate", "billing-app", "--allow-gap", "--rollout-timeout", "1s")

    assert stopped.code == 8, stopped
    [result] = stopped.json()["results"]
    message = result["error"]["message"]
    assert "stopped at rollout" in message and "web1:app-env (stale)" in message
    assert "rotations resume" in message
    [open_j] = [j for j in journal_store().live() if j.open]
    assert str(open_j.next) == "rollout"

    web1.once()  # its agent runs again
    resumed = run_cli("--json", "rotations", "resume", "--all", "--rollout-timeout", "30s")

    assert resumed.code == 0, resumed
    assert [r["status"] for r in resumed.json()] == ["done"]


def test_force_retire_does_not_wait_for_the_hosts(web1: FleetHost, run_cli: Any) -> None:
    done = run_cli("--json", "creds", "rotate", "billing-app", "--allow-gap", "--force-retire",
                   "--rollout-timeout", "1h")

    assert done.code == 0, done
    j = journal_store().load(done.json()["results"][0]["rotation_id"])
    [rolled] = [h for h in j.history if h.step == "rollout"]
    assert rolled.message == "--force-retire: not waiting for web1:app-env (stale)"


# -- a batch --------------------------------------------------------------------------------------
class CountingWatch(rollout.HostWatch):
    """A HostWatch that counts the rotations waiting in it at once."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.inside = 0
        self.most_inside = 0
        self._count = threading.Lock()

    def next(self, after: int, poll: float, until: float) -> rollout.Snapshot:
        with self._count:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        try:
            return super().next(after, poll, until)
        finally:
            with self._count:
                self.inside -= 1


def test_a_batch_waits_for_its_rollouts_together_without_holding_its_slots(
        rotator: Path, make_fleet_host: MakeHost, tmp_path: Path, openbao: OpenBao) -> None:
    names = ["a-app", "b-app", "c-app"]
    create(*names)
    hosts = [make_fleet_host(f"web{i}", {f"{n}-env": env_consumer(tmp_path / f"{i}-{n}.env", f"relay/{n}")
                                         for n in names}, token=openbao.token) for i in (1, 2)]
    for host in hosts:
        host.once()
    cfg = load_config()
    w = CountingWatch(store_backend(cfg).hosts(), rollout.Slots(1))
    results: list[Any] = []
    batch = threading.Thread(target=lambda: results.extend(rotate_many(
        [Item("relay", n) for n in names], lambda p: connect(p, config=cfg), concurrency=1, config=cfg,
        allow_gap=True, rollout_timeout=120, watch=w)))
    batch.start()
    try:
        # concurrency 1, yet all three wait at once: a waiting rotation holds no slot
        wait_until("three rotations waiting", lambda: w.inside == 3, 60)
        with agent_running(hosts[0]), agent_running(hosts[1]):
            batch.join(timeout=120)
    finally:
        batch.join(timeout=120)
    assert [r.ok for r in results] == [True, True, True], [r.to_dict() for r in results]
    assert w.most_inside == 3
    assert max(w.looks.values()) == 3  # one read of the reports served all three rotations
    reports = w.hosts
    assert isinstance(reports, VaultHosts)
    assert reports.requests == w.reads * (1 + len(hosts))  # each read: one listing, one read per host


# -- seeing the fleet -----------------------------------------------------------------------------
def test_hosts_shows_each_consumer_in_sync_stale_failed_or_silent_and_forget_removes_a_host(
        web1: FleetHost, make_fleet_host: MakeHost, tmp_path: Path, openbao: OpenBao, run_cli: Any) -> None:
    web2 = make_fleet_host("web2", {"app-env": env_consumer(tmp_path / "web2.env", "relay/billing-app")},
                           token=openbao.token)
    web2.once()
    broken = make_fleet_host("web3", {"app-env": env_consumer(tmp_path / "no-dir" / "x.env", "relay/billing-app")},
                             token=openbao.token)
    assert broken.run("agent", "--once").returncode == 8
    reports = store_backend().hosts()
    assert reports is not None
    [held] = web1.report()["consumers"]  # type: ignore[index]
    reports.write(HostReport(host="web4", agent_version="0.9", interval=1, cycle_at=utcnow() - timedelta(minutes=5),
                             consumers=[HeldLogin.model_validate(held)]), 0)
    assert run_cli("creds", "rotate", "billing-app", "--allow-gap", "--force-retire").code == 0
    web1.once()

    shown = run_cli("--json", "hosts")

    assert shown.code == 0, shown
    states = {h["host"]: [c["state"] for c in h["consumers"]] for h in shown.json()}
    assert states == {"web1": ["in sync"], "web2": ["stale"], "web3": ["failed"], "web4": ["silent"]}
    failed = next(h for h in shown.json() if h["host"] == "web3")["consumers"][0]
    assert failed["error"] and failed["login"] == "relay/billing-app"
    table = run_cli("hosts")
    assert table.code == 0 and "app-env (relay/billing-app): in sync" in table.out
    assert run_cli("hosts", "forget", "web4", "--yes").code == 0
    assert [h["host"] for h in run_cli("--json", "hosts").json()] == ["web1", "web2", "web3"]
    missing = run_cli("hosts", "forget", "web4", "--yes")
    assert missing.code == 3 and "no report of host 'web4'" in missing.err


def test_hosts_needs_the_vault_store(run_cli: Any) -> None:
    done = run_cli("hosts")
    assert done.code == 2 and "vault store" in done.err


def test_hosts_policy_prints_an_agents_policy_and_the_rotators(vault: dict[str, str], prefix: str,
                                                               run_cli: Any) -> None:
    agent = run_cli("hosts", "policy", "web1")
    assert agent.code == 0, agent
    assert f'path "secret/data/{prefix}/hosts/web1" {{' in agent.out
    assert f'path "secret/data/{prefix}/logins/*" {{\n  capabilities = ["read"]\n}}' in agent.out
    assert run_cli("hosts", "policy", "--rotator").out.startswith("# smtpcreds rotator")
    assert run_cli("hosts", "policy", "we/b1").code == 2


def test_audit_shows_remote_consumers_as_host_consumer(web1: FleetHost, run_cli: Any) -> None:
    done = run_cli("--json", "creds", "audit")

    assert done.code == 0, done
    [cred] = done.json()
    assert cred["consumers"] == [{"consumer": "web1:app-env", "host": "web1", "state": "in sync", "holds": None,
                                  "detail": "", "last_push": None, "last_push_at": None}]
    table = run_cli("creds", "audit")
    assert "web1:app-env: in sync" in table.out
    assert json.dumps(done.json()).count("web1") == 2


def _race_for_a_slot() -> list[str]:
    """a waits (its slot goes to b); a comes back and c starts while b still holds the slot;
    b ends: the order in which a and c then get it."""
    slots = rollout.Slots(1)
    order: list[str] = []
    a_waiting, b_holds, a_done_waiting = threading.Event(), threading.Event(), threading.Event()
    b_may_finish = threading.Event()

    def a() -> None:
        with slots.held():
            with slots.released():
                a_waiting.set()
                a_done_waiting.wait(30)
            order.append("a")

    def b() -> None:
        with slots.held():
            b_holds.set()
            b_may_finish.wait(30)

    def c() -> None:
        with slots.held():
            order.append("c")

    threads = [threading.Thread(target=a), threading.Thread(target=b), threading.Thread(target=c)]
    threads[0].start()
    assert a_waiting.wait(30)
    threads[1].start()
    assert b_holds.wait(30)  # a's slot went to b while a waited
    a_done_waiting.set()
    threads[2].start()
    wait_until("a (back from waiting) and c (not started) both asking for the slot", lambda: slots.waiting == 2, 30)
    b_may_finish.set()
    for t in threads:
        t.join(30)
    return order


def test_a_rotation_back_from_waiting_gets_the_next_slot_before_one_not_started() -> None:
    orders = [_race_for_a_slot() for _ in range(20)]  # (without the rule, either may win each time)
    assert orders == [["a", "c"]] * 20
