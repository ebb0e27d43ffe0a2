"""A writer killed at any moment leaves the .env whole: the complete old or the complete new file."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

WRITER = Path(__file__).with_name("crash_writer.py")
OLD_PASSWORD, NEW_PASSWORD = "Fake-Old-Passw0rd-AAAA", "Fake-New-Passw0rd-BBBB"
#: About 400 kB: long enough that a write takes a while, in the few-lines shape of real .env files.
FILLER = "".join(f"APP_BLOB_{i}='{chr(65 + i % 26) * 20_000}'\n" for i in range(20))
OLD = FILLER + f"SMTP_PASSWORD={OLD_PASSWORD}\n"
NEW = FILLER + f"SMTP_PASSWORD={NEW_PASSWORD}\n"

pytestmark = pytest.mark.slow


def start_writer(path: Path, *stage: str) -> subprocess.Popen[str]:
    path.write_text(OLD)
    os.chmod(path, 0o640)
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), NEW_PASSWORD, OLD_PASSWORD, *stage],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line != "ready\n":
        proc.kill()
        pytest.fail(f"writer did not start: {proc.communicate()[1]}")
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL


def assert_whole_and_clean_up(path: Path, context: str) -> None:
    content = path.read_text()
    assert content in (OLD, NEW), f"{context}: torn file ({len(content)} characters)"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640, context
    for leftover in path.parent.iterdir():  # a temporary file the kill left behind
        if leftover != path:
            mode = stat.S_IMODE(os.stat(leftover).st_mode)
            assert mode & ~0o640 == 0, f"{context}: {leftover.name} is more readable than the file"
            leftover.unlink()


def test_sigkill_at_random_moments_never_leaves_a_partial_file(env_path: Path) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    for attempt in range(20):
        proc = start_writer(env_path)
        assert proc.stdout is not None
        for _ in range(rng.randrange(3)):
            assert proc.stdout.readline() == "wrote\n"
        time.sleep(rng.uniform(0, 0.2))  # a random kill point within the next write, not a wait
        kill(proc)
        assert_whole_and_clean_up(env_path, f"seed {seed}, attempt {attempt}")


@pytest.mark.parametrize(
    ("stage", "expected"),
    [("fsync-file", OLD), ("before-replace", OLD), ("after-replace", NEW)],
    ids=["fsync-file", "before-replace", "after-replace"],
)
def test_sigkill_at_each_step_of_the_replace_leaves_old_or_new(
    env_path: Path, stage: str, expected: str
) -> None:
    proc = start_writer(env_path, stage)
    assert proc.stdout is not None
    assert proc.stdout.readline() == f"stage {stage}\n"

    kill(proc)

    assert env_path.read_text() == expected
    assert_whole_and_clean_up(env_path, stage)
