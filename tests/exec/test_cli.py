"""The exec provider through the command line: exit codes and redaction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FAKE_PASSWORD, hook


@pytest.fixture
def configured() -> None:
    """A config file with the profile ``app-hook`` running the failing hook."""
    Path(os.environ["SMTPCREDS_CONFIG"]).write_text(
        f'[profiles.app-hook]\nprovider = "exec"\ncommand = {json.dumps(hook("fail"))}\n'
    )


def smtpcreds(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smtpcreds", "--profile", "app-hook", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.usefixtures("configured")
def test_a_failing_hook_exits_7_with_its_stderr_redacted() -> None:
    run = smtpcreds(
        "settings",
        "set",
        "--host",
        "smtp.example.test",
        "--port",
        "587",
        "--username",
        "u",
        "--password-stdin",
        stdin=FAKE_PASSWORD + "\n",
    )

    assert run.returncode == 7
    assert run.stderr.strip().endswith("exited with status 3: app refused login u:***")
    assert FAKE_PASSWORD not in run.stdout + run.stderr


@pytest.mark.usefixtures("configured")
def test_settings_cannot_be_shown() -> None:
    run = smtpcreds("settings", "show")

    assert run.returncode == 2
    assert "exec cannot show email settings" in run.stderr


def test_the_capability_matrix_says_exec_cannot_show_or_delete_settings() -> None:
    run = smtpcreds("--json", "providers")

    row = next(p for p in json.loads(run.stdout) if p["name"] == "exec")
    assert row["roles"] == ["consumer"]
    assert {c for c, ok in row["capabilities"].items() if ok} == {"settings-set", "settings-test"}


@pytest.mark.usefixtures("configured")
def test_settings_cannot_be_deleted() -> None:
    run = smtpcreds("settings", "delete", "--yes")

    assert run.returncode == 2
    assert "exec cannot delete email settings" in run.stderr


def test_settings_set_prints_nothing_secret_and_settings_test_the_test_commands_answer(
    tmp_path: Path,
) -> None:
    received = tmp_path / "received.json"
    Path(os.environ["SMTPCREDS_CONFIG"]).write_text(
        "[profiles.app-hook]\nprovider = \"exec\"\n"
        f"command = {json.dumps(hook('record', str(received)))}\n"
        f"test_command = {json.dumps(hook('record', str(tmp_path / 'tested.json')))}\n"
    )

    pushed = smtpcreds(
        "--json", "settings", "set", "--host", "smtp.example.test", "--port", "465", "--username", "u",
        "--password-stdin", stdin=FAKE_PASSWORD + "\n",
    )
    tested = smtpcreds("--json", "settings", "test", "--to", "ops@example.test")

    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout)["detail"] == "reloaded the mailer"
    assert json.loads(json.loads(received.read_text())["stdin"])["password"] == FAKE_PASSWORD
    assert FAKE_PASSWORD not in pushed.stdout + pushed.stderr
    assert (tested.returncode, json.loads(tested.stdout)) == (0, {"ok": True, "info": "reloaded the mailer"})
