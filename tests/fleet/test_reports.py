"""Host reports in the store (a real OpenBao), and the rules everyone reads them by: the login
identity, the silent rule and a consumer's state."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import SecretStr

from smtpcreds.client import store_backend
from smtpcreds.models import SmtpLogin
from smtpcreds.store import Conflict, HeldLogin, HostReport, login_identity
from smtpcreds.store.hosts import state_of
from smtpcreds.store.keyring import KeyringBackend
from smtpcreds.store.vault.hosts import VaultHosts

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def login(password: str = "Fleet-Passw0rd-0001", made: datetime = NOW) -> SmtpLogin:
    return SmtpLogin(host="smtp.example.com", port=587, username="billing-app@example.com",
                     password=SecretStr(password), created_at=made)


def report(host: str = "web1", *, holds: str | None = None, error: str | None = None, age: float = 0,
           interval: float = 60) -> HostReport:
    held = HeldLogin(consumer="app-env", login="relay/billing-app", holds=holds, error=error)
    return HostReport(host=host, agent_version="1.0", interval=interval, cycle_at=NOW - timedelta(seconds=age),
                      consumers=[held])


def reports(vault: dict[str, str]) -> VaultHosts:
    hosts = store_backend().hosts()
    assert isinstance(hosts, VaultHosts)
    return hosts


def test_a_report_is_created_and_changed_only_on_the_version_read(vault: dict[str, str]) -> None:
    hosts = reports(vault)
    first = hosts.write(report(holds="relay/billing-app@a"), 0)

    with pytest.raises(Conflict, match="changed by another process"):
        hosts.write(report(holds="relay/billing-app@b"), 0)
    second = hosts.write(report(holds="relay/billing-app@b"), first)

    found, version = hosts.read("web1")
    assert version == second > first
    assert found is not None and found.consumers[0].holds == "relay/billing-app@b"


def test_all_reads_every_host_and_forget_removes_one_with_its_entries(vault: dict[str, str]) -> None:
    hosts = reports(vault)
    for name in ("web1", "web2"):
        hosts.write(report(name), 0)
    hosts.kv.write("hosts/web1/canary", {"value": "x"}, 0)  # what a host may keep under its own path

    assert [r.host for r in hosts.all()] == ["web1", "web2"]
    assert hosts.forget("web1") is True

    assert [r.host for r in hosts.all()] == ["web2"]
    assert hosts.kv.read("hosts/web1/canary") == (None, 0)
    assert hosts.forget("web1") is False


def test_an_entry_that_is_not_a_report_is_left_out(vault: dict[str, str]) -> None:
    hosts = reports(vault)
    hosts.write(report("web1"), 0)
    hosts.kv.write("hosts/junk", {"hello": "world"}, 0)

    assert [r.host for r in hosts.all()] == ["web1"]


def test_the_keyring_store_keeps_no_host_reports(tmp_path: Path) -> None:
    assert KeyringBackend(tmp_path).hosts() is None


def test_the_login_identity_names_the_record_and_the_moment_and_nothing_secret() -> None:
    old, new = login("Old-Passw0rd-0001"), login("New-Passw0rd-0002", NOW + timedelta(microseconds=1))
    identity = login_identity("relay", "billing-app", new)

    assert identity == "relay/billing-app@2026-03-01T12:00:00.000001Z"
    assert identity != login_identity("relay", "billing-app", old)
    assert identity == login_identity("relay", "billing-app", new.model_copy())
    secret = new.password.get_secret_value()
    for leak in (secret, new.username, hashlib.sha256(secret.encode()).hexdigest()[:12]):
        assert leak not in identity


@pytest.mark.parametrize(("age", "silent"), [(0, False), (180, False), (181, True)])
def test_a_report_older_than_three_intervals_is_silent(age: float, silent: bool) -> None:
    assert report(age=age, interval=60).silent(NOW) is silent


@pytest.mark.parametrize(("holds", "error", "age", "state"), [
    ("relay/billing-app@new", None, 0, "in sync"),
    ("relay/billing-app@old", None, 0, "stale"),
    (None, None, 0, "stale"),
    ("relay/billing-app@old", "postmap: fatal: disk full", 0, "failed"),
    ("relay/billing-app@new", "a stale error", 0, "in sync"),
    ("relay/billing-app@new", None, 600, "silent"),
])
def test_a_consumers_state_compares_what_it_holds_with_the_current_login(
        holds: str | None, error: str | None, age: float, state: str) -> None:
    r = report(holds=holds, error=error, age=age)
    assert state_of(r, r.consumers[0], "relay/billing-app@new", NOW) == state
