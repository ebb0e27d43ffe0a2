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
