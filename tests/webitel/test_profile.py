"""The webitel profile: how it signs in and where it points."""

from __future__ import annotations

import importlib.metadata

import pydantic
import pytest
from smtpcreds_webitel.emulator import WebitelEmulator
from smtpcreds_webitel.profile import WebitelProfile
from smtpcreds_webitel.provider import WebitelProvider

from smtpcreds.errors import ConfigError

BASE = "https://pbx.example.com/engine"


def test_base_url_is_required() -> None:
    with pytest.raises(pydantic.ValidationError, match="base_url"):
        WebitelProfile.model_validate({"provider": "webitel", "username": "root"})


def test_base_url_keeps_the_proxy_prefix_without_trailing_slash() -> None:
    profile = WebitelProfile(base_url=BASE + "/", username="root")
    assert profile.base_url == BASE


def test_plain_http_to_a_remote_engine_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="plain http"):
        WebitelProfile(base_url="http://pbx.example.com:10022", username="root")


def test_username_and_a_key_token_pair_together_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="either username"):
        WebitelProfile.model_validate(
            {"base_url": BASE, "username": "root", "key": "fake-key", "token": "fake-token"}
        )


def test_password_without_username_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="password needs username"):
        WebitelProfile.model_validate({"base_url": BASE, "password": "fake-password"})


def test_domain_is_the_default_scope_and_secrets_are_declared() -> None:
    profile = WebitelProfile(base_url=BASE, username="admin@example.com", domain="example.com")
    assert profile.default_scope == "example.com"
    assert set(WebitelProfile.secret_fields) == {"password", "key", "token"}
    assert profile.logs_in


def test_secrets_are_masked_in_the_repr() -> None:
    profile = WebitelProfile.model_validate(
        {"base_url": BASE, "username": "root", "password": "fake-root-password"}
    )
    assert "fake-root-password" not in repr(profile)


def test_a_missing_token_is_reported_by_name_before_any_request(emulator: WebitelEmulator) -> None:
    from smtpcreds.testing.support import provider_for

    provider = provider_for({"provider": "webitel", "base_url": emulator.base_url, "key": "fake-key"})
    with pytest.raises(ConfigError, match="token"):
        provider.get_settings("example.com")
    assert emulator.count() == 0


def test_provider_declares_the_consumer_capabilities_it_implements() -> None:
    from smtpcreds.capabilities import CONSUMER, METHODS
    from smtpcreds.interfaces import implemented

    assert WebitelProvider.capabilities == CONSUMER
    for cap, method in METHODS.items():
        if method is not None:
            assert implemented(WebitelProvider, method) == (cap in WebitelProvider.capabilities), method


def test_plugin_registers_the_provider_through_its_entry_point() -> None:
    (ep,) = importlib.metadata.entry_points(group="smtpcreds", name="webitel")
    registered: list[type] = []
    ep.load().smtpcreds_register_providers(register=registered.append)
    assert registered == [WebitelProvider]
    assert WebitelProvider.emulator == "smtpcreds_webitel.emulator:WebitelEmulator"


def test_the_emulators_client_profile_is_a_valid_working_profile() -> None:
    from smtpcreds.testing.support import provider_for

    with WebitelEmulator() as emu:
        profile = WebitelProfile.model_validate(emu.client_profile())
        provider = provider_for(profile)
        assert provider.delete_settings() == 0
        assert profile.domain == "example.com" and emu.login_count == 1
