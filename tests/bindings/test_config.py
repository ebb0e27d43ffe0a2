"""Binding syntax and targets: bad ones are clear errors naming the consumer profile, found
before any change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smtpcreds.bindings import LoginPattern, parse_login
from smtpcreds.emulator.lab import Lab

from .conftest import Configure, stored


def test_a_login_names_an_issuer_profile_and_a_credential() -> None:
    assert parse_login("relay/billing-app", multi_login=False) == (LoginPattern("relay", "billing-app"),)
    assert parse_login(["relay/*", "ms/abc"], multi_login=True) == (LoginPattern("relay", "*"),
                                                                    LoginPattern("ms", "abc"))


@pytest.mark.parametrize("value", ["billing-app", "relay/", "/billing-app", []])
def test_a_malformed_login_is_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        parse_login(value, multi_login=True)


@pytest.mark.parametrize("value", ["relay/*", ["relay/a"], ["relay/a", "relay/b"]])
def test_a_single_login_consumer_refuses_several_logins(value: Any) -> None:
    with pytest.raises(ValueError, match="holds one login"):
        parse_login(value, multi_login=False)


@pytest.mark.parametrize(("provider", "value"), [("envfile", '"relay/*"'), ("webitel", '["relay/a"]')])
def test_config_with_several_logins_on_a_single_login_consumer_exits_2_naming_it(
    lab: Lab, configure: Configure, run_cli: Any, provider: str, value: str
) -> None:
    config = configure()
    name = "billing-env" if provider == "envfile" else "pbx"
    config.write_text(config.read_text().replace(f"[profiles.{name}]\n", f"[profiles.{name}]\nlogin = {value}\n"))

    result = run_cli("profiles")

    assert result.code == 2 and f"profile {name!r}" in result.err and "holds one login" in result.err


def test_a_binding_to_an_unknown_credential_stops_the_rotation_before_any_change(
    lab: Lab, configure: Configure, env_files: dict[str, Path], run_cli: Any
) -> None:
    configure(billing_env="relay/no-such-login")
    assert run_cli("creds", "create", "billing-app").code == 0
    before = stored(run_cli, "billing-app")

    for args in (["billing-app"], ["--all"], ["billing-app", "--dry-run"]):
        result = run_cli("creds", "rotate", *args)
        assert result.code == 2, (args, result)
        assert "'billing-env'" in result.err and "no-such-login" in result.err
    assert stored(run_cli, "billing-app") == before
    assert run_cli("--json", "rotations", "list").json() == []


def test_a_binding_to_a_profile_that_is_not_an_issuer_stops_the_rotation(
    lab: Lab, configure: Configure, run_cli: Any
) -> None:
    configure(billing_env="pbx/billing-app")
    assert run_cli("creds", "create", "billing-app").code == 0

    result = run_cli("creds", "rotate", "billing-app")

    assert result.code == 2 and "'billing-env'" in result.err and "not an issuer" in result.err


def test_audit_reports_a_dangling_binding_as_a_warning(lab: Lab, configure: Configure, run_cli: Any) -> None:
    configure(billing_env="relay/no-such-login")
    assert run_cli("creds", "create", "billing-app").code == 0

    result = run_cli("--json", "creds", "audit")

    assert result.code == 0 and "'billing-env'" in result.err and "no-such-login" in result.err


def test_profiles_shows_bindings(lab: Lab, configure: Configure, run_cli: Any) -> None:
    configure(billing_env="relay/billing-app", hook=["relay/a", "relay/b"])

    rows = {r["name"]: r for r in run_cli("--json", "profiles").json()}
    text = run_cli("profiles").out

    assert rows["billing-env"]["login"] == "relay/billing-app"
    assert rows["hook"]["login"] == ["relay/a", "relay/b"]
    assert "relay/billing-app" in text and "relay/a, relay/b" in text


def test_the_capability_matrix_says_which_consumers_hold_several_logins(run_cli: Any) -> None:
    rows = {r["name"]: r for r in run_cli("--json", "providers").json()}

    assert (rows["exec"]["multi_login"], rows["envfile"]["multi_login"], rows["webitel"]["multi_login"]) == (
        True, False, False)


def test_a_list_of_logins_may_come_from_the_environment_as_json(
    lab: Lab, configure: Configure, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure()
    monkeypatch.setenv("SMTPCREDS_PROFILES__HOOK__LOGIN", '["relay/a", "relay/b"]')
    monkeypatch.setenv("SMTPCREDS_PROFILES__PBX__LOGIN", '["relay/a"]')

    result = run_cli("profiles")

    assert result.code == 2 and "'pbx'" in result.err and "holds one login" in result.err
    monkeypatch.delenv("SMTPCREDS_PROFILES__PBX__LOGIN")
    assert "relay/a, relay/b" in run_cli("profiles").out


def test_every_consumer_profile_takes_a_binding() -> None:
    """Consumers that came after bindings (postfix, vaultkv) take them from the start."""
    from smtpcreds.capabilities import CONSUMER
    from smtpcreds.plugins import plugins
    from smtpcreds.profiles import ConsumerProfile

    consumers = {name: cls for name, cls in plugins().providers.items() if cls.capabilities & CONSUMER}
    assert {"envfile", "exec", "webitel", "postfix", "vaultkv"} <= set(consumers)
    for name, cls in consumers.items():
        assert issubclass(cls.profile_model, ConsumerProfile), name
        assert "login" in cls.profile_model.model_fields, name
