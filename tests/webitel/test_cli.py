"""``smtpcreds settings show|set|delete|test`` on a Webitel profile, through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from smtpcreds_webitel.emulator import ROOT_PASSWORD, WebitelEmulator

from smtpcreds.emulator.smtp import SmtpServer
from smtpcreds.store.keyring import calls
from smtpcreds.testing.support import MemoryKeyring

Run = Callable[..., Any]
Doc = Callable[..., dict[str, Any]]
SETTINGS = "/api/v2/email/settings"
SMTP_USER = "pbx@example.com"
SMTP_PASSWORD = "right-fake-smtp-password"
STORED_PASSWORD = "stored-fake-password"


@pytest.fixture
def pbx_env(emulator: WebitelEmulator, monkeypatch: pytest.MonkeyPatch) -> WebitelEmulator:
    """Profile ``pbx`` from the environment only: root on the emulator, domain example.com."""
    for field, value in {"PROVIDER": "webitel", "BASE_URL": emulator.base_url, "USERNAME": "root",
                         "PASSWORD": ROOT_PASSWORD, "DOMAIN": "example.com"}.items():
        monkeypatch.setenv(f"SMTPCREDS_PROFILES__PBX__{field}", value)
    return emulator


def pbx(run_cli: Run, *args: str, stdin: str | None = None) -> Any:
    return run_cli("--profile", "pbx", *args, stdin=stdin)


def posted(emulator: WebitelEmulator) -> list[dict[str, Any]]:
    return [r.json() for r in emulator.requests if r.method == "POST" and r.path == SETTINGS]


def test_set_with_every_neutral_flag_and_a_raw_option(run_cli: Run, pbx_env: WebitelEmulator) -> None:
    r = pbx(run_cli, "--json", "settings", "set", "--host", "smtp.relay.example", "--port", "587",
            "--security", "ssl", "--no-verify-tls", "--from", "noreply@example.com", "--username", SMTP_USER,
            "--description", "PBX mail", "--option", "pool=true", "-o", "tls.ciphers=HIGH",
            "--password-stdin", stdin=SMTP_PASSWORD + "\n")
    assert r.code == 0, r
    (sent,) = posted(pbx_env)
    assert sent == {"provider": "smtp", "from": "noreply@example.com", "description": "PBX mail", "options": {
        "host": "smtp.relay.example", "port": 587, "secure": True, "pool": True,
        "tls": {"rejectUnauthorized": False, "ciphers": "HIGH"},
        "auth": {"user": SMTP_USER, "pass": SMTP_PASSWORD}}}
    out = r.json()
    assert (out["changed"], out["detail"]) == (True, "created")
    assert out["settings"]["password"] == "**********" and SMTP_PASSWORD not in r.out + r.err


def test_show_masks_the_password_unless_revealed(run_cli: Run, pbx_env: WebitelEmulator,
                                                 stored_doc: Doc) -> None:
    pbx_env.seed_settings("example.com", stored_doc())
    masked = pbx(run_cli, "--json", "settings", "show")
    assert masked.code == 0, masked
    shown = masked.json()
    assert (shown["host"], shown["port"], shown["security"], shown["scope"]) == (
        "smtp.example.com", 465, "ssl", "example.com")
    assert shown["password"] == "**********" and STORED_PASSWORD not in masked.out + masked.err
    table = pbx(run_cli, "settings", "show")
    assert table.code == 0 and "smtp.example.com" in table.out and STORED_PASSWORD not in table.out
    revealed = pbx(run_cli, "--json", "settings", "show", "--reveal")
    assert revealed.json()["password"] == STORED_PASSWORD


def test_an_unchanged_set_says_so_and_writes_nothing(run_cli: Run, pbx_env: WebitelEmulator,
                                                     stored_doc: Doc) -> None:
    pbx_env.seed_settings("example.com", stored_doc())
    r = pbx(run_cli, "settings", "set", "--host", "smtp.example.com", "--port", "465", "-o", "debug=false")
    assert r.code == 0 and "unchanged" in r.out
    assert posted(pbx_env) == [] and pbx_env.count("PUT") == 0
    as_json = pbx(run_cli, "--json", "settings", "set", "--security", "ssl")
    assert (as_json.json()["changed"], as_json.json()["detail"]) == (False, "unchanged")


def test_show_of_nothing_is_a_json_not_found_error_with_exit_3(run_cli: Run, pbx_env: WebitelEmulator) -> None:
    r = pbx(run_cli, "--json", "settings", "show")
    assert r.code == 3 and r.out == ""
    error = json.loads(r.err)["error"]
    assert (error["type"], error["provider"], error["status"]) == ("NotFound", "webitel", 404)


def test_delete_reports_the_removed_count(run_cli: Run, pbx_env: WebitelEmulator, stored_doc: Doc) -> None:
    pbx_env.seed_settings("example.com", stored_doc())
    assert pbx(run_cli, "--json", "settings", "delete", "--yes").json() == {"removed": 1}
    again = pbx(run_cli, "settings", "delete", "--yes")
    assert again.code == 0 and "removed 0 record" in again.out


def test_scope_names_the_domain_sent_to_the_engine(run_cli: Run, pbx_env: WebitelEmulator,
                                                   stored_doc: Doc) -> None:
    pbx_env.seed_settings("other.example", stored_doc())
    assert pbx(run_cli, "settings", "delete", "--scope", "other.example", "--yes").code == 0
    assert pbx_env.requests[-1].query == {"domain": ["other.example"]}
    assert "other.example" not in pbx_env.settings


def test_the_test_command_fails_on_a_wrong_password_and_passes_after_a_correct_set(
        run_cli: Run, pbx_env: WebitelEmulator, smtp_server: SmtpServer) -> None:
    smtp_server.issue(SMTP_USER, SMTP_PASSWORD)
    base = ("settings", "set", "--host", smtp_server.host, "--port", str(smtp_server.port),
            "--security", "none", "--username", SMTP_USER, "--password-stdin")
    assert pbx(run_cli, *base, stdin="wrong-fake-smtp-password\n").code == 0
    failed = pbx(run_cli, "--json", "settings", "test", "--to", "ops@example.net")
    error = json.loads(failed.err)["error"]
    assert failed.code == 7 and error["type"] == "ProviderError" and "Invalid login" in error["message"]
    assert "EAUTH" in error["message"]
    assert smtp_server.delivered == []
    assert pbx(run_cli, "settings", "set", "--password-stdin", stdin=SMTP_PASSWORD + "\n").code == 0
    passed = pbx(run_cli, "--json", "settings", "test", "--to", "ops@example.net")
    assert passed.code == 0 and passed.json()["ok"] is True and "250" in passed.json()["info"]
    (message,) = smtp_server.delivered
    assert message.username == SMTP_USER and message.rcpt_tos == ["ops@example.net"]
    assert SMTP_PASSWORD not in failed.out + failed.err + passed.out + passed.err


def test_two_factor_root_is_asked_for_the_code_which_is_then_sent(run_cli: Run,
                                                                  pbx_env: WebitelEmulator) -> None:
    pbx_env.enable_totp("123456")
    asked = pbx(run_cli, "settings", "delete", "--yes")
    assert asked.code == 4 and "--code" in asked.err and "security code" in asked.err
    assert pbx_env.count(path="^/api/") == 0
    logged_in = pbx(run_cli, "webitel", "login", "--code", "123456")
    assert logged_in.code == 0, logged_in
    assert pbx_env.requests[-1].path == "/login" and pbx_env.requests[-1].query == {"code": ["123456"]}
    given = pbx(run_cli, "settings", "delete", "--yes")  # the cached session: no code, no new login
    assert given.code == 0, given
    assert pbx_env.login_count == 1


def test_the_password_may_come_from_the_keyring(run_cli: Run, pbx_env: WebitelEmulator,
                                                monkeypatch: pytest.MonkeyPatch,
                                                memory_keyring: MemoryKeyring) -> None:
    monkeypatch.delenv("SMTPCREDS_PROFILES__PBX__PASSWORD")
    missing = pbx(run_cli, "settings", "delete", "--yes")
    assert missing.code == 2 and "smtpcreds auth set pbx" in missing.err
    assert run_cli("auth", "set", "pbx", stdin=ROOT_PASSWORD + "\n").code == 0
    assert memory_keyring.store[(calls.SERVICE, "pbx:password")] == ROOT_PASSWORD
    assert pbx(run_cli, "settings", "delete", "--yes").code == 0
    assert pbx_env.requests[0].json() == {"username": "root", "password": ROOT_PASSWORD}


def test_commands_in_a_row_log_in_once(run_cli: Run, pbx_env: WebitelEmulator) -> None:
    for _ in range(3):
        assert pbx(run_cli, "settings", "delete", "--yes").code == 0
    assert pbx_env.login_count == 1 and pbx_env.count("DELETE") == 3


def test_a_second_process_reuses_the_session_the_first_cached(pbx_env: WebitelEmulator, tmp_path: Path) -> None:
    # Two real processes sharing a file keyring (keyrings.alt, opted in as insecure).
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"),
           "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
           "SMTPCREDS_ALLOW_INSECURE_KEYRING": "1"}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "smtpcreds", "--profile", "pbx", "settings", "delete",
                               "--yes"], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert ROOT_PASSWORD not in done.stdout + done.stderr
    assert pbx_env.login_count == 1 and pbx_env.count("DELETE") == 2


def test_set_says_whether_it_created_or_updated_the_settings(run_cli: Run, pbx_env: WebitelEmulator) -> None:
    first = pbx(run_cli, "settings", "set", "--host", "smtp.example.com", "--port", "587")
    assert (first.code, first.out) == (0, "created\n")
    second = pbx(run_cli, "settings", "set", "--port", "465")
    assert (second.code, second.out) == (0, "updated\n")
