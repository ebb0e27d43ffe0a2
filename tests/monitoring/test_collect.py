"""The collector: what the journals, the bindings, the store and the consumers tell, as rows."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import smtpcreds
from smtpcreds.capabilities import Capability
from smtpcreds.client import Connection, secret_store
from smtpcreds.config import load_config
from smtpcreds.errors import RotationError
from smtpcreds.metrics.collect import collect
from smtpcreds.metrics.settings import MetricsSettings
from smtpcreds.metrics.snapshot import ConsumerSync, LoginLastUsed, Snapshot
from smtpcreds.models import SmtpCredential
from smtpcreds.rotation.engine import Rotator
from smtpcreds.rotation.journal import journal_store
from tests.vaultstore import use_vault_store

from .conftest import Configure


@pytest.fixture
def relay(configure: Configure) -> Iterator[Connection]:
    """The issuer with both bound credentials created (nothing rotated yet)."""
    configure()
    with smtpcreds.connect("relay") as conn:
        for name in ("billing-app", "shop-app"):
            conn.credentials.create(name)
        yield conn


def snapshot() -> Snapshot:
    return collect(load_config(), host="h1")


def test_a_replaced_login_is_reported_under_the_credential_name_with_the_new_login_time(
    relay: Connection,
) -> None:
    result = smtpcreds.rotate(relay, "billing-app", strategy="replace")
    new = secret_store("relay").get(result.name)

    found = snapshot()

    assert result.new_credential != "billing-app"  # the id changed; the name did not
    assert new is not None
    assert [(r.credential, r.timestamp) for r in found.logins if r.credential == "billing-app"] == [
        ("billing-app", new.created_at.timestamp())]
    assert found.consumers == [ConsumerSync("relay", "billing-app", "app-env", "h1", True)]


def test_a_replace_stopped_before_promotion_reports_the_old_login_and_the_open_step(
    relay: Connection, hook_flag: Path, env_file: Path
) -> None:
    old = secret_store("relay").get("shop-app")
    hook_flag.write_text("down")
    with pytest.raises(RotationError) as stopped:
        smtpcreds.rotate(relay, "shop-app", strategy="replace")

    found = snapshot()

    assert old is not None
    assert [r.timestamp for r in found.logins if r.credential == "shop-app"] == [old.created_at.timestamp()]
    assert [(r.credential, r.rotation, r.step) for r in found.open_rotations] == [
        ("shop-app", stopped.value.rotation_id, "push")]
    assert found.last_successes == []


def test_the_last_success_is_when_the_new_login_became_current_not_a_later_retire(relay: Connection) -> None:
    result = smtpcreds.rotate(relay, "billing-app", strategy="replace", keep_old=True)
    j = journal_store().load(result.rotation_id)
    [promoted] = [h.at for h in j.history if h.step == "promote"]
    Rotator(relay).retire(j)

    [success] = snapshot().last_successes

    assert journal_store().load(result.rotation_id).updated_at > promoted
    assert (success.credential, success.timestamp) == ("billing-app", promoted.timestamp())


def test_a_bound_consumer_that_holds_no_login_yet_is_out_of_sync(relay: Connection) -> None:
    assert snapshot().consumers == [ConsumerSync("relay", "billing-app", "app-env", "h1", False)]


def test_an_unreadable_consumer_counts_as_out_of_sync_with_a_warning(
    relay: Connection, env_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    smtpcreds.rotate(relay, "billing-app")
    env_file.write_text("SMTP_PORT=twenty-five\n")

    with caplog.at_level(logging.WARNING, logger="smtpcreds.metrics"):
        found = snapshot()

    assert [c.in_sync for c in found.consumers] == [False]
    assert "consumer app-env is unreadable" in caplog.text


def test_a_binding_to_a_credential_with_nothing_stored_gives_no_rows(configure: Configure) -> None:
    configure()  # bound to relay/billing-app and relay/shop-app, neither created

    found = snapshot()

    assert (found.logins, found.consumers, found.open_rotations) == ([], [], [])
    assert [(m.profile, m.seconds) for m in found.max_ages] == [("relay", 90 * 86400)]


def test_max_ages_come_from_the_settings(configure: Configure) -> None:
    configure()
    settings = MetricsSettings(max_login_age="2w", max_login_age_by_profile={"relay": "36h"})

    found = collect(load_config(), settings=settings)

    assert [(m.profile, m.seconds) for m in found.max_ages] == [("relay", 36 * 3600)]


def test_with_provider_adds_each_listed_credential_and_its_last_use(relay: Connection) -> None:
    used = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    listed = [SmtpCredential(provider="smtp2go", id="billing-app", name="billing-app", username="billing-app",
                             last_used_at=used)]
    fake = SimpleNamespace(capabilities=frozenset({Capability.LIST}), profile=SimpleNamespace(provider="smtp2go"),
                           credentials=SimpleNamespace(list=lambda: iter(listed)), close=lambda: None)
    real = load_config()

    def connect(name: str) -> Any:
        return fake if name == "relay" else Connection(name, real.profile(name), config=real)

    found = collect(real, with_provider=True, connect=connect)

    assert found.last_used == [LoginLastUsed("relay", "billing-app", "smtp2go", used.timestamp())]


def test_the_default_sends_no_listing_request(relay: Connection, lab: Any) -> None:
    before = len(lab.emulators["smtp2go"].requests)

    snapshot()

    assert len(lab.emulators["smtp2go"].requests) == before


# -- the vault store can be listed -----------------------------------------------------------------
def test_with_the_vault_store_every_stored_login_is_reported_rotated_or_not(
    configure: Configure, openbao: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_vault_store(monkeypatch, openbao)
    configure()
    with smtpcreds.connect("relay") as conn:
        conn.credentials.create("newsletter")  # neither bound nor rotated

    found = snapshot()

    assert [r.credential for r in found.logins] == ["newsletter"]
