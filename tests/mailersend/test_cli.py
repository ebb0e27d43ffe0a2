"""``smtpcreds mailersend ...``: the CLI group over the emulator (profile ``ms`` from the environment)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result
from smtpcreds_mailersend.emulator import API_TOKEN, DEFAULT_TEMPLATE_ID, MailerSendEmulator
from smtpcreds_mailersend.emulator import DEFAULT_DOMAIN_ID as DOMAIN

from smtpcreds.cli import cli, main
from smtpcreds.errors import ConfigError, ValidationError
from smtpcreds.testing.support import MemoryKeyring


@pytest.fixture
def env(emulator: MailerSendEmulator) -> dict[str, str]:
    return {
        "SMTPCREDS_PROFILES__MS__PROVIDER": "mailersend",
        "SMTPCREDS_PROFILES__MS__BASE_URL": emulator.base_url,
        "SMTPCREDS_PROFILES__MS__API_TOKEN": API_TOKEN,
        "SMTPCREDS_PROFILES__MS__DOMAIN_ID": DOMAIN,
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["--profile", "ms", *args], env=env)


def exit_code_of_main(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, *args: str) -> int | str | None:
    """Run the console-script entry point (exit codes, one-line errors) in ``env``."""
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(SystemExit) as info:
        main(list(args))
    return info.value.code


def run_json(env: dict[str, str], *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--profile", "ms", "--json", *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_roles_need_no_profile_or_network() -> None:
    result = CliRunner().invoke(cli, ["--json", "mailersend", "roles"])
    assert result.exit_code == 0
    roles = json.loads(result.stdout)
    assert [r["name"] for r in roles] == ["Admin", "Manager", "Designer", "Accountant", "Custom User"]


def test_permissions_lists_all_36_with_groups() -> None:
    result = CliRunner().invoke(cli, ["--json", "mailersend", "permissions"])
    perms = json.loads(result.stdout)
    assert len(perms) == 36
    assert {"slug": "manage-smtp-users", "description": "Manage SMTP users", "group": "Domains"} in perms


def test_roles_table_for_people() -> None:
    result = CliRunner().invoke(cli, ["mailersend", "roles"])
    assert "Custom User" in result.stdout and "ROLE" in result.stdout


def test_users_list_table(env: dict[str, str]) -> None:
    result = run(env, "mailersend", "users", "list")
    assert result.exit_code == 0
    assert "owner@example.com" in result.stdout and "EMAIL" in result.stdout


def test_users_list_json_is_an_array(env: dict[str, str]) -> None:
    users = run_json(env, "mailersend", "users", "list", "--page", "1", "--limit", "10")
    assert [u["email"] for u in users] == ["owner@example.com"]


def test_users_show(env: dict[str, str], emulator: MailerSendEmulator) -> None:
    uid = emulator.add_user("m@example.com", "Manager")
    assert run_json(env, "mailersend", "users", "show", uid)["role"] == "Manager"


def test_users_invite_sends_every_option(env: dict[str, str], emulator: MailerSendEmulator) -> None:
    invite = run_json(
        env,
        "mailersend",
        "users",
        "invite",
        "designer@example.com",
        "--role",
        "custom user",
        "--permission",
        "read-own-templates",
        "--permission",
        "manage-template",
        "--template",
        DEFAULT_TEMPLATE_ID,
        "--domain",
        DOMAIN,
        "--periodic-password-change",
    )
    assert invite["role"] == "Custom User"
    assert emulator.requests[-1].json() == {
        "email": "designer@example.com",
        "role": "Custom User",
        "permissions": ["read-own-templates", "manage-template"],
        "templates": [DEFAULT_TEMPLATE_ID],
        "domains": [DOMAIN],
        "requires_periodic_password_change": True,
    }


def test_users_invite_with_a_bad_role_sends_nothing(
    env: dict[str, str], emulator: MailerSendEmulator
) -> None:
    result = run(env, "mailersend", "users", "invite", "x@example.com", "--role", "wizard")
    assert isinstance(result.exception, ValidationError)
    assert "role: must be one of" in str(result.exception)
    assert emulator.count() == 0


def test_validation_failure_exits_5_with_one_line(
    env: dict[str, str],
    emulator: MailerSendEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert exit_code_of_main(env, monkeypatch, "--profile", "ms", "mailersend", "users", "list", "--limit", "5") == 5
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.strip() == "error: mailersend: invalid input: limit: must be between 10 and 100 (got 5)"
    assert emulator.count() == 0


def test_users_update_changes_only_what_is_given(env: dict[str, str], emulator: MailerSendEmulator) -> None:
    uid = emulator.add_user("c@example.com", "Custom User", permissions=["read-activity"], domains=[DOMAIN])
    user = run_json(env, "mailersend", "users", "update", uid, "--permission", "read-email")
    assert user["permissions"] == ["read-email"]
    assert [d["id"] for d in user["domains"]] == [DOMAIN]


def test_users_update_can_clear_domains(env: dict[str, str], emulator: MailerSendEmulator) -> None:
    uid = emulator.add_user("c@example.com", "Manager", domains=[DOMAIN])
    assert run_json(env, "mailersend", "users", "update", uid, "--clear-domains")["domains"] == []


def test_users_delete_with_yes(env: dict[str, str], emulator: MailerSendEmulator) -> None:
    uid = emulator.add_user("gone@example.com", "Manager")
    result = run(env, "mailersend", "users", "delete", uid, "--yes")
    assert result.exit_code == 0
    assert f"deleted user {uid}" in result.stdout
    assert uid not in emulator.users


def test_users_delete_json_is_one_document(env: dict[str, str], emulator: MailerSendEmulator) -> None:
    uid = emulator.add_user("gone@example.com", "Manager")
    assert run_json(env, "mailersend", "users", "delete", uid, "--yes") == {"id": uid, "deleted": True}


def test_invites_list_show_resend_cancel(env: dict[str, str], emulator: MailerSendEmulator) -> None:
    iid = run_json(env, "mailersend", "users", "invite", "late@example.com", "--role", "manager")["id"]
    assert [i["id"] for i in run_json(env, "mailersend", "invites", "list")] == [iid]
    assert run_json(env, "mailersend", "invites", "show", iid)["email"] == "late@example.com"
    resent = run(env, "mailersend", "invites", "resend", iid)
    assert f"resent invite {iid} to late@example.com" in resent.stdout
    cancelled = run(env, "mailersend", "invites", "cancel", iid, "--yes")
    assert cancelled.exit_code == 0 and iid not in emulator.invites


def test_invites_list_says_how_to_get_the_next_page(
    env: dict[str, str], emulator: MailerSendEmulator
) -> None:
    for i in range(11):
        run_json(env, "mailersend", "users", "invite", f"i{i}@example.com", "--role", "manager")
    result = run(env, "mailersend", "invites", "list", "--limit", "10")
    assert "page 1 of 2; more with --page 2" in result.stdout


def test_a_profile_of_another_provider_is_refused(emulator: MailerSendEmulator) -> None:
    env = {
        "SMTPCREDS_PROFILES__RELAY__PROVIDER": "smtp2go",
        "SMTPCREDS_PROFILES__RELAY__API_KEY": "api-FAKE0000000000000000000000000000",
    }
    result = CliRunner().invoke(cli, ["--profile", "relay", "mailersend", "users", "list"], env=env)
    assert isinstance(result.exception, ConfigError)
    assert "profile relay is not a mailersend profile" in str(result.exception)


def test_no_smtp_password_reaches_the_output_of_creds_commands(
    env: dict[str, str], emulator: MailerSendEmulator
) -> None:
    """The emulator puts passwords in list/show responses too (as the docs show); none is printed."""
    env = {**env, "SMTPCREDS_ALLOW_INSECURE_KEYRING": "1"}
    outputs = [run(env, "--json", "creds", "create", "billing-app")]
    created = json.loads(outputs[0].stdout)
    outputs += [
        run(env, "--json", "creds", "list"),
        run(env, "creds", "list"),
        run(env, "--json", "creds", "show", created["id"]),
        run(env, "-v", "creds", "update", created["id"], "--disable"),
    ]
    rec = emulator.smtp_user(created["id"])
    assert rec is not None
    for result in outputs:
        assert result.exit_code == 0, result.output
        assert rec.password not in result.stdout + result.stderr


def test_json_creds_create_returns_the_credential_and_keeps_the_password_in_the_keyring(
    env: dict[str, str], emulator: MailerSendEmulator, memory_keyring: MemoryKeyring
) -> None:
    cred = run_json(env, "creds", "create", "App")
    rec = emulator.smtp_user(cred["id"])
    assert rec is not None
    assert "password" not in cred
    assert (cred["name"], cred["username"], cred["scope"]) == ("App", rec.username, DOMAIN)
    stored = json.loads(memory_keyring.store[("smtpcreds/ms", cred["credential"])])["current"]
    assert (stored["username"], stored["password"]) == (rec.username, rec.password)


def test_json_creds_create_shows_the_password_only_with_reveal(
    env: dict[str, str], emulator: MailerSendEmulator
) -> None:
    cred = run_json(env, "creds", "create", "App", "--reveal")
    rec = emulator.smtp_user(cred["id"])
    assert rec is not None and cred["password"] == rec.password


def test_json_creds_list_of_250_smtp_users_takes_3_requests(
    env: dict[str, str], emulator: MailerSendEmulator
) -> None:
    emulator.seed_smtp_users(250)
    creds = run_json(env, "creds", "list")
    assert len(creds) == 250 and len({c["id"] for c in creds}) == 250
    assert all("password" not in c for c in creds)
    assert emulator.count("GET", r"/smtp-users$") == emulator.count() == 3


def test_creds_new_password_is_unsupported_and_sends_nothing(
    env: dict[str, str],
    emulator: MailerSendEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (sid,) = emulator.seed_smtp_users(1)
    assert exit_code_of_main(env, monkeypatch, "--profile", "ms", "creds", "update", sid, "--new-password") == 2
    assert capsys.readouterr().err.strip() == "error: mailersend cannot set passwords"
    assert emulator.count() == 0


def test_json_error_of_a_mailersend_command_is_one_document(
    env: dict[str, str],
    emulator: MailerSendEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("--profile", "ms", "--json", "mailersend", "invites", "show", "nosuchinvite0000")
    assert exit_code_of_main(env, monkeypatch, *args) == 3
    out = capsys.readouterr()
    assert out.out == ""
    assert json.loads(out.err)["error"] == {
        "type": "NotFound",
        "message": "mailersend: Resource not found. (HTTP 404)",
        "status": 404,
        "provider": "mailersend",
        "fields": {},
        "code": None,
    }
