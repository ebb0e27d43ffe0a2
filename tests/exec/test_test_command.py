"""settings test runs the profile's test command, which never receives a secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smtpcreds.errors import ConfigError, ProviderError

from .conftest import MakeProvider, hook, recorded


def test_the_test_command_gets_only_the_recipient_on_stdin(
    record_file: Path, make_provider: MakeProvider
) -> None:
    provider = make_provider(command=["true"], test_command=hook("record", str(record_file)))

    info = provider.test_settings(to="ops@example.test")

    assert json.loads(recorded(record_file)["stdin"]) == {"to": "ops@example.test"}
    assert info == "reloaded the mailer"


def test_without_a_test_command_testing_is_a_config_error(make_provider: MakeProvider) -> None:
    with pytest.raises(ConfigError, match="profile 'app-hook': no test_command configured") as caught:
        make_provider(command=["true"]).test_settings()

    assert caught.value.exit_code == 2


def test_a_failing_test_command_is_a_provider_error(make_provider: MakeProvider) -> None:
    with pytest.raises(ProviderError, match="exited with status 1"):
        make_provider(command=["true"], test_command=["false"]).test_settings()
