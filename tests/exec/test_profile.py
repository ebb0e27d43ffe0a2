"""The exec profile: argv lists only, never a shell string."""

from __future__ import annotations

import pydantic
import pytest
from smtpcreds_exec.profile import ExecProfile
from smtpcreds_exec.provider import ExecProvider

from smtpcreds.capabilities import METHODS, Capability
from smtpcreds.interfaces import implemented
from smtpcreds.plugins import plugins


def test_the_plugin_registers_the_provider_by_entry_point() -> None:
    assert plugins().provider("exec") is ExecProvider


def test_declared_capabilities_are_exactly_the_implemented_methods() -> None:
    declared = {METHODS[c] for c in ExecProvider.capabilities if METHODS[c]}
    overridden = {m for m in METHODS.values() if m and implemented(ExecProvider, m)}

    assert declared == overridden
    assert Capability.SETTINGS_SHOW not in ExecProvider.capabilities


def test_a_command_string_is_refused_with_a_hint() -> None:
    with pytest.raises(pydantic.ValidationError, match="must be an argv list"):
        ExecProfile.model_validate({"command": "/usr/local/bin/update-smtp --reload"})


@pytest.mark.parametrize("command", [[], [""], ["update-smtp", "a\0b"], ["update-smtp", 5]])
def test_an_empty_or_malformed_argv_is_refused(command: list[object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        ExecProfile.model_validate({"command": command})


def test_the_timeout_defaults_to_30_seconds() -> None:
    assert ExecProfile.model_validate({"command": ["true"]}).timeout == 30
