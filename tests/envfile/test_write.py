"""Writing settings into a dotenv file: only our keys change, atomically, with the file's identity."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from dotenv import dotenv_values
from pydantic import SecretStr

from smtpcreds.errors import ConfigError, ValidationError
from smtpcreds.models import EmailSettings, SmtpLogin

from .conftest import APP_ENV, FAKE_PASSWORD, MakeProvider


def new_login() -> EmailSettings:
    return EmailSettings(
        host="smtp.example.test", port=587, username="app@example.test", password=SecretStr("Fake-Pw-0001")
    )


def leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


def test_set_changes_only_the_owned_values_and_keeps_every_other_byte(
    app_env: Path, make_provider: MakeProvider
) -> None:
    make_provider().set_settings(new_login())

    assert app_env.read_text() == (
        "# Compose settings for the dashboard\n"
        "COMPOSE_PROJECT_NAME=dashboard\n"
        "\n"
        "export DATABASE_URL='postgres://app@db/app'   # keep me\n"
        "SMTP_HOST=smtp.example.test\n"
        "SMTP_PORT=587\n"
        "   \n"
        "SMTP_USER=app@example.test\n"
        "SMTP_PASSWORD=Fake-Pw-0001  # rotated by smtpcreds\n"
        'FEATURE_FLAGS="a,b"\n'
        "# trailing comment\n"
    )


def test_missing_keys_are_appended_in_a_fixed_order(env_path: Path, make_provider: MakeProvider) -> None:
    env_path.write_text("APP=1\nSMTP_PORT=25\n")
    make_provider().set_settings(new_login())

    assert env_path.read_text() == (
        "APP=1\nSMTP_PORT=587\nSMTP_HOST=smtp.example.test\nSMTP_USER=app@example.test\nSMTP_PASSWORD=Fake-Pw-0001\n"
    )


def test_a_file_without_a_final_newline_gets_one_before_appended_keys(
    env_path: Path, make_provider: MakeProvider
) -> None:
    env_path.write_text("APP=1")
    make_provider(port_key="", username_key="", password_key="").set_settings(new_login())

    assert env_path.read_text() == "APP=1\nSMTP_HOST=smtp.example.test\n"


def test_every_occurrence_of_a_repeated_key_is_rewritten(env_path: Path, make_provider: MakeProvider) -> None:
    env_path.write_text("SMTP_HOST=a.example.test\nX=1\nSMTP_HOST=b.example.test\n")
    make_provider().set_settings(EmailSettings(host="c.example.test"))

    assert env_path.read_text() == "SMTP_HOST=c.example.test\nX=1\nSMTP_HOST=c.example.test\n"


def test_crlf_line_endings_are_kept_and_used_for_appended_keys(
    env_path: Path, make_provider: MakeProvider
) -> None:
    env_path.write_bytes(b"APP=1\r\nSMTP_HOST=a.example.test\r\n")
    make_provider().set_settings(EmailSettings(host="b.example.test", port=465))

    assert env_path.read_bytes() == b"APP=1\r\nSMTP_HOST=b.example.test\r\nSMTP_PORT=465\r\n"


def test_export_prefix_and_trailing_comment_of_an_owned_key_survive(
    env_path: Path, make_provider: MakeProvider
) -> None:
    env_path.write_text("export SMTP_PASSWORD='old' # rotated monthly\n")
    make_provider().set_settings(EmailSettings(password=SecretStr("new secret")))

    assert env_path.read_text() == "export SMTP_PASSWORD='new secret' # rotated monthly\n"


def test_a_key_without_a_value_gets_one(env_path: Path, make_provider: MakeProvider) -> None:
    env_path.write_text("SMTP_USER\nAPP=1\n")
    make_provider().set_settings(EmailSettings(username="mailer"))

    assert env_path.read_text() == "SMTP_USER=mailer\nAPP=1\n"


def test_unchanged_settings_write_nothing(app_env: Path, make_provider: MakeProvider) -> None:
    provider = make_provider()
    provider.set_settings(new_login())
    before = os.stat(app_env)

    result = provider.set_settings(new_login())

    after = os.stat(app_env)
    assert result.changed is False
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_values_already_in_the_file_keep_their_quoting_and_nothing_is_written(
    env_path: Path, make_provider: MakeProvider
) -> None:
    text = "SMTP_HOST=\"smtp.example.test\"\nSMTP_PORT='587'\nSMTP_USER = app@example.test # me\n"
    env_path.write_text(text)
    os.chmod(env_path, 0o600)
    before = os.stat(env_path)

    result = make_provider(password_key="").set_settings(new_login())

    after = os.stat(env_path)
    assert result.changed is False
    assert env_path.read_text() == text
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_push_rewrites_only_the_lines_whose_values_change(
    env_path: Path, make_provider: MakeProvider
) -> None:
    env_path.write_text(
        "SMTP_HOST=\"smtp.example.test\"\nSMTP_PORT='587'\nSMTP_USER=app@example.test\nSMTP_PASSWORD=old\n"
    )

    make_provider().set_settings(new_login())

    assert env_path.read_text() == (
        "SMTP_HOST=\"smtp.example.test\"\nSMTP_PORT='587'\nSMTP_USER=app@example.test\nSMTP_PASSWORD=Fake-Pw-0001\n"
    )


def test_a_change_reports_changed_and_the_settings_read_back(
    app_env: Path, make_provider: MakeProvider
) -> None:
    result = make_provider().set_settings(new_login())

    assert result.changed is True
    assert result.settings is not None
    assert result.settings.host == "smtp.example.test"
    assert result.settings.password is not None
    assert result.settings.password.get_secret_value() == "Fake-Pw-0001"


def test_the_file_mode_is_kept(app_env: Path, make_provider: MakeProvider) -> None:
    os.chmod(app_env, 0o640)  # group-readable (not writable) is fine
    make_provider().set_settings(new_login())

    assert stat.S_IMODE(os.stat(app_env).st_mode) == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file another owner")
def test_the_file_owner_is_kept(app_env: Path, make_provider: MakeProvider) -> None:
    os.chown(app_env, 4242, 4343)
    make_provider().set_settings(new_login())

    st = os.stat(app_env)
    assert (st.st_uid, st.st_gid) == (4242, 4343)


def test_a_new_file_is_created_owner_only(env_path: Path, make_provider: MakeProvider) -> None:
    make_provider().set_settings(new_login())

    assert stat.S_IMODE(os.stat(env_path).st_mode) == 0o600
    assert dotenv_values(env_path)["SMTP_PASSWORD"] == "Fake-Pw-0001"


def test_a_write_leaves_no_temporary_file(app_env: Path, make_provider: MakeProvider) -> None:
    make_provider().set_settings(new_login())

    assert leftovers(app_env) == []


def test_a_symlink_is_refused_and_its_target_untouched(env_path: Path, make_provider: MakeProvider) -> None:
    target = env_path.parent / "real.env"
    target.write_text(APP_ENV)
    os.chmod(target, 0o600)
    env_path.symlink_to(target)

    with pytest.raises(ConfigError, match="symlink") as caught:
        make_provider().set_settings(new_login())

    assert caught.value.exit_code == 2
    assert "\n" not in caught.value.message
    assert env_path.is_symlink()
    assert target.read_text() == APP_ENV


@pytest.mark.parametrize("mode", [0o602, 0o620, 0o666])
def test_a_group_or_world_writable_file_is_refused(
    app_env: Path, make_provider: MakeProvider, mode: int
) -> None:
    os.chmod(app_env, mode)

    with pytest.raises(ConfigError, match=f"group- or world-writable \\(mode {mode:04o}\\)") as caught:
        make_provider().set_settings(new_login())

    assert caught.value.exit_code == 2
    assert app_env.read_text() == APP_ENV


def test_a_hard_linked_file_is_refused(app_env: Path, make_provider: MakeProvider) -> None:
    os.link(app_env, app_env.parent / "other-name.env")

    with pytest.raises(ConfigError, match="hard links"):
        make_provider().set_settings(new_login())

    assert app_env.read_text() == APP_ENV


def test_a_missing_directory_is_a_config_error(tmp_path: Path, make_provider: MakeProvider) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        make_provider(path=str(tmp_path / "nowhere" / ".env")).set_settings(new_login())


def test_a_key_set_to_the_empty_string_is_left_out(env_path: Path, make_provider: MakeProvider) -> None:
    make_provider(username_key="", port_key="").set_settings(new_login())

    assert set(dotenv_values(env_path)) == {"SMTP_HOST", "SMTP_PASSWORD"}


def test_from_and_security_are_not_written_without_their_keys(
    env_path: Path, make_provider: MakeProvider
) -> None:
    settings = new_login()
    settings.security, settings.from_address = "starttls", "app@example.test"
    make_provider().set_settings(settings)

    assert set(dotenv_values(env_path)) == {"SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD"}


def test_from_and_security_are_written_under_their_configured_keys(
    env_path: Path, make_provider: MakeProvider
) -> None:
    settings = new_login()
    settings.security, settings.from_address = "ssl", "App <app@example.test>"
    make_provider(from_key="MAIL_FROM", security_key="SMTP_SECURITY").set_settings(settings)

    found = dotenv_values(env_path)
    assert (found["MAIL_FROM"], found["SMTP_SECURITY"]) == ("App <app@example.test>", "ssl")


def test_push_login_writes_the_rotated_login(app_env: Path, make_provider: MakeProvider) -> None:
    login = SmtpLogin(
        host="smtp.example.test", port=465, security="ssl", username="u-1", password=SecretStr(FAKE_PASSWORD)
    )

    result = make_provider(security_key="SMTP_SECURITY").push_login(login)

    found = dotenv_values(app_env)
    assert result.changed is True
    assert (found["SMTP_PORT"], found["SMTP_SECURITY"], found["SMTP_PASSWORD"]) == (
        "465",
        "ssl",
        FAKE_PASSWORD,
    )


def test_the_scope_is_ignored(app_env: Path, make_provider: MakeProvider) -> None:
    make_provider().set_settings(EmailSettings(host="scoped.example.test"), "example.com")

    assert dotenv_values(app_env)["SMTP_HOST"] == "scoped.example.test"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (EmailSettings(host="smtp.example.test", description="billing"), "description"),
        (EmailSettings(host="smtp.example.test", verify_tls=False), "verify_tls"),
        (EmailSettings(host="smtp.example.test", port=70000), "port"),
        (EmailSettings(host=" "), "host"),
    ],
)
def test_invalid_or_unstorable_fields_are_refused_before_the_file_is_touched(
    app_env: Path, make_provider: MakeProvider, settings: EmailSettings, field: str
) -> None:
    before = os.stat(app_env)

    with pytest.raises(ValidationError) as caught:
        make_provider().set_settings(settings)

    assert field in caught.value.fields
    assert caught.value.exit_code == 5
    assert os.stat(app_env).st_mtime_ns == before.st_mtime_ns
    assert app_env.read_text() == APP_ENV


def test_options_are_refused(app_env: Path, make_provider: MakeProvider) -> None:
    with pytest.raises(ValidationError, match="takes no options"):
        make_provider().set_settings(EmailSettings(host="smtp.example.test"), options={"X": "1"})

    assert app_env.read_text() == APP_ENV


def test_fields_whose_keys_are_all_disabled_write_nothing(
    env_path: Path, make_provider: MakeProvider
) -> None:
    result = make_provider(host_key="").set_settings(EmailSettings(host="smtp.example.test"))

    assert result.changed is False
    assert not env_path.exists()
