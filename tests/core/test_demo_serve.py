"""``smtpcreds demo --serve``: the lab stays up for commands in other processes, which reach it
through the env file it writes, with a keyring file of the lab's own."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dotenv import dotenv_values


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, f"the lab exited: {proc.communicate()}"
        assert time.monotonic() < deadline, "the lab did not come up"
        time.sleep(0.05)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTPCREDS_", "PYTHON_KEYRING"))}
    proc = subprocess.Popen([sys.executable, "-m", "smtpcreds", "demo", "--serve", "--dir", str(tmp_path / "lab")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(tmp_path / "lab" / "env.sh", proc)
        yield proc, tmp_path / "lab"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def _lab_env(lab: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTPCREDS_", "PYTHON_KEYRING"))}
    for line in (lab / "env.sh").read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = shlex.split(value)[0]
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "smtpcreds", "--json", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_commands_in_other_processes_create_rotate_and_read_back_through_the_lab(
        served: tuple[subprocess.Popen[str], Path]) -> None:
    proc, lab = served
    env = _lab_env(lab)
    assert env["PYTHON_KEYRING_BACKEND"] == "smtpcreds.testing.lab_keyring.LabKeyring"
    created = _cli(env, "creds", "create", "billing-app")
    assert created.returncode == 0, created.stderr
    rotated = _cli(env, "creds", "rotate", "billing-app", "--push", "pbx", "--push", "app-env")
    assert rotated.returncode == 0, rotated.stderr
    login = _cli(env, "creds", "login", "billing-app", "--reveal")
    assert login.returncode == 0, login.stderr
    password = json.loads(login.stdout)["password"]
    assert dotenv_values(lab / "app" / ".env")["SMTP_PASSWORD"] == password
    keyring_file = json.loads((lab / "keyring.json").read_text())
    assert keyring_file["smtpcreds/relay"]["billing-app"]  # the lab's own keyring, not the user's
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert "lab stopped" in proc.communicate()[1]


def test_the_lab_keyring_is_never_picked_outside_the_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    from smtpcreds.testing.lab_keyring import LabKeyring

    monkeypatch.delenv("SMTPCREDS_LAB_KEYRING", raising=False)
    assert not LabKeyring.viable


def test_dir_without_serve_is_a_usage_error(run_cli: object) -> None:
    r = run_cli("demo", "--dir", "/tmp/x")  # type: ignore[operator]
    assert r.code == 2 and "--dir goes with --serve" in r.err
