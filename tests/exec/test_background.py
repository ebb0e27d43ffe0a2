"""The hook's own exit is the verdict, even when it leaves an app running in the background."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from smtpcreds.errors import ProviderError
from smtpcreds.models import SmtpLogin

from .conftest import FAKE_PASSWORD, MakeProvider, hook, is_gone

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to inspect processes")

LOGIN = SmtpLogin(host="smtp.example.test", port=587, username="u", password=SecretStr(FAKE_PASSWORD))


@pytest.fixture
def app_pid_file(tmp_path: Path) -> Iterator[Path]:
    """Where the background hook writes its app's pid; the app is killed after the test."""
    path = tmp_path / "app.pid"
    yield path
    if path.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(path.read_text()), signal.SIGKILL)


def test_a_hook_that_restarts_an_app_in_the_background_succeeds_and_the_app_keeps_running(
    make_provider: MakeProvider, app_pid_file: Path
) -> None:
    provider = make_provider(command=hook("background", str(app_pid_file), "0"), timeout=10)

    result = provider.push_login(LOGIN)

    assert (result.changed, result.detail) == (True, "restarted the app")
    assert not is_gone(int(app_pid_file.read_text()))


def test_a_failing_hook_with_a_background_app_fails_by_its_status_with_its_stderr(
    make_provider: MakeProvider, app_pid_file: Path
) -> None:
    provider = make_provider(command=hook("background", str(app_pid_file), "4"), timeout=10)

    with pytest.raises(ProviderError) as caught:
        provider.push_login(LOGIN)

    assert caught.value.message.endswith("exited with status 4: reload failed")
    assert not is_gone(int(app_pid_file.read_text()))


def test_a_hook_that_writes_much_before_reading_its_input_gets_it_and_its_last_line_is_kept(
    make_provider: MakeProvider,
) -> None:
    result = make_provider(command=hook("chatty"), timeout=20).push_login(LOGIN)

    assert result.detail == "read True input"
