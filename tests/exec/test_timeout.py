"""A hook that hangs is killed with its whole process group and reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from smtpcreds.errors import ProviderError
from smtpcreds.models import SmtpLogin
from smtpcreds.testing.support import provider_for

from .conftest import FAKE_PASSWORD, hook, is_gone


def wait_until_gone(pid: int, limit: float = 10.0) -> bool:
    """Poll until the kernel has finished a SIGKILLed process (delivery is asynchronous)."""
    deadline = time.monotonic() + limit
    while not is_gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture(scope="module")
def hung(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProviderError, int, int]:
    """Run the hanging hook once with a 1 s limit: the error, the hook's pid and its helper's pid."""
    pids = tmp_path_factory.mktemp("hang") / "pids"
    provider = provider_for(
        {"provider": "exec", "command": hook("hang", str(pids)), "timeout": 1}, name="app-hook"
    )
    login = SmtpLogin(host="smtp.example.test", port=587, username="u", password=SecretStr(FAKE_PASSWORD))
    with pytest.raises(ProviderError) as caught:
        provider.push_login(login)
    child, helper = (int(p) for p in pids.read_text().split())
    return caught.value, child, helper


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to inspect processes")
def test_a_timeout_is_a_provider_error_naming_the_limit_and_the_last_stderr_line(
    hung: tuple[ProviderError, int, int],
) -> None:
    error = hung[0]

    assert error.exit_code == 7
    assert error.message.endswith("timed out after 1s and was killed: waiting for the app to reload")


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to inspect processes")
def test_a_timed_out_hook_is_gone(hung: tuple[ProviderError, int, int]) -> None:
    assert is_gone(hung[1])


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to inspect processes")
def test_processes_the_hook_started_are_killed_with_it(hung: tuple[ProviderError, int, int]) -> None:
    assert wait_until_gone(hung[2])


def test_a_hook_that_never_stops_writing_is_still_killed_at_its_limit(tmp_path: Path) -> None:
    config = tmp_path / "flood.toml"
    config.write_text(f'[profiles.flood]\nprovider = "exec"\ncommand = {json.dumps(hook("flood"))}\ntimeout = 1\n')
    args = ["--config", str(config), "--profile", "flood", "settings", "set", "--host", "h.example.test"]
    args += ["--port", "587", "--username", "u", "--password-stdin"]

    run = subprocess.run(
        [sys.executable, "-m", "smtpcreds", *args],
        input=FAKE_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,  # a runner that never times out would hang here instead of failing
    )

    assert run.returncode == 7
    assert "timed out after 1s and was killed" in run.stderr
