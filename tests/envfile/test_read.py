"""Reading settings back from a dotenv file, as the application reads them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from smtpcreds import redact
from smtpcreds.errors import NotFound, ProviderError

from .conftest import MakeProvider


def test_settings_are_read_with_typed_port_and_secret_password(
    app_env: Path, make_provider: MakeProvider
) -> None:
    found = make_provider().get_settings()

    assert (found.host, found.port, found.username) == ("old-relay.example.test", 25, "old-user")
    assert found.password is not None
    assert found.password.get_secret_value() == "old secret"
    assert "old secret" not in repr(found)
    assert found.extra == {"path": str(app_env)}


def test_security_and_from_are_read_from_their_keys(env_path: Path, make_provider: MakeProvider) -> None:
    env_path.write_text("SMTP_SECURITY=SSL\nMAIL_FROM='App <app@example.test>'\n")

    found = make_provider(security_key="SMTP_SECURITY", from_key="MAIL_FROM").get_settings()

    assert (found.security, found.from_address) == ("ssl", "App <app@example.test>")


def test_absent_and_empty_keys_read_as_none(env_path: Path, make_provider: MakeProvider) -> None:
    env_path.write_text("SMTP_HOST=\nAPP=1\n")

    found = make_provider().get_settings()

    assert (found.host, found.port, found.username, found.password) == (None, None, None, None)


def test_a_missing_file_is_not_found(env_path: Path, make_provider: MakeProvider) -> None:
    with pytest.raises(NotFound, match="does not exist") as caught:
        make_provider().get_settings()

    assert caught.value.exit_code == 3


def test_a_port_that_is_not_a_number_is_a_provider_error(env_path: Path, make_provider: MakeProvider) -> None:
    env_path.write_text("SMTP_PORT=submission\n")

    with pytest.raises(ProviderError, match="SMTP_PORT='submission' is not a port number"):
        make_provider().get_settings()


def test_an_unknown_security_value_is_a_provider_error(env_path: Path, make_provider: MakeProvider) -> None:
    env_path.write_text("SMTP_SECURITY=tls1.3\n")

    with pytest.raises(ProviderError, match="is not ssl, starttls or none"):
        make_provider(security_key="SMTP_SECURITY").get_settings()


def test_interpolations_are_shown_unexpanded(
    env_path: Path, make_provider: MakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAY", "from-our-environment.example.test")
    env_path.write_text("SMTP_HOST=${RELAY}\n")

    assert make_provider().get_settings().host == "${RELAY}"


def test_reading_follows_a_symlink(env_path: Path, make_provider: MakeProvider) -> None:
    target = env_path.parent / "real.env"
    target.write_text("SMTP_HOST=linked.example.test\n")
    os.symlink(target, env_path)

    assert make_provider().get_settings().host == "linked.example.test"


def test_a_password_read_is_masked_in_later_messages(app_env: Path, make_provider: MakeProvider) -> None:
    make_provider().get_settings()

    assert redact.redact("login failed for old secret") == "login failed for ***"
