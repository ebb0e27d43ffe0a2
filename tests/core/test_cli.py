"""The command line: start-up cost, the --json contract, error lines and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HEAVY = ("requests", "pydantic", "keyring", "rich", "urllib3")


def test_help_imports_no_heavy_module() -> None:
    script = (
        "import sys\n"
        "from smtpcreds.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "SMTPCREDS_CONFIG": "/nonexistent"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "[]"
    assert "creds" in proc.stdout and "mailersend" in proc.stdout


def test_python_dash_m_runs_the_cli() -> None:
    proc = subprocess.run([sys.executable, "-m", "smtpcreds", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and "Usage:" in proc.stdout


def test_providers_json_is_one_document_with_the_matrix(run_cli: Any) -> None:
    r = run_cli("--json", "providers")
    assert r.code == 0, r
    rows = r.json()
    names = {row["name"] for row in rows}
    assert {"mailersend", "smtp2go", "webitel", "envfile", "exec"} <= names
    by = {row["name"]: row for row in rows}
    assert by["smtp2go"]["capabilities"]["set-password"] is True
    assert by["mailersend"]["capabilities"]["set-password"] is False
    assert by["exec"]["capabilities"]["settings-show"] is False
    assert by["webitel"]["roles"] == ["consumer"]


def test_providers_table_lists_every_provider(run_cli: Any) -> None:
    r = run_cli("providers")
    assert r.code == 0 and "smtp2go" in r.out and "webitel" in r.out


def test_unknown_provider_in_config_exits_2_naming_choices(run_cli: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[profiles.x]\nprovider = "sparkpost"\n')
    r = run_cli("--config", str(cfg), "profiles")
    assert r.code == 2
    assert r.err.count("\n") == 1 and "unknown provider 'sparkpost'" in r.err and "smtp2go" in r.err
    assert "Traceback" not in r.err


def test_json_errors_are_one_json_line_on_stderr(run_cli: Any, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[profiles.x]\nprovider = "mailersend"\nbogus = 1\n')
    r = run_cli("--json", "--config", str(cfg), "creds", "list")
    assert r.code == 2 and r.out == ""
    err = json.loads(r.err)["error"]
    assert err["type"] == "ConfigError" and "bogus" in err["message"]
    assert set(err) == {"type", "message", "status", "provider", "fields", "code"}


def test_usage_error_exits_2(run_cli: Any) -> None:
    r = run_cli("creds", "list", "--limit", "zero")
    assert r.code == 2 and "error:" in r.err


def test_unknown_command_exits_2(run_cli: Any) -> None:
    assert run_cli("frobnicate").code == 2


def test_profiles_masks_secrets(run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__PROVIDER", "mailersend")
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__API_TOKEN", "mlsn.very-secret-token")
    r = run_cli("--json", "profiles")
    assert r.code == 0 and "mlsn.very-secret-token" not in r.out
    assert r.json()[0]["api_token"] == "**********"


def test_auth_set_reads_stdin_and_stores_in_the_keyring(run_cli: Any, monkeypatch: pytest.MonkeyPatch,
                                                        memory_keyring: Any) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__PROVIDER", "mailersend")
    r = run_cli("auth", "set", "ms", stdin="mlsn.stdin-token\n")
    assert r.code == 0, r
    assert memory_keyring.store[("smtpcreds", "ms:api_token")] == "mlsn.stdin-token"
    assert "mlsn.stdin-token" not in r.out + r.err
    r = run_cli("auth", "clear", "ms")
    assert r.code == 0 and ("smtpcreds", "ms:api_token") not in memory_keyring.store


def test_auth_set_rejects_a_field_that_is_not_secret(run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__PROVIDER", "mailersend")
    r = run_cli("auth", "set", "ms", "--field", "domain_id", stdin="x\n")
    assert r.code == 2 and "not a secret field" in r.err


def test_version_option(run_cli: Any) -> None:
    r = run_cli("--version")
    assert r.code == 0 and "smtpcreds" in r.out


def test_json_list_that_fails_on_the_first_page_leaves_stdout_empty(run_cli: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from smtpcreds.emulator.smtp import free_port

    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__PROVIDER", "mailersend")
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__DOMAIN_ID", "d1")
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__API_TOKEN", "mlsn.unused-token")
    monkeypatch.setenv("SMTPCREDS_PROFILES__MS__BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    r = run_cli("--json", "creds", "list")
    assert r.code == 7 and r.out == ""
    assert json.loads(r.err)["error"]["type"] == "TransportError"


def test_profile_is_accepted_after_the_command_too(run_cli: Any, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("SMTP_HOST=mail.example.com\nSMTP_PORT=587\n")
    env.chmod(0o600)
    monkeypatch.setenv("SMTPCREDS_PROFILES__APP__PROVIDER", "envfile")
    monkeypatch.setenv("SMTPCREDS_PROFILES__APP__PATH", str(env))
    monkeypatch.setenv("SMTPCREDS_PROFILES__OTHER__PROVIDER", "envfile")
    monkeypatch.setenv("SMTPCREDS_PROFILES__OTHER__PATH", str(tmp_path / "missing.env"))
    r = run_cli("--json", "settings", "show", "--profile", "app")
    assert r.code == 0, r
    assert r.json()["host"] == "mail.example.com"


@pytest.mark.parametrize("args", [["providers", "--json"], ["rotations", "list", "--json"],
                                  ["mailersend", "roles", "--json"]])
def test_json_is_accepted_after_the_command_too(run_cli: Any, args: list[str]) -> None:
    r = run_cli(*args)
    assert r.code == 0, r
    assert isinstance(r.json(), list)


def test_json_error_carries_the_providers_own_code(run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from smtpcreds.emulator.lab import Lab

    with Lab(["smtp2go"]) as lab:
        for k, v in lab.profile("smtp2go").items():
            monkeypatch.setenv(f"SMTPCREDS_PROFILES__RELAY__{k.upper()}", str(v))
        lab.emulators["smtp2go"].faults.inject(status=400, times=5, body={
            "request_id": "r", "data": {"error": "You do not have permission to access this API endpoint",
                                        "error_code": "E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED"}})
        r = run_cli("--json", "--profile", "relay", "creds", "list")
    assert r.code == 4, r
    assert json.loads(r.err)["error"]["code"] == "E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED"
