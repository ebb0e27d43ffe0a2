"""The envfile profile: which keys, validated before any file is touched."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
from smtpcreds_envfile.profile import EnvFileProfile
from smtpcreds_envfile.provider import EnvFileProvider

from smtpcreds.capabilities import METHODS, Capability
from smtpcreds.interfaces import implemented
from smtpcreds.plugins import plugins


def test_the_plugin_registers_the_provider_by_entry_point() -> None:
    assert plugins().provider("envfile") is EnvFileProvider


def test_declared_capabilities_are_exactly_the_implemented_methods() -> None:
    declared = {METHODS[c] for c in EnvFileProvider.capabilities if METHODS[c]}
    overridden = {m for m in METHODS.values() if m and implemented(EnvFileProvider, m)}

    assert declared == overridden
    assert Capability.SETTINGS_TEST not in EnvFileProvider.capabilities


def test_default_keys_are_the_common_smtp_variables() -> None:
    profile = EnvFileProfile.model_validate({"path": ".env"})

    assert profile.keys() == {
        "host": "SMTP_HOST",
        "port": "SMTP_PORT",
        "username": "SMTP_USER",
        "password": "SMTP_PASSWORD",
    }


def test_a_tilde_in_the_path_is_expanded() -> None:
    profile = EnvFileProfile.model_validate({"path": "~/app/.env"})

    assert profile.file() == Path.home() / "app" / ".env"


@pytest.mark.parametrize("key", ["SMTP HOST", "1SMTP", "SMTP-HOST", "SMTP=HOST", "#SMTP"])
def test_a_key_that_is_not_a_variable_name_is_refused(key: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="is not a variable name"):
        EnvFileProfile.model_validate({"path": ".env", "host_key": key})


def test_two_fields_naming_the_same_key_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="both name the key 'SMTP_USER'"):
        EnvFileProfile.model_validate({"path": ".env", "from_key": "SMTP_USER"})


@pytest.mark.parametrize("path", ["", " "])
def test_an_empty_path_is_refused(path: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="path must name a file"):
        EnvFileProfile.model_validate({"path": path})


def test_a_profile_that_leaves_every_key_out_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="every key is left out"):
        EnvFileProfile.model_validate(
            {"path": ".env", "host_key": "", "port_key": "", "username_key": "", "password_key": ""}
        )
