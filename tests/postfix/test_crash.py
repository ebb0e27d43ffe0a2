"""A push killed at any moment leaves the map source whole: the old or the new, other entries intact."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from smtpcreds.models import SmtpLogin

from .conftest import MakeProvider, mode

WRITER = Path(__file__).with_name("crash_writer.py")
OLD_PASSWORD, NEW_PASSWORD = "Fake-Old-Passw0rd-AAAA", "Fake-New-Passw0rd-BBBB"
#: Many other entries (about 400 kB), so that a write takes a while; the relay's entry is last.
OTHERS = "".join(f"[relay{i}.example.test]:587 user{i}:{chr(65 + i % 26) * 4000}\n" for i in range(100))
OLD = OTHERS + f"[relay.test]:587 relay-user:{OLD_PASSWORD}\n"
NEW = OTHERS + f"[relay.test]:587 relay-user:{NEW_PASSWORD}\n"

pytestmark = pytest.mark.slow


def start_writer(config_dir: Path, *stage: str) -> subprocess.Popen[str]:
    source = config_dir / "sasl_passwd"
    source.write_text(OLD)
    os.chmod(source, 0o600)
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(config_dir), NEW_PASSWORD, OLD_PASSWORD, *stage],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    assert proc.stdout is not None
    if proc.stdout.readline() != "ready\n":
        proc.kill()
        pytest.fail(f"writer did not start: {proc.communicate()[1]}")
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()


def assert_whole(config_dir: Path, context: str) -> None:
    source = config_dir / "sasl_passwd"
    assert source.read_text() in (OLD, NEW), f"{context}: torn map source"
    assert mode(source) == 0o600, context
    for leftover in config_dir.glob(".sasl_passwd.*"):  # a temporary file the kill left behind
        assert mode(leftover) & ~0o600 == 0, f"{context}: {leftover.name} is more readable than the map"
        leftover.unlink()


def test_sigkill_at_random_moments_never_leaves_a_torn_map(config_dir: Path, make_provider: MakeProvider) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    for attempt in range(6):
        proc = start_writer(config_dir)
        assert proc.stdout is not None
        for _ in range(rng.randrange(2)):
            assert proc.stdout.readline() == "wrote\n"
        time.sleep(rng.uniform(0, 0.1))  # a random kill point within the next push, not a wait
        kill(proc)
        assert_whole(config_dir, f"seed {seed}, attempt {attempt}")
    # A kill inside postmap may leave the indexed map stale or torn: the next push (a resume) rebuilds it.
    provider = make_provider(relayhost="[relay.test]:587", map_type="hash")
    provider.push_login(SmtpLogin(host="relay.test", port=587, username="relay-user",
                                  password=SecretStr(NEW_PASSWORD)))
    assert provider.postfix.query("postmap", "[relay.test]:587", provider.table) == f"relay-user:{NEW_PASSWORD}"


@pytest.mark.parametrize(
    ("stage", "expected"),
    [("fsync-file", OLD), ("before-replace", OLD), ("after-replace", NEW)],
    ids=["fsync-file", "before-replace", "after-replace"],  # (a 400 kB id would reach the child's environment)
)
def test_sigkill_at_each_step_of_the_replace_leaves_old_or_new(config_dir: Path, stage: str, expected: str) -> None:
    proc = start_writer(config_dir, stage)
    assert proc.stdout is not None
    assert proc.stdout.readline() == f"stage {stage}\n"

    kill(proc)

    assert (config_dir / "sasl_passwd").read_text() == expected
    assert_whole(config_dir, stage)
