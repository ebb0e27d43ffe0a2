"""Handing a login to a hook command: JSON on stdin only, exit status as the verdict."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from smtpcreds.errors import ProviderError, ValidationError
from smtpcreds.models import EmailSettings, SmtpLogin

from .conftest import FAKE_PASSWORD, MakeProvider, hook, recorded


def login(from_address: str | None = None) -> SmtpLogin:
    return SmtpLogin(
        host="smtp.example.test",
        port=587,
        security="starttls",
        username="app-mailer",
        password=SecretStr(FAKE_PASSWORD),
        from_address=from_address,
    )


def test_the_hook_receives_the_login_as_one_json_object_on_stdin(
    record_file: Path, make_provider: MakeProvider
) -> None:
    make_provider(command=hook("record", str(record_file))).push_login(login())

    assert json.loads(recorded(record_file)["stdin"]) == {
        "host": "smtp.example.test",
        "port": 587,
        "security": "starttls",
        "username": "app-mailer",
        "password": FAKE_PASSWORD,
    }


def test_the_from_address_is_sent_when_known(record_file: Path, make_provider: MakeProvider) -> None:
    make_provider(command=hook("record", str(record_file))).push_login(login(from_address="app@example.test"))

    assert json.loads(recorded(record_file)["stdin"])["from_address"] == "app@example.test"


def test_the_secret_is_neither_in_argv_nor_in_the_environment(
    record_file: Path, make_provider: MakeProvider
) -> None:
    make_provider(command=hook("record", str(record_file))).push_login(login())

    seen = recorded(record_file)
    assert FAKE_PASSWORD not in json.dumps(seen["argv"])
    assert FAKE_PASSWORD not in json.dumps(seen["environ"])


def test_smtpcreds_variables_are_removed_from_the_hook_environment(
    record_file: Path, make_provider: MakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__RELAY__API_KEY", "fake-api-key-0000")
    monkeypatch.setenv("APP_MARKER", "kept")

    make_provider(command=hook("record", str(record_file))).push_login(login())

    environ = recorded(record_file)["environ"]
    assert not [k for k in environ if k.upper().startswith("SMTPCREDS_")]
    assert environ["APP_MARKER"] == "kept"


def test_success_reports_the_hooks_last_output_line_and_keeps_our_stdout_clean(
    record_file: Path, make_provider: MakeProvider, capfd: pytest.CaptureFixture[str]
) -> None:
    result = make_provider(command=hook("record", str(record_file))).push_login(login())

    assert (result.changed, result.detail) == (True, "reloaded the mailer")
    assert capfd.readouterr() == ("", "")


def test_set_settings_hands_over_a_complete_login(record_file: Path, make_provider: MakeProvider) -> None:
    settings = EmailSettings(
        host="smtp.example.test", port=465, username="u", password=SecretStr(FAKE_PASSWORD)
    )

    make_provider(command=hook("record", str(record_file))).set_settings(settings)

    sent = json.loads(recorded(record_file)["stdin"])
    assert (sent["port"], sent["security"], sent["password"]) == (465, "ssl", FAKE_PASSWORD)


@pytest.mark.parametrize("missing", ["host", "port", "username", "password"])
def test_set_settings_without_a_complete_login_runs_nothing(
    record_file: Path, make_provider: MakeProvider, missing: str
) -> None:
    fields = {"host": "smtp.example.test", "port": 587, "username": "u", "password": SecretStr(FAKE_PASSWORD)}
    del fields[missing]

    with pytest.raises(ValidationError) as caught:
        make_provider(command=hook("record", str(record_file))).set_settings(EmailSettings(**fields))

    assert missing in caught.value.fields
    assert not record_file.exists()


def test_set_settings_refuses_options_and_fields_the_hook_does_not_get(
    record_file: Path, make_provider: MakeProvider
) -> None:
    settings = EmailSettings(
        host="h.example.test",
        port=587,
        username="u",
        password=SecretStr(FAKE_PASSWORD),
        description="billing",
    )

    with pytest.raises(ValidationError) as caught:
        make_provider(command=hook("record", str(record_file))).set_settings(settings, options={"x": "1"})

    assert set(caught.value.fields) == {"description", "options"}
    assert not record_file.exists()


def test_a_failing_hook_is_a_provider_error_with_its_last_stderr_line_redacted(
    make_provider: MakeProvider,
) -> None:
    with pytest.raises(ProviderError) as caught:
        make_provider(command=hook("fail")).push_login(login())

    message = caught.value.message
    assert caught.value.exit_code == 7
    assert message.startswith("profile 'app-hook': command ")
    assert message.endswith("exited with status 3: app refused login app-mailer:***")
    assert FAKE_PASSWORD not in str(caught.value)


@pytest.mark.parametrize("shown", ["json", "repr"])
def test_a_password_the_hook_echoes_in_escaped_form_is_redacted(make_provider: MakeProvider, shown: str) -> None:
    password = 'Fake "quoted" back\\slash it\'s pässwort'
    escaped = {json.dumps(password)[1:-1], json.dumps(password, ensure_ascii=False)[1:-1], repr(password)[1:-1]}
    awkward = login().model_copy(update={"password": SecretStr(password)})

    with pytest.raises(ProviderError) as caught:
        make_provider(command=hook("echo", shown)).push_login(awkward)

    message = caught.value.message
    assert "invalid login: " in message and "***" in message
    assert [form for form in {password, *escaped} if form in message] == []


def test_a_failing_hook_without_stderr_says_so(make_provider: MakeProvider) -> None:
    with pytest.raises(ProviderError, match=r"exited with status 1 \(no stderr\)$"):
        make_provider(command=["false"]).push_login(login())


def test_a_missing_command_is_a_provider_error(make_provider: MakeProvider) -> None:
    with pytest.raises(ProviderError, match="command '/nonexistent/update-smtp' not found") as caught:
        make_provider(command=["/nonexistent/update-smtp", "--reload"]).push_login(login())

    assert caught.value.exit_code == 7


def test_a_command_that_is_not_executable_is_a_provider_error(
    tmp_path: Path, make_provider: MakeProvider
) -> None:
    script = tmp_path / "update-smtp"
    script.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(script, stat.S_IRUSR | stat.S_IWUSR)

    with pytest.raises(ProviderError, match="is not executable"):
        make_provider(command=[str(script)]).push_login(login())
