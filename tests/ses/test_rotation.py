"""Rotation by alternating access keys, end to end: CLI, moto's IAM, the keyring, a .env file, SMTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values
from smtpcreds_ses.derive import smtp_password
from smtpcreds_ses.emulator import SesEmulator

from smtpcreds.client import secret_store
from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.rotation.journal import journal_store
from smtpcreds.rotation.steps import Step

from .conftest import keys_of


def create(run_cli: Any, name: str = "app") -> dict[str, Any]:
    result = run_cli("--json", "creds", "create", name)
    assert result.code == 0, result
    created: dict[str, Any] = result.json()
    return created


def test_create_makes_one_user_under_the_path_with_one_key_whose_derived_password_logs_in(
    emulator: SesEmulator, smtp_server: SmtpServer, configured: Path, run_cli: Any
) -> None:
    created = create(run_cli)

    user = emulator.backend.users["app"]
    assert user.path == "/smtpcreds/"
    [key] = keys_of(emulator, "app")
    assert created["id"] == "app" and created["username"] == key.access_key_id
    stored = secret_store("ses").get("app")
    assert stored is not None and stored.username == key.access_key_id
    assert stored.password.get_secret_value() == smtp_password(key.secret_access_key, "eu-west-1")
    smtp_server.send_test(stored.username, stored.password.get_secret_value(), "ops@example.com")
    assert user.policies  # the inline ses:SendRawEmail policy
    tags = {t["Key"]: t["Value"] for t in emulator.backend.list_user_tags("app")}
    assert tags == {"managed-by": "smtpcreds", "smtpcreds-state": "ready"}


def test_rotate_leaves_one_different_key_in_the_keyring_and_the_env_file_and_the_old_login_fails(
    emulator: SesEmulator, smtp_server: SmtpServer, configured: Path, app_env: Path, run_cli: Any
) -> None:
    create(run_cli)
    old = secret_store("ses").get("app")
    assert old is not None

    result = run_cli("--json", "creds", "rotate", "app", "--push", "app-env")

    assert result.code == 0, result
    [key] = keys_of(emulator, "app")
    assert key.access_key_id != old.username
    new = secret_store("ses").get("app")
    assert new is not None and new.username == key.access_key_id
    assert new.password.get_secret_value() == smtp_password(key.secret_access_key, "eu-west-1")
    env = dotenv_values(app_env)
    assert env["SMTP_USER"] == key.access_key_id
    assert env["SMTP_PASSWORD"] == new.password.get_secret_value()
    assert smtp_server.accepts(new.username, new.password.get_secret_value())
    assert not smtp_server.accepts(old.username, old.password.get_secret_value())
    import smtplib

    with pytest.raises(smtplib.SMTPAuthenticationError):
        smtp_server.send_test(old.username, old.password.get_secret_value(), "ops@example.com")
    [outcome] = result.json()["results"]
    assert outcome["strategy"] == "regenerate" and outcome["retired"] is True


def test_a_user_with_two_foreign_keys_is_refused_before_any_change(
    emulator: SesEmulator, configured: Path, run_cli: Any
) -> None:
    create(run_cli)
    emulator.backend.delete_access_key(keys_of(emulator, "app")[0].access_key_id, "app")
    foreign = [emulator.backend.create_access_key("app").access_key_id for _ in range(2)]
    requests_before = [r.body for r in emulator.requests]

    result = run_cli("creds", "rotate", "app")

    assert result.code == 5, result
    for key_id in foreign:
        assert key_id in result.err
    assert [k.access_key_id for k in keys_of(emulator, "app")] == foreign
    mutations = [b for b in [r.body for r in emulator.requests][len(requests_before):]
                 if b"Action=Create" in b or b"Action=Delete" in b or b"Action=Update" in b]
    assert mutations == []
    assert journal_store().all() == []


def test_a_key_the_keyring_does_not_know_beside_ours_is_refused_and_named(
    emulator: SesEmulator, configured: Path, run_cli: Any
) -> None:
    create(run_cli)
    foreign = emulator.backend.create_access_key("app").access_key_id

    result = run_cli("creds", "rotate", "app")

    assert result.code == 5, result
    assert foreign in result.err and "unknown to smtpcreds" in result.err
    assert len(keys_of(emulator, "app")) == 2


def test_an_old_key_used_after_the_push_began_holds_the_retire_until_it_is_unused(
    emulator: SesEmulator, smtp_server: SmtpServer, configured: Path, app_env: Path, run_cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create(run_cli)
    old = secret_store("ses").get("app")
    assert old is not None
    from smtpcreds_envfile.provider import EnvFileProvider

    real_push = EnvFileProvider.push_login

    def push_while_the_app_still_sends_with_the_old_key(self: Any, login: Any, scope: Any = None) -> Any:
        smtp_server.send_test(old.username, old.password.get_secret_value(), "ops@example.com")
        return real_push(self, login, scope)

    monkeypatch.setattr(EnvFileProvider, "push_login", push_while_the_app_still_sends_with_the_old_key)

    held = run_cli("creds", "rotate", "app", "--push", "app-env")

    assert held.code == 8, held
    assert old.username in held.err and "retire held" in held.err
    assert old.username in [k.access_key_id for k in keys_of(emulator, "app")]  # still there
    assert dotenv_values(app_env)["SMTP_USER"] != old.username  # the push happened
    [j] = [j for j in journal_store().all() if j.open]
    assert j.next is Step.RETIRE  # promoted; the retire is what waits

    smtp_server.send_test(old.username, old.password.get_secret_value(), "ops@example.com")
    again = run_cli("rotations", "resume", j.id)
    assert again.code == 8, again  # used again since the retire was held: still held
    assert old.username in again.err and "after the retire was last held" in again.err

    done = run_cli("rotations", "resume", j.id)  # no use since the last check: now it goes
    assert done.code == 0, done
    [key] = keys_of(emulator, "app")
    assert key.access_key_id != old.username


def test_force_retire_on_rotate_retires_a_key_still_in_use(
    emulator: SesEmulator, smtp_server: SmtpServer, configured: Path, run_cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create(run_cli)
    old = secret_store("ses").get("app")
    assert old is not None
    from smtpcreds_envfile.provider import EnvFileProvider

    real_push = EnvFileProvider.push_login

    def push(self: Any, login: Any, scope: Any = None) -> Any:
        smtp_server.send_test(old.username, old.password.get_secret_value(), "ops@example.com")
        return real_push(self, login, scope)

    monkeypatch.setattr(EnvFileProvider, "push_login", push)

    result = run_cli("creds", "rotate", "app", "--push", "app-env", "--force-retire")

    assert result.code == 0, result
    assert [k.access_key_id for k in keys_of(emulator, "app")] != [old.username]
    assert len(keys_of(emulator, "app")) == 1


def test_a_key_used_only_before_the_push_is_retired(
    emulator: SesEmulator, smtp_server: SmtpServer, configured: Path, run_cli: Any
) -> None:
    create(run_cli)
    old = secret_store("ses").get("app")
    assert old is not None
    smtp_server.send_test(old.username, old.password.get_secret_value(), "ops@example.com")

    result = run_cli("creds", "rotate", "app", "--push", "app-env")

    assert result.code == 0, result
    assert old.username not in [k.access_key_id for k in keys_of(emulator, "app")]


def test_a_new_key_that_never_logs_in_stops_the_rotation_resumably_after_bounded_retries(
    emulator: SesEmulator, smtp_server: SmtpServer, configured: Path, run_cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create(run_cli)
    monkeypatch.setattr(emulator, "sync", lambda: None)  # SES never learns of the new key
    attempts_before = smtp_server.auth_attempts

    result = run_cli("creds", "rotate", "app")

    assert result.code == 8, result
    assert "rotations resume" in result.err
    # verify_attempts = 3 logins (smtplib tries AUTH PLAIN, then LOGIN, in each)
    assert smtp_server.auth_attempts - attempts_before == 3 * 2
    assert len(keys_of(emulator, "app")) == 2  # the old key still works; nothing retired


def test_audit_shows_the_last_use_aws_reports(
    emulator: SesEmulator, smtp_server: SmtpServer, configured: Path, run_cli: Any
) -> None:
    create(run_cli)
    stored = secret_store("ses").get("app")
    assert stored is not None
    assert run_cli("--json", "creds", "audit", "--profile", "ses").json()[0]["last_used_at"] is None
    smtp_server.send_test(stored.username, stored.password.get_secret_value(), "ops@example.com")

    [row] = run_cli("--json", "creds", "audit", "--profile", "ses").json()

    assert row["id"] == "app" and row["last_used_at"] is not None


def test_abort_after_a_failed_verification_removes_the_new_key_and_keeps_the_old(
    emulator: SesEmulator, smtp_server: SmtpServer, configured: Path, run_cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    created = create(run_cli)
    with monkeypatch.context() as m:
        m.setattr(emulator, "sync", lambda: None)
        stopped = run_cli("--json", "creds", "rotate", "app")
    assert stopped.code == 8, stopped
    [rotation_id] = stopped.json()["incomplete_rotations"]

    aborted = run_cli("rotations", "abort", rotation_id, "--yes")

    assert aborted.code == 0, aborted
    assert [k.access_key_id for k in keys_of(emulator, "app")] == [created["username"]]
    assert secret_store("ses").get("app", "pending") is None
    stored = secret_store("ses").get("app")
    assert stored is not None and smtp_server.accepts(stored.username, stored.password.get_secret_value())


def test_keep_old_leaves_both_keys_until_rotations_retire(
    emulator: SesEmulator, smtp_server: SmtpServer, configured: Path, run_cli: Any
) -> None:
    old = create(run_cli)["username"]

    kept = run_cli("--json", "creds", "rotate", "app", "--keep-old")

    assert kept.code == 0, kept
    [outcome] = kept.json()["results"]
    assert outcome["retired"] is False and len(keys_of(emulator, "app")) == 2
    retired = run_cli("rotations", "retire", outcome["rotation_id"])
    assert retired.code == 0, retired
    [key] = keys_of(emulator, "app")
    assert key.access_key_id != old
