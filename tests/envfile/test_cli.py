"""The envfile provider through the command line: exit codes and secrets in the output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from .conftest import FAKE_PASSWORD


@pytest.fixture
def configured(env_path: Path) -> Path:
    """A config file with the profile ``app-env`` for ``env_path``."""
    config = Path(os.environ["SMTPCREDS_CONFIG"])
    config.write_text(f'[profiles.app-env]\nprovider = "envfile"\npath = {json.dumps(str(env_path))}\n')
    return env_path


def smtpcreds(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smtpcreds", "--profile", "app-env", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_set_writes_the_file_and_never_prints_the_password(configured: Path) -> None:
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

    assert run.returncode == 0, run.stderr
    assert dotenv_values(configured)["SMTP_PASSWORD"] == FAKE_PASSWORD
    assert FAKE_PASSWORD not in run.stdout + run.stderr


def test_settings_show_masks_the_password(configured: Path) -> None:
    configured.write_text(f"SMTP_HOST=smtp.example.test\nSMTP_PASSWORD='{FAKE_PASSWORD[:20]}'\n")

    run = smtpcreds("--json", "settings", "show")

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["password"] == "**********"


def test_an_unsafe_file_exits_2_with_one_line(configured: Path) -> None:
    configured.write_text("SMTP_HOST=old.example.test\n")
    os.chmod(configured, 0o666)

    run = smtpcreds("settings", "set", "--host", "smtp.example.test")

    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert "group- or world-writable" in run.stderr


def test_settings_show_reveals_the_password_only_when_asked(configured: Path) -> None:
    configured.write_text("SMTP_HOST=smtp.example.test\nSMTP_PASSWORD='fake secret pw'\n")

    shown = smtpcreds("--json", "settings", "show", "--reveal")

    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["password"] == "fake secret pw"


def test_an_unchanged_set_says_so_and_writes_nothing(configured: Path) -> None:
    configured.write_text("SMTP_HOST=smtp.example.test\n")
    os.chmod(configured, 0o600)
    before = os.stat(configured)

    run = smtpcreds("settings", "set", "--host", "smtp.example.test")

    after = os.stat(configured)
    assert (run.returncode, run.stdout) == (0, "unchanged (nothing was written)\n")
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_symlinked_file_exits_2_and_its_target_is_untouched(configured: Path) -> None:
    target = configured.parent / "real.env"
    target.write_text("SMTP_HOST=old.example.test\n")
    os.chmod(target, 0o600)
    configured.symlink_to(target)

    run = smtpcreds("settings", "set", "--host", "smtp.example.test")

    assert run.returncode == 2
    assert "is a symlink; refusing to write through it" in run.stderr
    assert target.read_text() == "SMTP_HOST=old.example.test\n"


def test_settings_test_is_unsupported(configured: Path) -> None:
    run = smtpcreds("settings", "test")

    assert run.returncode == 2
    assert "envfile cannot test email settings" in run.stderr
